// CALDAV:expand (RFC 4791 §9.6.5) converts only times with a time zone to UTC. An all-day series
// expands to DATE values, and its RECURRENCE-IDs are DATEs too (RFC 5545 §3.8.4.4: the value type
// of DTSTART), the same whatever time zone the request reads dates in; a floating series stays
// floating. Issue 22, item 6: RECURRENCE-ID used to be a UTC date-time that moved with the zone.
import ICAL from 'ical.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { C, parseMultistatus, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, crlf, event, VTIMEZONES } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/rita/default/';
const LOS_ANGELES = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', ...VTIMEZONES['America/Los_Angeles']!.lines, 'END:VCALENDAR']);
const AUCKLAND = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VTIMEZONE', 'TZID:Pacific/Auckland', 'BEGIN:STANDARD', 'DTSTART:19700405T030000', 'TZOFFSETFROM:+1300', 'TZOFFSETTO:+1300', 'END:STANDARD', 'END:VTIMEZONE', 'END:VCALENDAR']);

describe('expand keeps the value types of dates and floating times', () => {
  const server = useTestServer();
  const dav = server.user('rita');

  /** The expanded instances of one object between two instants, read in `zone`. */
  async function expand(uri: string, start: string, end: string, zone: string): Promise<{ text: string; events: ICAL.Component[] }> {
    const body = `<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data><c:expand start="${start}" end="${end}"/></c:calendar-data></d:prop>
      <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter></c:filter><c:timezone><![CDATA[${zone}]]></c:timezone></c:calendar-query>`;
    const res = await dav.report(CAL, body);
    expect(res.status).toBe(207);
    const text = textIn(parseMultistatus(res.text).members.get(`${CAL}${uri}`)!.props.get(C('calendar-data'))!.el);
    return { text, events: new ICAL.Component(ICAL.parse(text) as never).getAllSubcomponents('vevent') };
  }
  const value = (e: ICAL.Component, name: string) => e.getFirstProperty(name)!.toICALString();

  beforeAll(async () => {
    await dav.put(`${CAL}allday.ics`, calendar(event('allday', ['DTSTART;VALUE=DATE:20270104', 'DTEND;VALUE=DATE:20270105', 'RRULE:FREQ=DAILY;COUNT=5', 'SUMMARY:Holiday'])));
    await dav.put(`${CAL}floating.ics`, calendar(event('floating', ['DTSTART:20270104T090000', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=5', 'SUMMARY:Stretch'])));
  });

  it('an all-day daily series: DATE start, end and RECURRENCE-ID, one day per instance, in Los Angeles', async () => {
    // In Los Angeles (-08:00) 01-04 is [01-04T08:00Z, 01-05T08:00Z): the range [01-05T00Z,
    // 01-07T00Z) meets 01-04, 01-05 and 01-06.
    const { events } = await expand('allday.ics', '20270105T000000Z', '20270107T000000Z', LOS_ANGELES);
    expect(events.map((e) => [value(e, 'dtstart'), value(e, 'dtend'), value(e, 'recurrence-id')])).toEqual([
      ['DTSTART;VALUE=DATE:20270104', 'DTEND;VALUE=DATE:20270105', 'RECURRENCE-ID;VALUE=DATE:20270104'],
      ['DTSTART;VALUE=DATE:20270105', 'DTEND;VALUE=DATE:20270106', 'RECURRENCE-ID;VALUE=DATE:20270105'],
      ['DTSTART;VALUE=DATE:20270106', 'DTEND;VALUE=DATE:20270107', 'RECURRENCE-ID;VALUE=DATE:20270106'],
    ]);
  });

  it('the same series read in Auckland: the same dates for the same instances, none shifted a day', async () => {
    // In Auckland (+13:00) 01-05 is [01-04T11:00Z, 01-05T11:00Z): the range meets 01-05, 01-06, 01-07.
    const { events } = await expand('allday.ics', '20270105T000000Z', '20270107T000000Z', AUCKLAND);
    expect(events.map((e) => [value(e, 'dtstart'), value(e, 'dtend'), value(e, 'recurrence-id')])).toEqual([
      ['DTSTART;VALUE=DATE:20270105', 'DTEND;VALUE=DATE:20270106', 'RECURRENCE-ID;VALUE=DATE:20270105'],
      ['DTSTART;VALUE=DATE:20270106', 'DTEND;VALUE=DATE:20270107', 'RECURRENCE-ID;VALUE=DATE:20270106'],
      ['DTSTART;VALUE=DATE:20270107', 'DTEND;VALUE=DATE:20270108', 'RECURRENCE-ID;VALUE=DATE:20270107'],
    ]);
  });

  it('a floating series stays floating: DTSTART and RECURRENCE-ID without Z, whatever the zone', async () => {
    // 09:00 floating in Los Angeles is 17:00Z: 01-05 and 01-06 fall in [01-05T00Z, 01-07T00Z).
    const la = await expand('floating.ics', '20270105T000000Z', '20270107T000000Z', LOS_ANGELES);
    expect(la.events.map((e) => [value(e, 'dtstart'), value(e, 'recurrence-id')])).toEqual([
      ['DTSTART:20270105T090000', 'RECURRENCE-ID:20270105T090000'],
      ['DTSTART:20270106T090000', 'RECURRENCE-ID:20270106T090000'],
    ]);
    expect(la.events.map((e) => value(e, 'duration'))).toEqual(['DURATION:PT1H', 'DURATION:PT1H']);
    // 09:00 floating in Auckland is 20:00Z the day before: 01-06 and 01-07 (01-05 ends at 01-04T21:00Z).
    const akl = await expand('floating.ics', '20270105T000000Z', '20270107T000000Z', AUCKLAND);
    expect(akl.events.map((e) => [value(e, 'dtstart'), value(e, 'recurrence-id')])).toEqual([
      ['DTSTART:20270106T090000', 'RECURRENCE-ID:20270106T090000'],
      ['DTSTART:20270107T090000', 'RECURRENCE-ID:20270107T090000'],
    ]);
    expect(akl.text).not.toContain('VTIMEZONE');
  });

  it('a zoned series is answered in UTC, RECURRENCE-ID included', async () => {
    await dav.put(`${CAL}zoned.ics`, calendar(event('zoned', ['DTSTART;TZID=Europe/Berlin:20270104T090000', 'DTEND;TZID=Europe/Berlin:20270104T100000', 'RRULE:FREQ=DAILY;COUNT=5'])));
    const { events } = await expand('zoned.ics', '20270105T000000Z', '20270106T000000Z', LOS_ANGELES);
    expect(events.map((e) => [value(e, 'dtstart'), value(e, 'dtend'), value(e, 'recurrence-id')])).toEqual([
      ['DTSTART:20270105T080000Z', 'DTEND:20270105T090000Z', 'RECURRENCE-ID:20270105T080000Z'],
    ]);
  });
});
