// The web UI's iCalendar work: simple events written and read back, occurrences in a window (with
// the expansion's bounds), tasks done and undone, and .ics files split into objects.
import { describe, expect, it } from 'vitest';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { applySimpleEvent, newSimpleEvent, occurrencesIn, readSimpleEvent, readTask, setTaskDone, splitCalendar, type SimpleEvent } from '../../src/ical/webCalendar.ts';

const NOW = Date.UTC(2026, 11, 4, 12) / 1000;
const event = (over: Partial<SimpleEvent> = {}): SimpleEvent => ({
  summary: 'Standup',
  description: null,
  location: null,
  allDay: false,
  startDate: '2027-03-15',
  startTime: '09:00',
  endDate: '2027-03-15',
  endTime: '09:15',
  zone: 'Europe/Berlin',
  repeat: null,
  ...over,
});
const iso = (s: number) => new Date(s * 1000).toISOString();
const LIMITS = { maxInstances: 100, maxSteps: 10_000 };

describe('simple events', () => {
  it('writes a valid object with a wall-clock time in its zone, which keeps its local time across DST', () => {
    const text = newSimpleEvent(event({ repeat: { freq: 'WEEKLY', count: 3 } }), 'u1@example.org', NOW, '-//Test//EN');
    expect(() => parseCalendarObject(text)).not.toThrow();
    expect(text).toContain('DTSTART;TZID=Europe/Berlin:20270315T090000');
    expect(text).toContain('RRULE:FREQ=WEEKLY;COUNT=3');
    const { items } = occurrencesIn(text, { start: Date.UTC(2027, 2, 1) / 1000, end: Date.UTC(2027, 4, 1) / 1000 }, 'Europe/Berlin', LIMITS);
    // Berlin moves to summer time on 28 March: 09:00 stays 09:00, so UTC goes from 08:00 to 07:00.
    expect(items.map((o) => iso(o.start))).toEqual(['2027-03-15T08:00:00.000Z', '2027-03-22T08:00:00.000Z', '2027-03-29T07:00:00.000Z']);
    expect(items.every((o) => o.recurring && o.end - o.start === 900)).toBe(true);
  });

  it('reads back what it wrote, all-day ends inclusive, UNTIL as a date', () => {
    const e = event({ allDay: true, startDate: '2026-12-24', endDate: '2026-12-26', startTime: '', endTime: '', repeat: { freq: 'YEARLY', until: '2030-12-24' } });
    const text = newSimpleEvent(e, 'xmas', NOW, '-//Test//EN');
    expect(text).toContain('DTEND;VALUE=DATE:20261227');
    expect(readSimpleEvent(text, 'Europe/Berlin')).toEqual({ event: e, customRule: null });
  });

  it('edits only what the form holds: alarms and other properties stay, SEQUENCE goes up, a rule it cannot show is kept', () => {
    const stored = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Other//EN', 'BEGIN:VEVENT', 'UID:keep', 'DTSTAMP:20261201T000000Z', 'SEQUENCE:4',
      'DTSTART:20270104T090000Z', 'DTEND:20270104T100000Z', 'SUMMARY:Old', 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE', 'X-CUSTOM:yes',
      'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Soon', 'TRIGGER:-PT5M', 'END:VALARM', 'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    const read = readSimpleEvent(stored, 'UTC');
    expect(read.customRule).toBe('FREQ=WEEKLY;BYDAY=MO,WE');
    expect(read.event.repeat).toBeNull();
    const edited = applySimpleEvent(stored, { ...read.event, summary: 'New' }, NOW, true);
    expect(edited).toContain('SUMMARY:New');
    expect(edited).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO,WE');
    expect(edited).toContain('X-CUSTOM:yes');
    expect(edited).toContain('TRIGGER:-PT5M');
    expect(edited).toContain('SEQUENCE:5');
    expect(applySimpleEvent(stored, { ...read.event, repeat: null }, NOW, false)).not.toContain('RRULE');
  });

  it('keeps an expansion within its bounds, saying it was cut', () => {
    const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VEVENT', 'UID:s', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261201T000000Z', 'RRULE:FREQ=SECONDLY', 'SUMMARY:Every second', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const out = occurrencesIn(text, { start: Date.UTC(2026, 11, 1) / 1000, end: Date.UTC(2027, 0, 1) / 1000 }, 'UTC', { maxInstances: 50, maxSteps: 1000 });
    expect(out.items.length).toBeLessThanOrEqual(50);
    expect(out.capped).toBe(true);
  });
});

describe('tasks', () => {
  const todo = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VTODO', 'UID:t', 'DTSTAMP:20261201T000000Z', 'DUE;VALUE=DATE:20270110', 'SUMMARY:Milk', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');

  it('marks done with STATUS, COMPLETED and PERCENT-COMPLETE, and open again', () => {
    expect(readTask(todo, 'UTC')).toEqual({ uid: 't', summary: 'Milk', due: Date.UTC(2027, 0, 10) / 1000, dueIsDate: true, done: false });
    const done = setTaskDone(todo, true, NOW);
    expect(done).toMatch(/STATUS:COMPLETED[\s\S]*COMPLETED:20261204T120000Z[\s\S]*PERCENT-COMPLETE:100/);
    expect(readTask(done, 'UTC').done).toBe(true);
    const open = setTaskDone(done, false, NOW);
    expect(open).toContain('STATUS:NEEDS-ACTION');
    expect(open).not.toMatch(/^COMPLETED:/m);
    expect(readTask(open, 'UTC').done).toBe(false);
  });
});

describe('splitting an .ics file', () => {
  const vtz = (id: string) => ['BEGIN:VTIMEZONE', `TZID:${id}`, 'BEGIN:STANDARD', 'DTSTART:19701025T030000', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE'];
  const file = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Exporter//EN', 'METHOD:PUBLISH',
    ...vtz('Custom/Used'), ...vtz('Custom/Unused'),
    'BEGIN:VEVENT', 'UID:series', 'DTSTAMP:20261201T000000Z', 'DTSTART;TZID=Custom/Used:20270104T090000', 'RRULE:FREQ=DAILY;COUNT=3', 'SUMMARY:Series', 'END:VEVENT',
    'BEGIN:VEVENT', 'UID:series', 'DTSTAMP:20261201T000000Z', 'RECURRENCE-ID;TZID=Custom/Used:20270105T090000', 'DTSTART;TZID=Custom/Used:20270105T100000', 'SUMMARY:Moved', 'END:VEVENT',
    'BEGIN:VTODO', 'UID:task', 'DTSTAMP:20261201T000000Z', 'SUMMARY:Task', 'END:VTODO',
    'BEGIN:VEVENT', 'DTSTAMP:20261201T000000Z', 'DTSTART:20270101T000000Z', 'SUMMARY:No UID', 'END:VEVENT',
    'END:VCALENDAR', '',
  ].join('\r\n');

  it('gives one object per UID with the time zones it uses and no METHOD, and names what it refused', () => {
    const out = splitCalendar(file, 10, '-//Calendula//EN');
    expect(out.objects.map((o) => o.uid)).toEqual(['series', 'task']);
    const series = out.objects[0]!.text;
    expect(series.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    expect(series).toContain('TZID:Custom/Used');
    expect(series).not.toContain('Custom/Unused');
    expect(series).not.toContain('METHOD');
    expect(() => parseCalendarObject(series)).not.toThrow();
    expect(out.refused).toEqual([{ uid: null, reason: 'a VEVENT without a UID' }]);
  });

  it('stops at the object limit and reports the rest', () => {
    const out = splitCalendar(file, 1, '-//Calendula//EN');
    expect(out.objects).toHaveLength(1);
    expect(out.refused).toContainEqual({ uid: 'task', reason: 'more than 1 objects in one import' });
  });
});
