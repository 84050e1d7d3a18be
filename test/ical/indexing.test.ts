// The index columns of a write: bounds taken from an event's spans must equal the bounds computed
// by expanding the whole recurrence set, for every kind of object.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { deriveIndex, deriveTimeBounds } from '../../src/ical/indexing.ts';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { generate } from '../bench/generate.ts';
import { calendar, event, todo } from '../fixtures/ical.ts';

const opts = { maxInstances: 5000, maxSpans: 1000, horizon: Date.UTC(2029, 0, 1) / 1000 };

describe('index derivation', () => {
  const samples = [
    ...generate(400, 3).map((o) => o.ics),
    calendar(event('instant', ['DTSTART:20260310T100000Z'])),
    calendar(event('all-excluded', ['DTSTART:20260302T120000Z', 'RRULE:FREQ=DAILY;COUNT=2', 'EXDATE:20260302T120000Z,20260303T120000Z'])),
    calendar(event('forever', ['DTSTART:20251006T070000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY'])),
    calendar(event('hourly', ['DTSTART:20250101T000000Z', 'DURATION:PT5M', 'RRULE:FREQ=HOURLY;COUNT=3000'])),
    calendar(event('floating', ['DTSTART:20260310T100000', 'DTEND:20260310T110000'])),
    calendar(todo('due', ['DUE:20260301T170000Z'])),
  ];

  it('gives the same bounds as a full expansion', () => {
    for (const ics of samples) {
      const parsed = parseCalendarObject(ics);
      expect(deriveIndex(parsed, opts).bounds, ics).toEqual(deriveTimeBounds(parsed, opts.maxInstances));
    }
  });

  it('keeps spans only where they are exact and short enough', () => {
    const spansOf = (fromEnd: number) => deriveIndex(parseCalendarObject(samples[samples.length - fromEnd] as string), opts).spans;
    expect(spansOf(6)).toEqual({ spans: [[1773136800, 1773136800]], window: [null, null] });
    expect(spansOf(5)?.spans).toEqual([]);
    expect(spansOf(4)?.window).toEqual([null, opts.horizon]);
    expect(spansOf(3)).toBeNull(); // 3000 instances: more than are kept
    expect(spansOf(2)).toBeNull(); // floating
    expect(spansOf(1)).toBeNull(); // not an event
  });

  it('refuses an object whose times cannot be read as instants instead of indexing NaN', () => {
    // No text reaches this after parse's checks; a value that slips past them must still be refused.
    const parsed = parseCalendarObject(calendar(event('nan', ['DTSTART:20260310T100000Z', 'DTEND:20260310T110000Z'])));
    parsed.components[0]!.getFirstProperty('dtend')!.setValue(ICAL.Time.fromData({ year: Number.NaN, month: 1, day: 1, hour: 0, minute: 0, second: 0 }, ICAL.Timezone.utcTimezone));
    const index = deriveIndex(parsed, opts);
    expect(index.problem?.kind).toBe('unevaluable');
    expect(index.bounds).toEqual({ first: null, last: null });
    expect(index.spans).toBeNull();
  });
});
