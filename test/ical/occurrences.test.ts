// The occurrences the web UI lists: the expansion keeps to its bounds and says when it was cut;
// a series with a COUNT, walked from its start, still places the instances an override moved
// into the window from before it, and a THISANDFUTURE override's move.
import { describe, expect, it } from 'vitest';
import { occurrencesIn, shifted } from '../../src/ical/occurrences.ts';

const LIMITS = { maxInstances: 1000, maxSteps: 50_000 };
const at = (iso: string) => Date.parse(iso) / 1000;
const calendar = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 15.1//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');
const BERLIN = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'DTSTART:19810329T020000', 'TZNAME:CEST', 'TZOFFSETTO:+0200', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'DTSTART:19961027T030000', 'TZNAME:CET', 'TZOFFSETTO:+0100', 'END:STANDARD',
  'END:VTIMEZONE',
];

describe('occurrences', () => {
  it('keeps an expansion within its bounds, saying it was cut', () => {
    const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VEVENT', 'UID:s', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261201T000000Z', 'RRULE:FREQ=SECONDLY', 'SUMMARY:Every second', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const out = occurrencesIn(text, { start: Date.UTC(2026, 11, 1) / 1000, end: Date.UTC(2027, 0, 1) / 1000 }, 'UTC', { maxInstances: 50, maxSteps: 1000 });
    expect(out.items.length).toBeLessThanOrEqual(50);
    expect(out.capped).toBe(true);
  });

  it('lists an instance an override moved into the window from weeks before it, under its own RECURRENCE-ID', () => {
    // Weekly on Mondays from 5 January, 20 times; the second (12 January) moved to 4 March.
    const text = calendar(
      ...BERLIN,
      'BEGIN:VEVENT', 'UID:weekly-count@example.com', 'DTSTAMP:20260101T000000Z', 'DTSTART;TZID=Europe/Berlin:20260105T090000', 'DTEND;TZID=Europe/Berlin:20260105T100000',
      'RRULE:FREQ=WEEKLY;COUNT=20', 'EXDATE;TZID=Europe/Berlin:20260302T090000', 'SUMMARY:Team meeting', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:weekly-count@example.com', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20260112T090000',
      'DTSTART;TZID=Europe/Berlin:20260304T140000', 'DTEND;TZID=Europe/Berlin:20260304T150000', 'SUMMARY:Team meeting (moved)', 'SEQUENCE:1', 'END:VEVENT',
    );
    const out = occurrencesIn(text, { start: at('2026-03-02T00:00:00Z'), end: at('2026-03-16T00:00:00Z') }, 'UTC', LIMITS);
    expect(out.capped).toBe(false);
    expect(out.items.map((o) => [o.summary, new Date(o.start * 1000).toISOString(), o.recurrenceId])).toEqual([
      ['Team meeting (moved)', '2026-03-04T13:00:00.000Z', '20260112T090000'],
      ['Team meeting', '2026-03-09T08:00:00.000Z', '20260309T090000'],
    ]);
  });

  it('moves the instances in the window as a THISANDFUTURE override from before it says', () => {
    const text = calendar(
      'BEGIN:VEVENT', 'UID:future@example.com', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260105T090000Z', 'DTEND:20260105T093000Z', 'RRULE:FREQ=WEEKLY;COUNT=30', 'SUMMARY:Standup', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:future@example.com', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID;RANGE=THISANDFUTURE:20260119T090000Z',
      'DTSTART:20260119T110000Z', 'DTEND:20260119T113000Z', 'SUMMARY:Standup, later', 'END:VEVENT',
    );
    const out = occurrencesIn(text, { start: at('2026-03-02T00:00:00Z'), end: at('2026-03-09T00:00:00Z') }, 'UTC', LIMITS);
    expect(out.items.map((o) => [o.summary, new Date(o.start * 1000).toISOString(), new Date(o.end * 1000).toISOString(), o.recurrenceId])).toEqual([
      ['Standup, later', '2026-03-02T11:00:00.000Z', '2026-03-02T11:30:00.000Z', '20260302T090000Z'],
    ]);
  });

  it('gives every instance of a series its own times and the master its fields once read', () => {
    const text = calendar(
      'BEGIN:VEVENT', 'UID:daily@example.com', 'DTSTAMP:20260101T000000Z', 'DTSTART;VALUE=DATE:20260301', 'DTEND;VALUE=DATE:20260302', 'RRULE:FREQ=DAILY;COUNT=3',
      'SUMMARY:Holiday', 'LOCATION:Lisbon', 'END:VEVENT',
    );
    const out = occurrencesIn(text, { start: at('2026-02-28T00:00:00Z'), end: at('2026-03-10T00:00:00Z') }, 'Asia/Tokyo', LIMITS);
    expect(out.items.map((o) => [o.start, o.end, o.allDay, o.location, o.recurrenceId])).toEqual([
      [at('2026-02-28T15:00:00Z'), at('2026-03-01T15:00:00Z'), true, 'Lisbon', '20260301'],
      [at('2026-03-01T15:00:00Z'), at('2026-03-02T15:00:00Z'), true, 'Lisbon', '20260302'],
      [at('2026-03-02T15:00:00Z'), at('2026-03-03T15:00:00Z'), true, 'Lisbon', '20260303'],
    ]);
  });

  it('moves an instance\'s start, end and due by its shift, and not COMPLETED or CREATED', () => {
    const times = { dtstart: 100, startIsDate: false, dtend: 160, duration: null, due: null, completed: 50, created: 40 };
    expect(shifted(times, 0)).toBe(times);
    expect(shifted(times, 1000)).toEqual({ dtstart: 1100, startIsDate: false, dtend: 1160, duration: null, due: null, completed: 50, created: 40 });
  });
});
