// The views' layout arithmetic: which days an event touches, the lanes of overlapping blocks in
// the hour grid, the bars of the month and "+N more", and that the style sheet has a class for
// every placement the layout can give (the CSP allows no style attributes, so a missing class
// would be a block drawn in the wrong place).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, dayStart } from '../../src/web/dates.ts';
import { BAND_LANES, barLayout, DAY_LANES, daysTouched, gridLayout, inBand, MONTH_LANES, ROWS_PER_DAY, rowOf, WEEK_LANES, type DayFrame } from '../../src/web/views/layout.ts';
import { minuteInDay, minuteOfDay } from '../../src/web/views/wallClock.ts';

const ZONE = 'Europe/Berlin';
function frames(first: string, n: number, zone = ZONE): DayFrame[] {
  return Array.from({ length: n }, (_, i) => {
    const day = addDays(first, i);
    return { day, start: dayStart(zone, day), end: dayStart(zone, addDays(day, 1)) };
  });
}
/** A timed event at a wall-clock time in Berlin. */
function at(day: string, hh: number, mm: number, minutes: number, name = `${day} ${hh}:${mm}`) {
  const start = dayStart(ZONE, day) + (hh * 60 + mm) * 60;
  return { name, start, end: start + minutes * 60, allDay: false };
}
function allDay(day: string, days: number, name = `${day}+${days}`) {
  return { name, start: dayStart(ZONE, day), end: dayStart(ZONE, addDays(day, days)), allDay: true };
}
const minute = minuteInDay(ZONE);

describe('daysTouched', () => {
  const week = frames('2026-12-07', 7);
  it('gives the first and last day an event overlaps, ends exclusive', () => {
    expect(daysTouched(at('2026-12-08', 9, 0, 60), week)).toEqual([1, 1]);
    expect(daysTouched(at('2026-12-09', 22, 0, 240), week)).toEqual([2, 3]);
    // Ending at midnight is not the next day.
    expect(daysTouched(at('2026-12-09', 22, 0, 120), week)).toEqual([2, 2]);
    expect(daysTouched(allDay('2026-12-10', 3), week)).toEqual([3, 5]);
    // A zero-length event belongs to its day; one outside the window to none.
    expect(daysTouched(at('2026-12-13', 0, 0, 0), week)).toEqual([6, 6]);
    expect(daysTouched(at('2026-12-14', 0, 0, 60), week)).toBeNull();
    // Clipped to the window.
    expect(daysTouched(allDay('2026-12-01', 30), week)).toEqual([0, 6]);
  });
  it('puts all-day events and those of a day or more in the band', () => {
    expect(inBand(allDay('2026-12-10', 1))).toBe(true);
    expect(inBand(at('2026-12-10', 9, 0, 24 * 60))).toBe(true);
    expect(inBand(at('2026-12-09', 22, 0, 240))).toBe(false);
  });
});

describe('gridLayout (day and week)', () => {
  const week = frames('2026-12-07', 7);
  it('places blocks on quarter-hour rows, sized by duration, at least one row', () => {
    const { blocks } = gridLayout([at('2026-12-08', 9, 0, 60), at('2026-12-08', 13, 10, 5), at('2026-12-08', 23, 45, 15)], week, minute, WEEK_LANES);
    expect(blocks.map((b) => [b.day, b.row, b.span, b.lane, b.lanes])).toEqual([
      [1, 36, 4, 0, 1],
      [1, 52, 1, 0, 1],
      [1, 95, 1, 0, 1],
    ]);
  });
  it('splits 22:00–02:00 into two blocks, each knowing where the event starts and ends', () => {
    const { blocks } = gridLayout([at('2026-12-09', 22, 0, 240)], week, minute, WEEK_LANES);
    expect(blocks.map((b) => ({ day: b.day, row: b.row, span: b.span, startsHere: b.startsHere, endsHere: b.endsHere }))).toEqual([
      { day: 2, row: 88, span: 8, startsHere: true, endsHere: false },
      { day: 3, row: 0, span: 8, startsHere: false, endsHere: true },
    ]);
  });
  it('sets overlapping blocks side by side; a group of overlaps shares its lane count; others keep the full width', () => {
    const items = [at('2026-12-08', 9, 0, 60, 'call'), at('2026-12-08', 9, 0, 30, 'standup'), at('2026-12-08', 9, 15, 30, 'review'), at('2026-12-08', 9, 30, 30, 'after'), at('2026-12-08', 11, 0, 60, 'alone')];
    const { blocks } = gridLayout(items, week, minute, WEEK_LANES);
    const of = (n: string) => blocks.find((b) => b.item.name === n);
    expect([of('call')?.lane, of('standup')?.lane, of('review')?.lane, of('after')?.lane]).toEqual([0, 1, 2, 1]);
    for (const n of ['call', 'standup', 'review', 'after']) expect(of(n)?.lanes).toBe(3);
    expect(of('alone')).toMatchObject({ lane: 0, lanes: 1 });
  });
  it('counts blocks past the lanes it may draw instead of drawing them', () => {
    const items = Array.from({ length: 10 }, (_, i) => at('2026-12-08', 9, 0, 60, `m${i}`));
    const { blocks, more } = gridLayout(items, week, minute, WEEK_LANES);
    expect(blocks).toHaveLength(WEEK_LANES);
    expect(more).toEqual([0, 4, 0, 0, 0, 0, 0]);
    expect(gridLayout(items, frames('2026-12-08', 1), minute, DAY_LANES).blocks).toHaveLength(10);
  });
  it('leaves band events out of the grid', () => {
    expect(gridLayout([allDay('2026-12-08', 1), at('2026-12-08', 0, 0, 24 * 60)], week, minute, WEEK_LANES).blocks).toEqual([]);
  });
  it('reads rows in the zone’s wall clock on the day the clocks change', () => {
    // 29 March 2026 in Berlin: 02:00 becomes 03:00; 09:00 is still row 36.
    const spring = frames('2026-03-29', 1);
    const { blocks } = gridLayout([{ start: Date.UTC(2026, 2, 29, 7) / 1000, end: Date.UTC(2026, 2, 29, 8) / 1000, allDay: false }], spring, minute, WEEK_LANES);
    expect(blocks.map((b) => [b.row, b.span])).toEqual([[36, 4]]);
  });
});

describe('barLayout (month, band)', () => {
  const month = frames('2026-11-30', 42);
  it('gives a multi-day event one bar per week row it touches, in the lowest free lane', () => {
    const { bars } = barLayout([allDay('2026-12-05', 4, 'across'), allDay('2026-12-01', 1, 'one')], month, 7, MONTH_LANES);
    expect(bars.map((b) => [b.item.name, b.week, b.col, b.span, b.lane, b.startsHere, b.endsHere])).toEqual([
      ['across', 0, 5, 2, 0, true, false],
      ['one', 0, 1, 1, 0, true, true],
      ['across', 1, 0, 2, 0, false, true],
    ]);
  });
  it('puts longer bars first and counts what does not fit as "+N more" on each of its days', () => {
    const items = [allDay('2026-12-15', 3, 'long'), ...Array.from({ length: 4 }, (_, i) => at('2026-12-16', 9 + i, 0, 60, `busy${i}`))];
    const { bars, more, lanes } = barLayout(items, month, 7, MONTH_LANES);
    expect(bars.find((b) => b.item.name === 'long')).toMatchObject({ lane: 0, span: 3 });
    expect(bars.filter((b) => b.item.name.startsWith('busy')).map((b) => b.lane)).toEqual([1, 2]);
    expect(lanes).toBe(3);
    expect(more[16]).toBe(2);
    expect(more.reduce((a, b) => a + b, 0)).toBe(2);
  });
  it('keeps 22:00–02:00 as one bar over both days, starting and ending in it', () => {
    const { bars } = barLayout([at('2026-12-09', 22, 0, 240)], month, 7, MONTH_LANES);
    expect(bars).toMatchObject([{ week: 1, col: 2, span: 2, startsHere: true, endsHere: true }]);
  });
  it('draws the band of a week as one row of seven days', () => {
    const { bars } = barLayout([allDay('2026-12-01', 30)], frames('2026-12-07', 7), 7, BAND_LANES);
    expect(bars).toMatchObject([{ week: 0, col: 0, span: 7, startsHere: false, endsHere: false }]);
  });
});

describe('minuteInDay', () => {
  it('agrees with the zone’s wall clock on ordinary days and on the days the clocks change', () => {
    const slow = minuteOfDay(ZONE);
    for (const first of ['2026-03-28', '2026-10-24', '2026-12-07']) {
      for (const day of frames(first, 3)) {
        for (let t = day.start; t < day.end; t += 7 * 60) expect(minute(t, day)).toBe(slow(t));
      }
    }
  });
});

describe('rowOf and the style sheet', () => {
  it('places the now-line by row and minutes into it', () => {
    expect(rowOf(10 * 60 + 37)).toEqual({ row: 42, minute: 7 });
    expect(rowOf(24 * 60 + 5)).toEqual({ row: 95, minute: 14 });
  });
  it('has a class for every row, span, lane, column and width the layout can give', () => {
    const css = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'web', 'assets', 'css', '10-views.css'), 'utf8');
    const needed = [
      ...Array.from({ length: ROWS_PER_DAY }, (_, i) => `.r${i}{--r:${i}}`),
      ...Array.from({ length: ROWS_PER_DAY }, (_, i) => `.s${i + 1}{--s:${i + 1}}`),
      ...Array.from({ length: Math.max(WEEK_LANES, DAY_LANES) }, (_, i) => `.l${i}{--l:${i}}`),
      ...Array.from({ length: Math.max(WEEK_LANES, DAY_LANES) }, (_, i) => `.n${i + 1}{--n:${i + 1}}`),
      ...Array.from({ length: 15 }, (_, i) => `.m${i}{--m:${i}}`),
      ...Array.from({ length: 7 }, (_, i) => `.c${i}{grid-column-start:${i + 1}}`),
      ...Array.from({ length: 7 }, (_, i) => `.w${i + 1}{grid-column-end:span ${i + 1}}`),
      ...Array.from({ length: MONTH_LANES }, (_, i) => `.mweek .k${i}{grid-row:${i + 2}}`),
      ...Array.from({ length: BAND_LANES }, (_, i) => `.bars .k${i}{grid-row:${i + 1}}`),
      ...Array.from({ length: BAND_LANES }, (_, i) => `.bars.y${i + 1}{`),
      '.d1{--days:1}',
      '.d7{--days:7}',
    ];
    expect(needed.filter((c) => !css.includes(c))).toEqual([]);
  });
});
