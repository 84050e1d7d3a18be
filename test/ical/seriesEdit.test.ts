// Editing part of a series, on recurring events as Thunderbird and Apple Calendar store them: one
// occurrence (an override), this and the following ones (a split), one deleted (an EXDATE). Every
// result is also read by another program (python3-icalendar, python3-recurring-ical-events) and
// must give the same instances as before the edit, except the edited ones.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { deleteOccurrence, editOccurrence, hasInstances, NOT_A_SERIES, NOT_AN_INSTANCE, readOccurrence, splitSeries } from '../../src/ical/seriesEdit.ts';
import { crlf } from '../fixtures/ical.ts';
import { THUNDERBIRD_SERIES } from '../fixtures/itip.ts';
import { expandElsewhere, type OracleInstance } from '../helpers/seriesOracle.ts';

const NOW = Date.UTC(2026, 11, 7, 12) / 1000;
const corpus = (path: string) => readFileSync(new URL(`../fixtures/corpus/${path}`, import.meta.url), 'utf8');
/** Thunderbird 128, a daily series with UNTIL and two occurrences changed (one moved, one with a location). */
const THUNDERBIRD_DAILY = corpus('recurring-ical-events/recurring_ical_events/test/calendars/issue_223_thunderbird.ics');
/** A weekly series stored through SabreDAV from a client that writes EXDATEs in UTC beside a TZID start. */
const SABRE_WEEKLY = corpus('recurring-ical-events/recurring_ical_events/test/calendars/each_week_but_two_deleted.ics');
/** An all-day series with date RDATEs, an EXDATE and an override moved by a day. */
const ALL_DAY = corpus('own/date.ics');

/**
 * Apple Calendar (macOS 14), a weekly series in New York as it stores one: INTERVAL=1 and UNTIL at
 * 23:59:59 local in UTC, EXDATE in the start's TZID, alarms with X-WR-ALARMUID and the ACTION:NONE
 * placeholder it writes for "no default alert", URL;VALUE=URI, one occurrence changed.
 */
const APPLE_SERIES = crlf([
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Apple Inc.//macOS 14.1//EN',
  'CALSCALE:GREGORIAN',
  'BEGIN:VTIMEZONE',
  'TZID:America/New_York',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:-0500',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU',
  'DTSTART:20070311T020000',
  'TZNAME:EDT',
  'TZOFFSETTO:-0400',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:-0400',
  'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU',
  'DTSTART:20071104T020000',
  'TZNAME:EST',
  'TZOFFSETTO:-0500',
  'END:STANDARD',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'CREATED:20261120T150000Z',
  'UID:8C5E2A4B-1D3F-4E6A-9B7C-0D1E2F3A4B5C',
  'DTEND;TZID=America/New_York:20270302T103000',
  'RRULE:FREQ=WEEKLY;INTERVAL=1;UNTIL=20270407T035959Z',
  'TRANSP:OPAQUE',
  'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC',
  'SUMMARY:Design review',
  'LAST-MODIFIED:20261120T150500Z',
  'DTSTAMP:20261120T150500Z',
  'DTSTART;TZID=America/New_York:20270302T100000',
  'SEQUENCE:0',
  'URL;VALUE=URI:https://example.org/reviews',
  'EXDATE;TZID=America/New_York:20270316T100000',
  'BEGIN:VALARM',
  'X-WR-ALARMUID:5A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9',
  'UID:5A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9',
  'TRIGGER:-PT15M',
  'ATTACH;VALUE=URI:Chord',
  'ACTION:AUDIO',
  'END:VALARM',
  'BEGIN:VALARM',
  'X-WR-ALARMUID:0F1E2D3C-4B5A-4968-8776-655443322110',
  'UID:0F1E2D3C-4B5A-4968-8776-655443322110',
  'TRIGGER;VALUE=DATE-TIME:19760401T005545Z',
  'ACTION:NONE',
  'END:VALARM',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'CREATED:20261120T150000Z',
  'UID:8C5E2A4B-1D3F-4E6A-9B7C-0D1E2F3A4B5C',
  'DTEND;TZID=America/New_York:20270309T113000',
  'TRANSP:OPAQUE',
  'SUMMARY:Design review (long)',
  'DTSTART;TZID=America/New_York:20270309T100000',
  'DTSTAMP:20261120T150600Z',
  'SEQUENCE:0',
  'RECURRENCE-ID;TZID=America/New_York:20270309T100000',
  'BEGIN:VALARM',
  'X-WR-ALARMUID:5A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9',
  'UID:5A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9',
  'TRIGGER:-PT15M',
  'ATTACH;VALUE=URI:Chord',
  'ACTION:AUDIO',
  'END:VALARM',
  'END:VEVENT',
  'END:VCALENDAR',
]);

const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');
const starts = (list: OracleInstance[]) => list.map((i) => i.start);
/** The VEVENT blocks of an object. */
const events = (text: string) => unfold(text).split('BEGIN:VEVENT').slice(1).map((e) => e.split('END:VEVENT')[0]!);
/** The lines of the object's events that begin with `name` (not those of its VTIMEZONEs). */
const lines = (text: string, name: string) => events(text).flatMap((e) => e.split('\r\n').filter((l) => l.startsWith(name)));

/** What python3-icalendar and -recurring-ical-events make of objects (read together: one calendar's instances). */
async function elsewhere(objects: string[], start: string, end: string): Promise<OracleInstance[]> {
  for (const o of objects) expect(() => parseCalendarObject(o)).not.toThrow();
  return (await expandElsewhere(objects, start, end)).flat().sort((a, b) => a.start.localeCompare(b.start));
}

describe('one occurrence', () => {
  it('reads an occurrence in the event’s own zone: the series’ values there, or its override’s', () => {
    const plain = readOccurrence(THUNDERBIRD_SERIES, '20270125T093000', 'America/New_York');
    expect(plain.isOverride).toBe(false);
    expect(plain.recurring).toBe(true);
    expect(plain.event).toMatchObject({ summary: 'Stand-up', zone: 'Europe/Berlin', startDate: '2027-01-25', startTime: '09:30', endTime: '09:45', reminders: [5] });
    const moved = readOccurrence(THUNDERBIRD_SERIES, '20270111T093000', 'UTC');
    expect(moved.isOverride).toBe(true);
    expect(moved.event).toMatchObject({ summary: 'Stand-up (longer)', startDate: '2027-01-11', startTime: '14:00', endTime: '15:00' });
    expect(moved.participants.attendees.map((a) => a.email)).toContain('erin@example.net');
    // The same instant in UTC names the same occurrence.
    expect(readOccurrence(THUNDERBIRD_SERIES, '20270125T083000Z', 'UTC').event.startDate).toBe('2027-01-25');
  });

  it('refuses what is not an occurrence: an excluded date, a time off the rule, a malformed value', () => {
    for (const rid of ['20270118T093000', '20270125T100000', '2027-01-25', '20270301T093000']) {
      expect(() => readOccurrence(THUNDERBIRD_SERIES, rid, 'UTC')).toThrow(NOT_AN_INSTANCE);
      expect(() => editOccurrence(THUNDERBIRD_SERIES, rid, readOccurrence(THUNDERBIRD_SERIES, '20270125T093000', 'UTC').event, NOW)).toThrow(NOT_AN_INSTANCE);
    }
  });

  it('for "this and following" shows the rest of a COUNT', () => {
    // SabreDAV's weekly series: COUNT=8 from 4 March 2019; the 18th is its third instance.
    const read = readOccurrence(SABRE_WEEKLY, '20190318T003000', 'Europe/Berlin');
    expect(read.event.repeat).toEqual({ freq: 'WEEKLY', count: 6 });
    expect(read.customRule).toBeNull();
  });

  it('edits one occurrence as Thunderbird does: an override with RECURRENCE-ID in the master’s TZID, the rest unchanged', async () => {
    const read = readOccurrence(THUNDERBIRD_SERIES, '20270201T093000', 'Europe/Berlin');
    const text = editOccurrence(THUNDERBIRD_SERIES, '20270201T093000', { ...read.event, summary: 'Stand-up (demo)', startTime: '10:00', endTime: '11:00' }, NOW);
    const override = events(text).find((e) => e.includes('RECURRENCE-ID;TZID=Europe/Berlin:20270201T093000'))!;
    expect(override).toContain('DTSTART;TZID=Europe/Berlin:20270201T100000');
    expect(override).toContain('SUMMARY:Stand-up (demo)');
    expect(override).toContain('DTSTAMP:20261207T120000Z');
    expect(override).toContain('SEQUENCE:2');
    // Copied from the series: its attendees and its alarm; the rule is not.
    expect(override).toContain('mailto:dave@example.net');
    expect(override).toContain('TRIGGER:-PT5M');
    expect(override).not.toContain('RRULE');
    // The master is as it was (ical.js writes TRIGGER without its default VALUE=DURATION).
    expect(events(text)[0]).toBe(events(THUNDERBIRD_SERIES)[0]!.replace('TRIGGER;VALUE=DURATION:', 'TRIGGER:'));
    const [before, after] = await Promise.all([elsewhere([THUNDERBIRD_SERIES], '20261201', '20271231'), elsewhere([text], '20261201', '20271231')]);
    expect(after).toHaveLength(before.length);
    const changed = after.filter((i, n) => i.start !== before[n]!.start || i.summary !== before[n]!.summary);
    expect(changed).toEqual([expect.objectContaining({ start: '20270201T090000Z', summary: 'Stand-up (demo)' })]);
  });

  it('edits an existing override: what the form does not show stays (an attendee of that occurrence only, X- properties)', () => {
    const read = readOccurrence(THUNDERBIRD_SERIES, '20270111T093000', 'Europe/Berlin');
    const text = editOccurrence(THUNDERBIRD_SERIES, '20270111T093000', { ...read.event, location: 'Room 2' }, NOW);
    expect(events(text)).toHaveLength(2);
    const override = events(text)[1]!;
    expect(override).toContain('LOCATION:Room 2');
    expect(override).toContain('mailto:erin@example.net');
    expect(override).toContain('X-MOZ-GENERATION:3');
    expect(override).toContain('SEQUENCE:3');
  });

  it('deletes one occurrence with an EXDATE in the master’s form, dropping its override', async () => {
    const text = deleteOccurrence(THUNDERBIRD_SERIES, '20270111T093000', NOW);
    expect(events(text)).toHaveLength(1);
    expect(lines(text, 'EXDATE')).toEqual(['EXDATE;TZID=Europe/Berlin:20270118T093000', 'EXDATE;TZID=Europe/Berlin:20270111T093000']);
    expect(text).toContain('SEQUENCE:2');
    // SabreDAV's EXDATEs are in UTC: the new one still takes the master's form.
    const sabre = deleteOccurrence(SABRE_WEEKLY, '20190318T003000', NOW);
    expect(lines(sabre, 'EXDATE')).toEqual(['EXDATE:20190310T233000Z', 'EXDATE:20190324T233000Z', 'EXDATE;TZID=Europe/Berlin:20190318T003000']);
    const [before, after, sabreBefore, sabreAfter] = await Promise.all([
      elsewhere([THUNDERBIRD_SERIES], '20261201', '20271231'),
      elsewhere([text], '20261201', '20271231'),
      elsewhere([SABRE_WEEKLY], '20190101', '20191231'),
      elsewhere([sabre], '20190101', '20191231'),
    ]);
    expect(starts(after)).toEqual(starts(before).filter((s) => s !== '20270111T130000Z'));
    expect(starts(sabreAfter)).toEqual(starts(sabreBefore).filter((s) => s !== '20190317T233000Z'));
    expect(() => deleteOccurrence(THUNDERBIRD_SERIES, '20270118T093000', NOW)).toThrow(NOT_AN_INSTANCE);
  });

  it('an all-day series: the override and the EXDATE are dates', () => {
    const read = readOccurrence(ALL_DAY, '20260403', 'Europe/Berlin');
    expect(read.event).toMatchObject({ allDay: true, startDate: '2026-04-03', endDate: '2026-04-04' });
    const text = editOccurrence(ALL_DAY, '20260403', { ...read.event, summary: 'changed' }, NOW);
    expect(unfold(text)).toContain('RECURRENCE-ID;VALUE=DATE:20260403');
    expect(lines(deleteOccurrence(ALL_DAY, '20260403', NOW), 'EXDATE')).toEqual(['EXDATE;VALUE=DATE:20260320', 'EXDATE;VALUE=DATE:20260403']);
  });

  it('an object whose last occurrence is deleted has none left', () => {
    const single = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//t//EN', 'BEGIN:VEVENT', 'UID:two', 'DTSTAMP:20260101T000000Z', 'DTSTART:20270104T090000Z', 'RRULE:FREQ=DAILY;COUNT=2', 'END:VEVENT', 'END:VCALENDAR']);
    const one = deleteOccurrence(single, '20270104T090000Z', NOW);
    expect(hasInstances(one)).toBe(true);
    expect(hasInstances(deleteOccurrence(one, '20270105T090000Z', NOW))).toBe(false);
  });
});

describe('this and following', () => {
  it('splits as Thunderbird and Apple Calendar do: UNTIL just before, a new UID related to the old one with the rest of the COUNT', async () => {
    const read = readOccurrence(THUNDERBIRD_SERIES, '20270201T093000', 'Europe/Berlin');
    expect(read.customRule).toBe('FREQ=WEEKLY;COUNT=8;BYDAY=MO');
    const { old, next } = splitSeries(THUNDERBIRD_SERIES, '20270201T093000', { ...read.event, summary: 'New stand-up' }, 'new-series', NOW);
    expect(old).not.toBeNull();
    expect(next).not.toBeNull();
    // The old series: a COUNT became an UNTIL one second before the occurrence (09:30 Berlin is 08:30 UTC).
    expect(lines(old!, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270201T082959Z']);
    expect(events(old!)).toHaveLength(2);
    expect(old!).toContain('EXDATE;TZID=Europe/Berlin:20270118T093000');
    // The new one: its own UID, related to the old one, the four instances left of eight.
    expect(events(next!)).toHaveLength(1);
    expect(next!).toContain('UID:new-series');
    expect(next!).toContain('RELATED-TO;RELTYPE=SIBLING:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0');
    expect(lines(next!, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO']);
    expect(next!).toContain('DTSTART;TZID=Europe/Berlin:20270201T093000');
    expect(next!).toContain('SEQUENCE:0');
    expect(next!).toContain('BEGIN:VTIMEZONE');
    const [before, oldAfter, nextAfter] = await Promise.all([
      elsewhere([THUNDERBIRD_SERIES], '20261201', '20271231'),
      elsewhere([old!], '20261201', '20271231'),
      elsewhere([next!], '20261201', '20271231'),
    ]);
    expect(starts([...oldAfter, ...nextAfter])).toEqual(starts(before));
    expect(oldAfter.map((i) => i.summary)).toEqual(['Stand-up', 'Stand-up (longer)', 'Stand-up']);
    expect(nextAfter.every((i) => i.summary === 'New stand-up' && i.uid === 'new-series')).toBe(true);
  });

  it('moves the later overrides and EXDATEs to the new series, following a changed start time', async () => {
    const base = editOccurrence(THUNDERBIRD_SERIES, '20270215T093000', { ...readOccurrence(THUNDERBIRD_SERIES, '20270215T093000', 'UTC').event, summary: 'Guest talk' }, NOW);
    const withExdate = deleteOccurrence(base, '20270222T093000', NOW);
    const read = readOccurrence(withExdate, '20270201T093000', 'Europe/Berlin');
    const { old, next } = splitSeries(withExdate, '20270201T093000', { ...read.event, startTime: '10:00', endTime: '10:15' }, 'later', NOW);
    expect(lines(old!, 'EXDATE')).toEqual(['EXDATE;TZID=Europe/Berlin:20270118T093000']);
    expect(events(old!).some((e) => e.includes('Guest talk'))).toBe(false);
    expect(lines(next!, 'EXDATE')).toEqual(['EXDATE;TZID=Europe/Berlin:20270222T100000']);
    expect(lines(next!, 'RECURRENCE-ID')).toEqual(['RECURRENCE-ID;TZID=Europe/Berlin:20270215T100000']);
    expect(events(next!)[1]).toContain('UID:later');
    const nextAfter = await elsewhere([next!], '20261201', '20271231');
    expect(nextAfter.map((i) => [i.start, i.summary])).toEqual([
      ['20270201T090000Z', 'Stand-up'],
      ['20270208T090000Z', 'Stand-up'],
      // The override keeps its own time (09:30) and title.
      ['20270215T083000Z', 'Guest talk'],
    ]);
  });

  it('a real Thunderbird series with UNTIL: the old UNTIL goes to the new series, the occurrence’s own override is replaced by the form', async () => {
    const read = readOccurrence(THUNDERBIRD_DAILY, '20250425T090000', 'Europe/London');
    expect(read.isOverride).toBe(true);
    expect(read.event).toMatchObject({ location: 'new place', zone: 'Europe/London', repeat: { freq: 'DAILY', until: '2025-04-27' } });
    const { old, next } = splitSeries(THUNDERBIRD_DAILY, '20250425T090000', { ...read.event, summary: 'from Friday' }, 'friday', NOW);
    expect(lines(old!, 'RRULE')).toEqual(['RRULE:FREQ=DAILY;UNTIL=20250425T075959Z']);
    expect(lines(old!, 'RECURRENCE-ID')).toEqual(['RECURRENCE-ID;TZID=Europe/London:20250424T090000']);
    expect(lines(next!, 'RRULE')).toEqual(['RRULE:FREQ=DAILY;UNTIL=20250427T080000Z']);
    expect(lines(next!, 'RECURRENCE-ID')).toEqual([]);
    expect(next!).toContain('LOCATION:new place');
    const [before, oldAfter, nextAfter] = await Promise.all([
      elsewhere([THUNDERBIRD_DAILY], '20250401', '20250501'),
      elsewhere([old!], '20250401', '20250501'),
      elsewhere([next!], '20250401', '20250501'),
    ]);
    expect(starts([...oldAfter, ...nextAfter])).toEqual(starts(before));
    expect(nextAfter.map((i) => i.summary)).toEqual(['from Friday', 'from Friday', 'from Friday']);
  });

  it('Apple Calendar’s series: the old UNTIL goes to the new series; its alarms and URL kept', async () => {
    const read = readOccurrence(APPLE_SERIES, '20270323T100000', 'Europe/Berlin');
    expect(read.event).toMatchObject({ zone: 'America/New_York', startTime: '10:00', reminders: [15], url: 'https://example.org/reviews', repeat: { freq: 'WEEKLY', until: '2027-04-06' } });
    expect(read.otherAlarms).toBe(1);
    const { old, next } = splitSeries(APPLE_SERIES, '20270323T100000', { ...read.event, location: 'Lab' }, 'apple-next', NOW);
    // 10:00 in New York on 23 March (summer time) is 14:00 UTC.
    // (ical.js leaves out the default INTERVAL=1 of the rule it rewrote.)
    expect(lines(old!, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;UNTIL=20270323T135959Z']);
    expect(lines(next!, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;INTERVAL=1;UNTIL=20270407T035959Z']);
    expect(next!).toContain('X-WR-ALARMUID:5A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9');
    expect(next!).toContain('ACTION:NONE');
    // (ical.js writes URL without its default VALUE=URI.)
    expect(next!).toContain('URL:https://example.org/reviews');
    const [before, oldAfter, nextAfter] = await Promise.all([
      elsewhere([APPLE_SERIES], '20270101', '20271231'),
      elsewhere([old!], '20270101', '20271231'),
      elsewhere([next!], '20270101', '20271231'),
    ]);
    expect(starts([...oldAfter, ...nextAfter])).toEqual(starts(before));
  });

  it('an all-day series: UNTIL is a date, the day before', async () => {
    const read = readOccurrence(ALL_DAY, '20260403', 'Europe/Berlin');
    const { old, next } = splitSeries(ALL_DAY, '20260403', read.event, 'days', NOW);
    expect(lines(old!, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;UNTIL=20260402']);
    // COUNT=5 from 13 March: 13, 20 (excluded: still counted) and 27 March come before, 3 and 10 April after.
    expect(lines(next!, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=2']);
    expect(lines(next!, 'RDATE')).toEqual([]);
    expect(lines(old!, 'RDATE')).toEqual(['RDATE;VALUE=DATE:20260401,20260402']);
    const [before, oldAfter, nextAfter] = await Promise.all([elsewhere([ALL_DAY], '20260101', '20261231'), elsewhere([old!], '20260101', '20261231'), elsewhere([next!], '20260101', '20261231')]);
    expect(starts([...oldAfter, ...nextAfter]).sort()).toEqual(starts(before).sort());
  });

  it('at the first occurrence nothing is left of the old series; deleting this and following leaves no new one', async () => {
    const first = splitSeries(THUNDERBIRD_SERIES, '20270104T093000', readOccurrence(THUNDERBIRD_SERIES, '20270104T093000', 'UTC').event, 'whole', NOW);
    expect(first.old).toBeNull();
    expect(lines(first.next!, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=8;BYDAY=MO']);
    expect(lines(first.next!, 'RECURRENCE-ID')).toEqual(['RECURRENCE-ID;TZID=Europe/Berlin:20270111T093000']);
    const cut = splitSeries(THUNDERBIRD_SERIES, '20270208T093000', null, '', NOW);
    expect(cut.next).toBeNull();
    expect(lines(cut.old!, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270208T082959Z']);
    const after = await elsewhere([cut.old!], '20261201', '20271231');
    expect(starts(after)).toEqual(['20270104T083000Z', '20270111T130000Z', '20270125T083000Z', '20270201T083000Z']);
    const oneOff = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//t//EN', 'BEGIN:VEVENT', 'UID:once', 'DTSTAMP:20260101T000000Z', 'DTSTART:20270104T090000Z', 'END:VEVENT', 'END:VCALENDAR']);
    expect(() => splitSeries(oneOff, '20270104T090000Z', null, '', NOW)).toThrow(NOT_AN_INSTANCE);
    expect(NOT_A_SERIES).toBeTruthy();
  });
});
