// The written form of dates, times and rules (RFC 5545 §3.3.4, §3.3.5, §3.3.9, §3.3.10), checked
// on the lines as sent before ical.js reads them by character position.
import { describe, expect, it } from 'vitest';
import { findValueSyntaxProblem } from '../../src/ical/valueSyntax.ts';

const inEvent = (...lines: string[]) => findValueSyntaxProblem(['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', ...lines, 'END:VEVENT', 'END:VCALENDAR']);

describe('findValueSyntaxProblem', () => {
  it('accepts well-formed values in every form clients write', () => {
    expect(
      inEvent(
        'DTSTAMP:20260101T000000Z',
        'DTSTART;TZID="America/New_York;odd:name":20260101T090000',
        'DTEND;X-A="x:y";TZID=America/New_York:20260101T100000 ',
        'RRULE:FREQ=WEEKLY;UNTIL=20260301T000000Z;BYDAY=MO,TU',
        'EXDATE;VALUE=DATE-TIME;TZID=America/New_York:20260105T090000,20260106T090000',
        'RDATE;VALUE=PERIOD:20260110T090000Z/PT1H30M,20260111T090000Z/20260111T100000Z,20260112T090000Z/P1D',
        'RDATE;VALUE=DATE:20260120',
        'CREATED:20251231T235959Z',
        'LAST-MODIFIED:20260101T000000Z',
      ),
    ).toBeNull();
    expect(inEvent('DTSTART;VALUE=DATE:20260101', 'DTEND;value=date:20260102', 'RRULE:FREQ=YEARLY;UNTIL=20300101')).toBeNull();
  });

  it.each([
    ['DTSTAMP:19970324T1200Z', 'not a valid DATE-TIME'],
    ['DTSTART:19970701t090000z', 'not a valid DATE-TIME'],
    ['DTSTART: 19970701T090000Z', 'not a valid DATE-TIME'],
    ['DTSTART:19970701T090000Z,19970702T090000Z', 'not a valid DATE-TIME'],
    ['DTSTART;VALUE=DATE:19970701T090000Z', 'not a valid DATE'],
    ['DTSTAMP;VALUE=DATE:19970701', 'cannot have VALUE=DATE'],
    ['RDATE;VALUE=PERIOD:19970701T090000Z', 'not a valid PERIOD'],
    ['RDATE;VALUE=PERIOD:19970701/19970702', 'not a valid PERIOD'],
    ['EXDATE:19970701T090000Z,', 'the value is empty'],
    ['RRULE:FREQ=DAILY;UNTIL=1997070', 'UNTIL=1997070'],
    ['EXRULE:FREQ=DAILY;SKIP=BACKWARD', 'RSCALE (RFC 7529) is not supported'],
    ['RRULE:FREQ=YEARLY;BYMONTH=3,5L', 'leap month BYMONTH=3,5L'],
    ['RRULE:rscale=gregorian;FREQ=YEARLY', 'RSCALE (RFC 7529) is not supported'],
  ])('refuses %s, quoting it', (line, reason) => {
    const problem = inEvent('DTSTAMP:20260101T000000Z', line.startsWith('DTSTART') ? 'SUMMARY:x' : 'DTSTART:19970701T080000Z', line);
    expect(problem?.line).toBe(line);
    expect(problem?.reason).toContain(reason);
  });

  it('checks time zone observances and alarms, not properties of unknown components', () => {
    const zone = ['BEGIN:VCALENDAR', 'BEGIN:VTIMEZONE', 'TZID:X', 'BEGIN:STANDARD', 'DTSTART:1970010T000000', 'END:STANDARD', 'END:VTIMEZONE', 'END:VCALENDAR'];
    expect(findValueSyntaxProblem(zone)?.line).toBe('DTSTART:1970010T000000');
    expect(findValueSyntaxProblem(['BEGIN:VCALENDAR', 'BEGIN:X-THING', 'DTSTART:soon', 'END:X-THING', 'END:VCALENDAR'])).toBeNull();
  });

  it("keeps a DTEND or DUE of another value type than DTSTART (Apple iCal wrote them; they have one reading)", () => {
    expect(inEvent('DTEND:20260102T040000', 'DTSTART;VALUE=DATE:20260101')).toBeNull();
    expect(findValueSyntaxProblem(['BEGIN:VCALENDAR', 'BEGIN:VTODO', 'DTSTART:20260101T090000Z', 'DUE;VALUE=DATE:20260102', 'END:VTODO', 'END:VCALENDAR'])).toBeNull();
  });
});
