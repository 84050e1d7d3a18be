// Where the calendar views put each occurrence: pure arithmetic on epoch seconds and the days of
// the window, so the page can place blocks with classes (the CSP allows no style attributes).
// Every function here is linear in the number of occurrences (times small bounded factors: the
// days of a week row, the lanes shown), so a busy month never costs more than its size.

/** Quarter-hour rows of a day in the hour grid. */
export const ROWS_PER_DAY = 96;
/** Side-by-side lanes the hour grid draws in one day column of the week; more are counted, not drawn. */
export const WEEK_LANES = 6;
/** Lanes of the day view (one wide column). */
export const DAY_LANES = 12;
/** Rows of bars a month week shows per day before "+N more". */
export const MONTH_LANES = 3;
/** Rows of the all-day band of the week and day views before "+N more". */
export const BAND_LANES = 3;

export interface Span {
  /** Epoch seconds. */
  start: number;
  end: number;
  allDay: boolean;
}

/** One day of the window: its date and where it starts and ends in the viewer's zone. */
export interface DayFrame {
  day: string;
  start: number;
  end: number;
}

/** The first and last index of `days` an occurrence touches, or null when it misses them all. */
export function daysTouched(o: Span, days: readonly DayFrame[]): [number, number] | null {
  if (!days.length) return null;
  // A zero-length event belongs to the day it happens on.
  const end = Math.max(o.end, o.start + 1);
  const first = lowerBound(days, (d) => d.end > o.start);
  let last = lowerBound(days, (d) => d.start >= end) - 1;
  if (first >= days.length || last < first) return null;
  if (last >= days.length) last = days.length - 1;
  return [first, last];
}

/** The first index whose day satisfies `ok` (days are in order, `ok` monotone), or days.length. */
function lowerBound(days: readonly DayFrame[], ok: (d: DayFrame) => boolean): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(days[mid] as DayFrame)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** All-day events and those of a day or longer go in the band over the hour grid; the rest in the grid. */
export function inBand(o: Span): boolean {
  return o.allDay || o.end - o.start >= 86400;
}

/** A bar across the days of one week row (month) or of the band (week, day). */
export interface Bar<T> {
  item: T;
  /** Which row of weeks (month: 0–5; band: 0). */
  week: number;
  /** First column (0-based day in the row) and how many columns. */
  col: number;
  span: number;
  lane: number;
  /** The occurrence starts in this bar / ends in it (else it continues from the row before / after). */
  startsHere: boolean;
  endsHere: boolean;
}

export interface BarLayout<T> {
  bars: Bar<T>[];
  /** Per day of the window: how many of its occurrences have no bar shown (the "+N more"). */
  more: number[];
  /** Lanes used (at most the lanes asked for). */
  lanes: number;
}

/**
 * Bars over rows of `perRow` days: each occurrence gets one bar per row it touches, in the lowest
 * lane free over all its days; bars that find no free lane among the first `lanes` are counted
 * in `more` for each of their days. Longer bars first, then by start, as calendars draw them.
 */
export function barLayout<T extends Span>(items: readonly T[], days: readonly DayFrame[], perRow: number, lanes: number): BarLayout<T> {
  const rows = Math.ceil(days.length / perRow);
  const segments: { item: T; week: number; col: number; span: number; startsHere: boolean; endsHere: boolean }[] = [];
  for (const item of items) {
    const touched = daysTouched(item, days);
    if (!touched) continue;
    const [first, last] = touched;
    for (let w = Math.floor(first / perRow); w <= Math.floor(last / perRow); w++) {
      const from = Math.max(first, w * perRow);
      const to = Math.min(last, w * perRow + perRow - 1);
      segments.push({ item, week: w, col: from - w * perRow, span: to - from + 1, startsHere: from === first && item.start >= (days[first] as DayFrame).start, endsHere: to === last && item.end <= (days[last] as DayFrame).end });
    }
  }
  segments.sort((a, b) => a.week - b.week || b.span - a.span || a.item.start - b.item.start || a.item.end - b.item.end);
  // taken[week][lane * perRow + col]
  const taken = Array.from({ length: rows }, () => new Uint8Array(lanes * perRow));
  const more = new Array<number>(days.length).fill(0);
  const bars: Bar<T>[] = [];
  let used = 0;
  for (const s of segments) {
    const row = taken[s.week] as Uint8Array;
    let lane = -1;
    for (let l = 0; l < lanes && lane < 0; l++) {
      let free = true;
      for (let c = s.col; c < s.col + s.span && free; c++) if (row[l * perRow + c]) free = false;
      if (free) lane = l;
    }
    if (lane < 0) {
      for (let c = s.col; c < s.col + s.span; c++) more[s.week * perRow + c] = (more[s.week * perRow + c] ?? 0) + 1;
      continue;
    }
    for (let c = s.col; c < s.col + s.span; c++) row[lane * perRow + c] = 1;
    used = Math.max(used, lane + 1);
    bars.push({ ...s, lane });
  }
  return { bars, more, lanes: used };
}

/** A block of the hour grid: one occurrence's part within one day. */
export interface Block<T> {
  item: T;
  /** Index of the day column. */
  day: number;
  /** First quarter-hour row (0–95) and how many rows (at least one). */
  row: number;
  span: number;
  lane: number;
  /** Lanes of the group of overlapping blocks this one is part of (its width is 1/lanes). */
  lanes: number;
  /** The occurrence starts in this block / ends in it (else it runs on from the day before / after). */
  startsHere: boolean;
  endsHere: boolean;
}

export interface GridLayout<T> {
  blocks: Block<T>[];
  /** Per day column: occurrences with no lane left (the "+N more"). */
  more: number[];
}

/**
 * The hour grid of timed occurrences shorter than a day: a block per day they touch (22:00–02:00
 * is two blocks), on quarter-hour rows read in the viewer's zone by `minuteOf` (wall-clock minutes
 * after midnight of the instant, which lies in `day`); overlapping blocks side by side in lanes (at most `maxLanes` per group of
 * overlapping blocks; a block that finds none is counted in `more`).
 */
export function gridLayout<T extends Span>(items: readonly T[], days: readonly DayFrame[], minuteOf: (epoch: number, day: DayFrame) => number, maxLanes: number): GridLayout<T> {
  const perDay: Omit<Block<T>, 'lane' | 'lanes'>[][] = days.map(() => []);
  for (const item of items) {
    if (inBand(item)) continue;
    const touched = daysTouched(item, days);
    if (!touched) continue;
    for (let d = touched[0]; d <= touched[1]; d++) {
      const frame = days[d] as DayFrame;
      const startsHere = item.start >= frame.start;
      const endsHere = item.end <= frame.end;
      const row = startsHere ? Math.min(ROWS_PER_DAY - 1, Math.floor(minuteOf(item.start, frame) / 15)) : 0;
      // An end at the next midnight ends with the day; a block is at least one row (a day the
      // clocks go back may put the wall-clock end before the start).
      const endRow = item.end >= frame.end ? ROWS_PER_DAY : Math.min(ROWS_PER_DAY, Math.ceil(minuteOf(item.end, frame) / 15));
      const span = Math.max(1, endRow - row);
      (perDay[d] as Omit<Block<T>, 'lane' | 'lanes'>[]).push({ item, day: d, row, span, startsHere, endsHere });
    }
  }
  const blocks: Block<T>[] = [];
  const more = new Array<number>(days.length).fill(0);
  perDay.forEach((list, d) => {
    list.sort((a, b) => a.row - b.row || b.span - a.span || a.item.start - b.item.start);
    // Groups of blocks that overlap one another (transitively) share one lane count.
    let group: Block<T>[] = [];
    let groupEnd = -1;
    let laneEnds: number[] = [];
    const close = () => {
      for (const b of group) b.lanes = laneEnds.length;
      group = [];
      laneEnds = [];
    };
    for (const s of list) {
      if (s.row >= groupEnd) {
        close();
        groupEnd = -1;
      }
      let lane = laneEnds.findIndex((end) => end <= s.row);
      if (lane < 0) {
        if (laneEnds.length >= maxLanes) {
          more[d] = (more[d] ?? 0) + 1;
          continue;
        }
        lane = laneEnds.length;
        laneEnds.push(0);
      }
      laneEnds[lane] = s.row + s.span;
      groupEnd = Math.max(groupEnd, s.row + s.span);
      const block: Block<T> = { ...s, lane, lanes: 0 };
      group.push(block);
      blocks.push(block);
    }
    close();
  });
  return { blocks, more };
}

/** Where a moment falls in the grid: its quarter-hour row and the minutes into it (the now-line). */
export function rowOf(minute: number): { row: number; minute: number } {
  const m = Math.max(0, Math.min(24 * 60 - 1, Math.floor(minute)));
  return { row: Math.floor(m / 15), minute: m % 15 };
}
