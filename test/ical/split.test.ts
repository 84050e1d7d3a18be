// Splitting an .ics file into calendar objects: each object is the file's own lines (folds,
// parameter order, escapes and values the server cannot read all kept, so the write path's
// checks judge what was sent), grouped by UID with the time zones it uses; what cannot be an
// object is named with its UID, SUMMARY and reason; only an unreadable structure refuses the file.
import { describe, expect, it } from 'vitest';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { objectText, splitIcs } from '../../src/ical/split.ts';

const PRODID = '-//Calendula//EN';
const vtz = (id: string) => ['BEGIN:VTIMEZONE', `TZID:${id}`, 'BEGIN:STANDARD', 'DTSTART:19701025T030000', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE'];
const lines = (...l: string[]) => l.join('\r\n') + '\r\n';

const SERIES = [
  'BEGIN:VEVENT',
  'UID:series',
  'DTSTAMP:20261201T000000Z',
  'DTSTART;X-ODD="a:b;c";TZID="Custom/Used":20270104T090000',
  'RRULE:FREQ=DAILY;COUNT=3',
  'SUMMARY:Series with a very long summary that an exporter folded at seventy-five oct',
  ' ets\\, with an escaped comma',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'DESCRIPTION:Soon',
  'TRIGGER:-PT5M',
  'END:VALARM',
  'END:VEVENT',
];
const MOVED = ['BEGIN:VEVENT', 'UID:series', 'DTSTAMP:20261201T000000Z', 'RECURRENCE-ID;TZID=Custom/Used:20270105T090000', 'DTSTART;TZID=Custom/Used:20270105T100000', 'SUMMARY:Moved', 'END:VEVENT'];
const TASK = ['BEGIN:VTODO', 'UID:task', 'DTSTAMP:20261201T000000Z', 'SUMMARY:Task', 'X-VENDOR;A=1:kept as sent', 'END:VTODO'];
const FILE = lines(
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Exporter//EN',
  'CALSCALE:GREGORIAN',
  'METHOD:PUBLISH',
  'X-WR-CALNAME:Team',
  ...vtz('Custom/Used'),
  ...vtz('Custom/Unused'),
  ...SERIES,
  '',
  ...TASK,
  ...MOVED,
  'BEGIN:VEVENT',
  'DTSTAMP:20261201T000000Z',
  'DTSTART:20270101T000000Z',
  'SUMMARY:No UID',
  'END:VEVENT',
  'BEGIN:VFREEBUSY',
  'UID:fb',
  'DTSTAMP:20261201T000000Z',
  'END:VFREEBUSY',
  'END:VCALENDAR',
);

describe('splitting an .ics file', () => {
  it('gives one object per UID, made of the file’s own lines, with the time zones it uses, without METHOD', () => {
    const file = splitIcs(FILE, 10, PRODID);
    expect(file.objects.map((o) => [o.uid, o.summary])).toEqual([
      ['series', 'Series with a very long summary that an exporter folded at seventy-five octets, with an escaped comma'],
      ['task', 'Task'],
    ]);
    const series = objectText(file, file.objects[0]!);
    expect(series).toBe(lines('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Exporter//EN', 'CALSCALE:GREGORIAN', ...vtz('Custom/Used'), ...SERIES, ...MOVED, 'END:VCALENDAR'));
    expect(() => parseCalendarObject(series)).not.toThrow();
    const task = objectText(file, file.objects[1]!);
    expect(task).toBe(lines('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Exporter//EN', 'CALSCALE:GREGORIAN', ...TASK, 'END:VCALENDAR'));
    expect(file.refused).toEqual([
      { uid: null, summary: 'No UID', reason: 'a VEVENT without a UID' },
      { uid: 'fb', summary: null, reason: 'a VFREEBUSY is not an event, task or note' },
    ]);
  });

  it('rewrites no value: one the server cannot read reaches the write path’s checks as sent, and they refuse it', () => {
    const file = splitIcs(
      lines('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//X//EN', 'BEGIN:VEVENT', 'UID:bad-rdate', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261203T090000Z', 'RDATE;VALUE=TIME:083000', 'END:VEVENT', 'END:VCALENDAR'),
      10,
      PRODID,
    );
    const text = objectText(file, file.objects[0]!);
    expect(text).toContain('\r\nRDATE;VALUE=TIME:083000\r\n');
    expect(text).not.toContain('0830-00-');
    expect(() => parseCalendarObject(text)).toThrow(/RDATE/);
  });

  it('keeps LF-only files’ lines, drops a byte-order mark, and adds VERSION and PRODID only when the file has none', () => {
    const file = splitIcs('\ufeffBEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:lf\nDTSTAMP:20261201T000000Z\nDTSTART:20270101T000000Z\nEND:VEVENT\nEND:VCALENDAR\n', 10, PRODID);
    expect(objectText(file, file.objects[0]!)).toBe(lines('BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'BEGIN:VEVENT', 'UID:lf', 'DTSTAMP:20261201T000000Z', 'DTSTART:20270101T000000Z', 'END:VEVENT', 'END:VCALENDAR'));
  });

  it('stops at the object limit and names the rest', () => {
    const file = splitIcs(FILE, 1, PRODID);
    expect(file.objects).toHaveLength(1);
    expect(file.refused).toContainEqual({ uid: 'task', summary: 'Task', reason: 'more than 1 objects in one import' });
  });

  it('sends a time zone used by every object once, not once per object', () => {
    const events = Array.from({ length: 50 }, (_, i) => ['BEGIN:VEVENT', `UID:e${i}`, 'DTSTAMP:20261201T000000Z', 'DTSTART;TZID=Custom/Used:20270104T090000', 'END:VEVENT']).flat();
    const file = splitIcs(lines('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//X//EN', ...vtz('Custom/Used'), ...events, 'END:VCALENDAR'), 100, PRODID);
    expect(file.objects).toHaveLength(50);
    expect(file.zones.size).toBe(1);
    expect(file.objects.every((o) => o.zones.join() === 'Custom/Used' && !o.body.includes('VTIMEZONE'))).toBe(true);
  });

  it.each([
    ['', /empty/],
    ['this is not iCalendar', /line 1: content outside BEGIN:VCALENDAR/],
    [lines('BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:x', 'END:VTODO', 'END:VCALENDAR'), /line 4: END:VTODO does not close BEGIN:VEVENT/],
    [lines('BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:x'), /BEGIN:VEVENT is never closed/],
    [lines('BEGIN:VCALENDAR', 'END:VCALENDAR', 'BEGIN:VCALENDAR', 'END:VCALENDAR'), /more than one VCALENDAR/],
    [lines('BEGIN:VCALENDAR', 'VERSION 2.0', 'END:VCALENDAR'), /line 2: not a content line/],
  ])('refuses a file whose structure cannot be read (%#)', (text, reason) => {
    expect(() => splitIcs(text, 10, PRODID)).toThrow(reason);
  });
});
