import { describe, expect, it } from 'vitest';
import { deriveTimeBounds } from '../../src/ical/indexing.ts';
import { expandInstances } from '../../src/ical/instances.ts';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { MAX_INSTANT, TimeResolver, wallClockToEpoch } from '../../src/ical/time.ts';
import { instanceOverlaps, todoOverlaps, type InstanceTimes } from '../../src/ical/timeRange.ts';
import { calendar, event, journal, todo, utc, WEEKLY_BERLIN } from '../fixtures/ical.ts';

const bounds = (text: string) => deriveTimeBounds(parseCalendarObject(text), 5000);

describe('wall-clock times in IANA zones', () => {
  it('converts winter and summer times in Europe/Berlin', () => {
    expect(wallClockToEpoch('Europe/Berlin', 2026, 1, 5, 10, 0, 0)).toBe(utc('2026-01-05T09:00:00Z'));
    expect(wallClockToEpoch('Europe/Berlin', 2026, 7, 1, 10, 0, 0)).toBe(utc('2026-07-01T08:00:00Z'));
  });
  it('moves a time in the spring-forward gap to after it, and takes the first of an autumn repeat', () => {
    // 2026-03-29 02:30 does not exist in Berlin (02:00 → 03:00 CEST): RFC 5545 §3.3.5 reads it as 03:30 CEST.
    expect(wallClockToEpoch('Europe/Berlin', 2026, 3, 29, 2, 30, 0)).toBe(utc('2026-03-29T01:30:00Z'));
    // 2026-10-25 02:30 happens twice; RFC 5545 says the first (CEST, +02:00).
    expect(wallClockToEpoch('Europe/Berlin', 2026, 10, 25, 2, 30, 0)).toBe(utc('2026-10-25T00:30:00Z'));
  });
  it('returns null for an unknown zone', () => {
    expect(wallClockToEpoch('Mars/Olympus_Mons', 2026, 1, 1, 0, 0, 0)).toBeNull();
  });
});

describe('recurrence expansion', () => {
  it('expands a weekly series in its zone with EXDATE and a moved override', () => {
    const p = parseCalendarObject(WEEKLY_BERLIN);
    const { instances, complete } = expandInstances(p.components, new TimeResolver(), { maxInstances: 100 });
    expect(complete).toBe(true);
    const starts = instances.map((i) => new Date(i.start! * 1000).toISOString());
    expect(starts).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-01-12T09:00:00.000Z',
      // 01-19 is an EXDATE
      '2026-01-26T14:00:00.000Z', // moved to 15:00 Berlin
      '2026-02-02T09:00:00.000Z',
      '2026-02-09T09:00:00.000Z',
      '2026-02-16T09:00:00.000Z',
      '2026-02-23T09:00:00.000Z',
      '2026-03-02T09:00:00.000Z',
      '2026-03-09T09:00:00.000Z',
    ]);
  });

  it('keeps wall-clock time across a DST change when the TZID has no VTIMEZONE (IANA fallback)', () => {
    const text = calendar(event('d', ['DTSTART;TZID=Europe/Berlin:20260326T100000', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=4']));
    const p = parseCalendarObject(text);
    const { instances } = expandInstances(p.components, new TimeResolver(), { maxInstances: 10 });
    expect(instances.map((i) => i.start)).toEqual([
      utc('2026-03-26T09:00:00Z'),
      utc('2026-03-27T09:00:00Z'),
      utc('2026-03-28T09:00:00Z'),
      utc('2026-03-29T08:00:00Z'), // CEST from 03-29
    ]);
  });

  it('stops an open-ended rule at `until` and reports it as not complete', () => {
    const p = parseCalendarObject(calendar(event('o', ['DTSTART:20260101T080000Z', 'RRULE:FREQ=DAILY'])));
    const res = expandInstances(p.components, new TimeResolver(), { maxInstances: 1000, until: utc('2026-01-04T00:00:00Z') });
    expect(res.instances).toHaveLength(3);
    expect(res.complete).toBe(false);
    expect(res.capped).toBe(false);
  });

  it('caps pathological rules by steps instead of spinning', () => {
    // COUNT rules are walked from their start (fast-forward would lose count).
    const p = parseCalendarObject(calendar(event('s', ['DTSTART:19700101T000000Z', 'RRULE:FREQ=SECONDLY;COUNT=1000000000'])));
    const res = expandInstances(p.components, new TimeResolver(), { maxInstances: 50, from: utc('2026-01-01T00:00:00Z'), maxSteps: 10_000 });
    expect(res).toMatchObject({ capped: true, capReason: 'steps', complete: false });
    expect(res.steps).toBe(10_001);
  });
});

describe('index bounds (first and last instant of the whole recurrence set)', () => {
  it('is the start and end of a single event', () => {
    expect(bounds(calendar(event('a', ['DTSTART:20260105T090000Z', 'DTEND:20260105T100000Z'])))).toEqual({
      first: utc('2026-01-05T09:00:00Z'),
      last: utc('2026-01-05T10:00:00Z'),
    });
  });
  it('spans the whole series, overrides included', () => {
    expect(bounds(WEEKLY_BERLIN)).toEqual({ first: utc('2026-01-05T09:00:00Z'), last: utc('2026-03-09T10:00:00Z') });
  });
  it('runs to the far future for an open-ended series', () => {
    const b = bounds(calendar(event('o', ['DTSTART:20260101T080000Z', 'DURATION:PT30M', 'RRULE:FREQ=WEEKLY'])));
    expect(b).toEqual({ first: utc('2026-01-01T08:00:00Z'), last: MAX_INSTANT });
  });
  it('widens floating and all-day times by 14 hours either way (the calendar zone decides later)', () => {
    const b = bounds(calendar(event('f', ['DTSTART;VALUE=DATE:20260105', 'DTEND;VALUE=DATE:20260106'])));
    expect(b).toEqual({ first: utc('2026-01-05T00:00:00Z') - 14 * 3600, last: utc('2026-01-06T00:00:00Z') + 14 * 3600 });
  });
  it('covers every time a task row of RFC 4791 §9.9 can match', () => {
    expect(bounds(calendar(todo('t', ['DUE:20260110T120000Z'])))).toEqual({ first: utc('2026-01-10T12:00:00Z'), last: utc('2026-01-10T12:00:00Z') });
    expect(bounds(calendar(todo('t', [])))).toMatchObject({ last: MAX_INSTANT });
    expect(bounds(calendar(todo('t', ['CREATED:20260101T000000Z'])))).toEqual({ first: utc('2026-01-01T00:00:00Z'), last: MAX_INSTANT });
  });
  it('is null for a note without DTSTART (no time range can match it)', () => {
    expect(bounds(calendar(journal('j', ['SUMMARY:x'])))).toEqual({ first: null, last: null });
  });
});

describe('time-range rules of RFC 4791 §9.9', () => {
  const range = { start: utc('2026-01-10T00:00:00Z'), end: utc('2026-01-11T00:00:00Z') };
  const overlaps = (props: string[], make = event) => {
    const p = parseCalendarObject(calendar(make('x', props)));
    const r = new TimeResolver();
    return expandInstances(p.components, r, { maxInstances: 10 }).instances.some((i) => instanceOverlaps(i, r, range));
  };

  it('VEVENT with DTEND: overlap when start < DTEND and end > DTSTART', () => {
    expect(overlaps(['DTSTART:20260109T230000Z', 'DTEND:20260110T010000Z'])).toBe(true);
    expect(overlaps(['DTSTART:20260109T230000Z', 'DTEND:20260110T000000Z'])).toBe(false);
    expect(overlaps(['DTSTART:20260111T000000Z', 'DTEND:20260111T010000Z'])).toBe(false);
  });
  it('VEVENT without DTEND: an instant that must fall in [start, end)', () => {
    expect(overlaps(['DTSTART:20260110T000000Z'])).toBe(true);
    expect(overlaps(['DTSTART:20260111T000000Z'])).toBe(false);
    expect(overlaps(['DTSTART:20260110T000000Z', 'DURATION:PT0S'])).toBe(true);
  });
  it('an all-day VEVENT covers its day (in UTC when the calendar has no zone)', () => {
    expect(overlaps(['DTSTART;VALUE=DATE:20260110'])).toBe(true);
    expect(overlaps(['DTSTART;VALUE=DATE:20260109'])).toBe(false);
    expect(overlaps(['DTSTART;VALUE=DATE:20260111'])).toBe(false);
  });
  it('VJOURNAL needs DTSTART', () => {
    expect(overlaps(['DTSTART:20260110T120000Z'], journal)).toBe(true);
    expect(overlaps(['SUMMARY:x'], journal)).toBe(false);
  });

  const t = (o: Partial<InstanceTimes>): InstanceTimes => ({
    dtstart: null,
    startIsDate: false,
    dtend: null,
    duration: null,
    due: null,
    completed: null,
    created: null,
    ...o,
  });
  const S = range.start;
  const E = range.end;
  it('VTODO rows: DTSTART+DURATION, DTSTART+DUE, DTSTART, DUE, COMPLETED/CREATED, none', () => {
    expect(todoOverlaps(t({ dtstart: S - 7200, duration: 7200 }), range)).toBe(true); // ends exactly at start: start <= end
    expect(todoOverlaps(t({ dtstart: S - 7200, duration: 3600 }), range)).toBe(false);
    expect(todoOverlaps(t({ dtstart: S - 100, due: S }), range)).toBe(false); // neither start < DUE nor start <= DTSTART
    expect(todoOverlaps(t({ dtstart: S - 100, due: S + 1 }), range)).toBe(true);
    expect(todoOverlaps(t({ dtstart: E, due: E + 10 }), range)).toBe(false);
    expect(todoOverlaps(t({ dtstart: S }), range)).toBe(true);
    expect(todoOverlaps(t({ dtstart: E }), range)).toBe(false);
    expect(todoOverlaps(t({ due: E }), range)).toBe(true); // start < DUE and end >= DUE
    expect(todoOverlaps(t({ due: S }), range)).toBe(false);
    expect(todoOverlaps(t({ completed: S - 10, created: S - 20 }), range)).toBe(false);
    expect(todoOverlaps(t({ completed: E, created: S - 20 }), range)).toBe(true);
    expect(todoOverlaps(t({ completed: S }), range)).toBe(true);
    expect(todoOverlaps(t({ created: E - 1 }), range)).toBe(true);
    expect(todoOverlaps(t({ created: E }), range)).toBe(false);
    expect(todoOverlaps(t({}), range)).toBe(true);
  });
});
