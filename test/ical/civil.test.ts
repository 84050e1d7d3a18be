// Whole days as integers, and instants of the years 1 to 99, which JavaScript's Date.UTC (and so
// ical.js's toUnixTime) reads as 1900 to 1999.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, weekdayOf } from '../../src/ical/civil.ts';
import { TimeResolver } from '../../src/ical/time.ts';

describe('civil days', () => {
  it('round-trips every day from year 1 to 9999 and agrees with Date where Date is right', () => {
    const first = daysFromCivil(1, 1, 1);
    const last = daysFromCivil(9999, 12, 31);
    let prev = civilFromDays(first - 1);
    for (let d = first; d <= last; d++) {
      const c = civilFromDays(d);
      if (daysFromCivil(c.year, c.month, c.day) !== d) throw new Error(`day ${d} does not round-trip: ${JSON.stringify(c)}`);
      // Each day follows the one before.
      const next = c.day === 1 ? c.month === 1 ? prev.month === 12 && prev.day === 31 && c.year === prev.year + 1 : prev.month === c.month - 1 && c.year === prev.year : prev.day === c.day - 1 && prev.month === c.month;
      if (!next) throw new Error(`day ${d}: ${JSON.stringify(prev)} then ${JSON.stringify(c)}`);
      prev = c;
    }
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2026, 12, 7)).toBe(Date.UTC(2026, 11, 7) / 86400000);
    expect(weekdayOf(daysFromCivil(2026, 12, 7))).toBe(0); // a Monday
    expect(daysFromCivil(2000, 2, 29) + 1).toBe(daysFromCivil(2000, 3, 1));
    expect(daysFromCivil(1900, 2, 28) + 1).toBe(daysFromCivil(1900, 3, 1));
  });

  it('gives the instants of times in the years 1 to 99 exactly', () => {
    const r = new TimeResolver();
    const t = ICAL.Time.fromDateTimeString('0050-06-15T12:00:00Z');
    expect(r.epoch(t)).toBe(daysFromCivil(50, 6, 15) * 86400 + 12 * 3600);
    expect(new Date(r.epoch(t) * 1000).getUTCFullYear()).toBe(50);
  });
});
