// Bounded expansion: a series that began long ago is fast-forwarded to the window asked, with the
// same instances a full walk gives; open windows stop at the first instance that decides a filter;
// nothing is expanded past the horizon.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateFilter, type CompFilter } from '../../src/ical/filter.ts';
import { expandInstances } from '../../src/ical/instances.ts';
import { parseCalendarObject, parseCalendarText } from '../../src/ical/parse.ts';
import { TimeResolver } from '../../src/ical/time.ts';
import { calendar, event, utc, VTIMEZONE_BERLIN, VTIMEZONE_US_EASTERN } from '../fixtures/ical.ts';


const timeRangeOnly = (name: string, start?: number, end?: number): CompFilter => ({
  name: 'VCALENDAR',
  isNotDefined: false,
  propFilters: [],
  compFilters: [{ name, isNotDefined: false, timeRange: { start, end }, propFilters: [], compFilters: [] }],
});

describe('fast-forward', () => {
  // Every FREQ is fast-forwarded (BYSETPOS too): each period's instances depend on the period alone.
  const FREQS = ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
  /** How far before the window a series may start and still be walked in full within the test's budget. */
  const LEAD: Record<(typeof FREQS)[number], number> = {
    SECONDLY: 3 * 3600,
    MINUTELY: 30 * 86400,
    HOURLY: 900 * 86400,
    DAILY: 30 * 365 * 86400,
    WEEKLY: 60 * 365 * 86400,
    MONTHLY: 100 * 365 * 86400,
    YEARLY: 300 * 365 * 86400,
  };
  const BY: Record<(typeof FREQS)[number], string[]> = {
    SECONDLY: ['', ';BYSECOND=0,30', ';BYMINUTE=5,6,7', ';BYSECOND=0,20,40;BYSETPOS=-1'],
    MINUTELY: ['', ';BYMINUTE=0,15', ';BYHOUR=9,10;BYMINUTE=0,30', ';BYSECOND=10,20'],
    HOURLY: ['', ';BYHOUR=9,17', ';BYDAY=MO,FR', ';BYMINUTE=0,30', ';BYMINUTE=0,20,40;BYSETPOS=2'],
    DAILY: ['', ';BYDAY=MO,WE,FR', ';BYMONTH=2,3;BYMONTHDAY=29,30', ';BYHOUR=8,20', ';BYMONTHDAY=1,15', ';BYHOUR=8,12,16;BYSETPOS=-1'],
    WEEKLY: ['', ';BYDAY=MO,WE', ';BYDAY=SU,SA;WKST=SU', ';BYDAY=TU;BYHOUR=7,19', ';BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1'],
    MONTHLY: ['', ';BYDAY=-1FR', ';BYMONTHDAY=31', ';BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', ';BYMONTH=2;BYMONTHDAY=29'],
    YEARLY: ['', ';BYDAY=20MO', ';BYWEEKNO=1,-1;BYDAY=TH', ';BYMONTH=1,2;BYMONTHDAY=30', ';BYYEARDAY=-1', ';BYMONTH=3;BYDAY=SU;BYSETPOS=-1'],
  };
  const ZONES = [
    { prop: (t: string) => `DTSTART:${t}Z`, timezones: [] as string[][] },
    { prop: (t: string) => `DTSTART;TZID=Europe/Berlin:${t}`, timezones: [VTIMEZONE_BERLIN] },
    { prop: (t: string) => `DTSTART;TZID=US/Eastern:${t}`, timezones: [VTIMEZONE_US_EASTERN] },
    { prop: (t: string) => `DTSTART;TZID=Asia/Kolkata:${t}`, timezones: [] as string[][] },
    { prop: (t: string) => `DTSTART:${t}`, timezones: [] as string[][] },
  ];
  const stamp = (epoch: number) => new Date(epoch * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, '');

  it('gives the instances of a full walk inside the window, for any rule it applies to', () => {
    const window0 = utc('2026-03-20T00:00:00Z');
    fc.assert(
      fc.property(
        fc.constantFrom(...FREQS),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 40 * 86400 }),
        fc.integer({ min: 0, max: ZONES.length - 1 }),
        fc.integer({ min: 0, max: 3 * 3600 }),
        (freq, byIndex, interval, lead, windowOffset, zoneIndex, duration) => {
          const by = BY[freq][byIndex % BY[freq].length];
          const zone = ZONES[zoneIndex]!;
          const from = window0 + windowOffset;
          const start = Math.floor(from - LEAD[freq] * lead);
          const text = calendar(event('ff', [zone.prop(stamp(start)), `DURATION:PT${duration}S`, `RRULE:FREQ=${freq};INTERVAL=${interval}${by}`]), {
            timezones: zone.timezones,
          });
          const p = parseCalendarObject(text);
          // Instances that start before `from` may be kept too (slack for daylight saving): compare those that can overlap.
          const until = from + { SECONDLY: 2000 * interval, MINUTELY: 86400, HOURLY: 3 * 86400, DAILY: 3 * 86400, WEEKLY: 3 * 86400, MONTHLY: 400 * 86400, YEARLY: 5 * 366 * 86400 }[freq];
          const fast = expandInstances(p.components, new TimeResolver('Europe/Paris'), { from, until, maxInstances: 1_000_000, maxSteps: 10_000_000 });
          const full = expandInstances(p.components, new TimeResolver('Europe/Paris'), { until, maxInstances: 1_000_000, maxSteps: 10_000_000 });
          const inWindow = (i: { start: number | null }) => (i.start as number) + duration >= from;
          expect(fast.capped).toBe(false);
          expect(fast.instances.filter(inWindow).map((i) => i.start)).toEqual(full.instances.filter(inWindow).map((i) => i.start));
          // The point of it: far fewer steps than the full walk once the series is long.
          expect(fast.steps).toBeLessThanOrEqual(full.steps);
        },
      ),
      { numRuns: Number(process.env.FF_RUNS ?? 60), seed: Number(process.env.FF_SEED ?? 20261204) },
    );
  });

  it('answers a one-month window over a SECONDLY series from 2000 in a few thousand steps', () => {
    const p = parseCalendarObject(calendar(event('s', ['DTSTART:20000101T000000Z', 'RRULE:FREQ=SECONDLY'])));
    const from = utc('2026-11-01T00:00:00Z');
    const res = expandInstances(p.components, new TimeResolver(), { from, until: from + 30 * 86400, maxInstances: 10 });
    expect(res.instances.map((i) => i.start)).toEqual(Array.from({ length: 10 }, (_, i) => from + i));
    expect(res.steps).toBeLessThan(20);
  });

  it('keeps EXDATEs and overrides that fall inside the window', () => {
    const p = parseCalendarObject(
      calendar([
        ...event('d', ['DTSTART:19900101T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY', 'EXDATE:20261102T090000Z']),
        ...event('d', ['RECURRENCE-ID:20261103T090000Z', 'DTSTART:20261103T150000Z', 'DURATION:PT1H', 'SUMMARY:moved']),
        // Moved from 1995 into the window: found although the walk starts in 2026.
        ...event('d', ['RECURRENCE-ID:19950101T090000Z', 'DTSTART:20261104T200000Z', 'DURATION:PT1H', 'SUMMARY:from 1995']),
      ]),
    );
    const from = utc('2026-11-01T00:00:00Z');
    const res = expandInstances(p.components, new TimeResolver(), { from, until: utc('2026-11-05T00:00:00Z'), maxInstances: 100 });
    expect(res.instances.map((i) => new Date((i.start as number) * 1000).toISOString())).toEqual([
      '2026-11-01T09:00:00.000Z',
      '2026-11-03T15:00:00.000Z',
      '2026-11-04T09:00:00.000Z',
      '2026-11-04T20:00:00.000Z',
    ]);
    expect(res.steps).toBeLessThan(20);
  });
});

describe('open windows and the horizon', () => {
  it('decides a start-only query over an open-ended yearly series in a zone with DST rules at its first instance', () => {
    // Apple and Outlook send the VTIMEZONE inline; DAVx5 sends time-ranges with only a start.
    const root = parseCalendarText(
      calendar(event('y', ['DTSTART;TZID=US/Eastern:20340102T100000', 'DURATION:PT1H', 'RRULE:FREQ=YEARLY']), { timezones: [VTIMEZONE_US_EASTERN] }),
    );
    const result = evaluateFilter(root, timeRangeOnly('VEVENT', utc('2026-01-01T00:00:00Z')), { floatingZone: undefined, maxInstances: 5000 });
    expect(result).toEqual({ match: true, undecided: false });
  });

  it('decides a start-only query that no instance meets by reaching the end of the series, not the iteration cap', () => {
    const root = parseCalendarText(calendar(event('u', ['DTSTART:20200102T100000Z', 'RRULE:FREQ=YEARLY;UNTIL=20250102T100000Z'])));
    expect(evaluateFilter(root, timeRangeOnly('VEVENT', utc('2026-01-01T00:00:00Z')), { floatingZone: undefined, maxInstances: 5000 })).toEqual({
      match: false,
      undecided: false,
    });
  });

  it('expands nothing past the horizon (year 9999 by default)', () => {
    const p = parseCalendarObject(calendar(event('h', ['DTSTART:99900101T000000Z', 'RRULE:FREQ=YEARLY'])));
    const res = expandInstances(p.components, new TimeResolver(), { maxInstances: 1000 });
    expect(res.instances).toHaveLength(10);
    expect(res).toMatchObject({ complete: false, capped: false });
    const near = expandInstances(p.components, new TimeResolver(), { maxInstances: 1000, horizon: utc('9993-06-01T00:00:00Z') });
    expect(near.instances).toHaveLength(4);
  });

  it('counts an object whose expansion hit a limit as matching, and says it was undecided', () => {
    // COUNT rules are walked from their start: 12,960 minutes lie between it and the window.
    const root = parseCalendarText(calendar(event('c', ['DTSTART:20260101T000000Z', 'RRULE:FREQ=MINUTELY;COUNT=20000'])));
    const result = evaluateFilter(root, timeRangeOnly('VEVENT', utc('2026-01-10T00:00:00Z'), utc('2026-01-11T00:00:00Z')), {
      floatingZone: undefined,
      maxInstances: 5000,
      maxSteps: 1000,
    });
    expect(result).toEqual({ match: true, undecided: true });
  });
});
