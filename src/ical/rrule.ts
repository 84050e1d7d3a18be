// The recurrence rule engine: the wall-clock instances of an RRULE (RFC 5545 §3.3.10), written
// from the RFC alone. ical.js's iterator ignored BYWEEKNO, read YEARLY;BYDAY=20MO as every Monday
// and moved dates that do not exist (29 February, 30 January in a list of months) to the next
// month; here every period of the rule (a year, month, week, day, hour, minute or second) gets
// its candidate dates and times from the BY* parts, as the RFC's table of expansions and limits
// says, then BYSETPOS, DTSTART, UNTIL and COUNT apply.
//
// Everything is integers: a day is its number counted from 1970-01-01 in the proleptic Gregorian
// calendar, a wall-clock time is that day × 86400 plus the second of the day, in no time zone.
// Turning wall-clock times into instants (and the daylight-saving gap and fold) is the caller's.
//
// The walk is bounded: each candidate, and each period that holds none, costs a step from the
// caller's budget, and no period past the year 9999 or past the caller's `stopWall` is generated.

import { civilFromDays, daysFromCivil, weekdayOf } from './civil.ts';

export type Frequency = 'SECONDLY' | 'MINUTELY' | 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

/** BYDAY entry: a weekday (0 Monday … 6 Sunday) and its ordinal within the month or year (0: every). */
export interface WeekdayNum {
  ord: number;
  weekday: number;
}

export interface Rule {
  freq: Frequency;
  interval: number;
  count: number | null;
  bySecond: number[] | null;
  byMinute: number[] | null;
  byHour: number[] | null;
  byDay: WeekdayNum[] | null;
  byMonthDay: number[] | null;
  byYearDay: number[] | null;
  byWeekNo: number[] | null;
  byMonth: number[] | null;
  bySetPos: number[] | null;
  /** The first day of the week, 0 Monday … 6 Sunday (RFC 5545 default: Monday). */
  wkst: number;
}

export interface StepBudget {
  steps: number;
  maxSteps: number;
}

export interface WalkOptions {
  /** Instances before this wall-clock time are not needed; ignored when the rule has a COUNT. */
  fromWall?: number;
  /** No period starting after this wall-clock time is generated (the walk ends 'cut'). */
  stopWall?: number;
  /** True once a wall-clock time is past the rule's UNTIL (the caller knows the zones). */
  pastUntil?: (wall: number) => boolean;
  budget: StepBudget;
}

/** Why a walk ended: the set is exhausted, the budget ran out, or it was cut (stopWall, year 9999). */
export type WalkEnd = 'end' | 'steps' | 'cut';

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const UNIT: Record<Frequency, number> = { SECONDLY: 1, MINUTELY: 60, HOURLY: 3600, DAILY: 86400, WEEKLY: 7 * 86400, MONTHLY: 0, YEARLY: 0 };
const DAY = 86400;
/** 9999-12-31, the last day anything is generated for. */
const LAST_DAY = daysFromCivil(9999, 12, 31);

function monthLength(y: number, m: number): number {
  return m === 12 ? 31 : daysFromCivil(y, m + 1, 1) - daysFromCivil(y, m, 1);
}

/** Reads a rule's parts as ical.js parsed them (it has checked every value's range already). */
export function ruleFromParts(rule: {
  freq: string;
  interval?: number;
  count?: number | null;
  wkst?: number;
  parts: Partial<Record<string, (number | string)[]>>;
}): Rule {
  const nums = (name: string): number[] | null => {
    const v = rule.parts[name];
    // A value given twice is one value (BYMONTH=5,5 names May once).
    return v && v.length ? [...new Set(v.map(Number).filter((n) => Number.isInteger(n)))] : null;
  };
  const days = rule.parts.BYDAY;
  let byDay: WeekdayNum[] | null = null;
  if (days && days.length) {
    byDay = [];
    for (const d of days) {
      const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(String(d).toUpperCase());
      if (m) byDay.push({ ord: m[1] ? Number(m[1]) : 0, weekday: WEEKDAYS.indexOf(m[2] as string) });
    }
  }
  // ical.js numbers weekdays from Sunday = 1.
  const wkst = rule.wkst && rule.wkst >= 1 && rule.wkst <= 7 ? (rule.wkst + 5) % 7 : 0;
  return {
    freq: rule.freq as Frequency,
    interval: rule.interval && rule.interval > 0 ? rule.interval : 1,
    count: rule.count ?? null,
    bySecond: nums('BYSECOND'),
    byMinute: nums('BYMINUTE'),
    byHour: nums('BYHOUR'),
    byDay,
    byMonthDay: nums('BYMONTHDAY'),
    byYearDay: nums('BYYEARDAY'),
    byWeekNo: nums('BYWEEKNO'),
    byMonth: nums('BYMONTH'),
    bySetPos: nums('BYSETPOS'),
    wkst,
  };
}

/** The first day of week 1 of a year: the week (starting on wkst) that holds at least four of its days. */
function weekOneStart(year: number, wkst: number): number {
  const jan1 = daysFromCivil(year, 1, 1);
  const into = (weekdayOf(jan1) - wkst + 7) % 7;
  return into <= 3 ? jan1 - into : jan1 - into + 7;
}

/** What one candidate day is checked against: its year, month and the ranges ordinals count in. */
interface DayContext {
  year: number;
  month: number;
  monthDay: number;
  yearStart: number;
  yearLength: number;
  monthStart: number;
  monthLength: number;
}

/** What dayMatches is given for a rule that reads no part of it (no month, year or ordinal parts). */
const NO_CONTEXT: DayContext = { year: 0, month: 0, monthDay: 0, yearStart: 0, yearLength: 0, monthStart: 0, monthLength: 0 };

function contextOf(day: number): DayContext {
  const { year, month, day: monthDay } = civilFromDays(day);
  const yearStart = daysFromCivil(year, 1, 1);
  const monthStart = day - monthDay + 1;
  return { year, month, monthDay, yearStart, yearLength: daysFromCivil(year + 1, 1, 1) - yearStart, monthStart, monthLength: monthLength(year, month) };
}

/** The rule with the parts RFC 5545 §3.3.10 takes from DTSTART when the rule does not give them. */
function withDefaults(rule: Rule, startDay: number, startSecond: number): Rule {
  const r = { ...rule };
  const { month, day } = civilFromDays(startDay);
  const namesDay = r.byWeekNo || r.byYearDay || r.byMonthDay || r.byDay;
  if (r.freq === 'YEARLY' && !namesDay) {
    r.byMonthDay = [day];
    if (!r.byMonth) r.byMonth = [month];
  } else if (r.freq === 'YEARLY' && r.byMonthDay && !r.byMonth && !r.byWeekNo && !r.byYearDay) {
    // A day of the month with no month names DTSTART's month (libical and ical.js read it so).
    r.byMonth = [month];
  } else if (r.freq === 'YEARLY' && r.byWeekNo && !r.byDay && !r.byMonthDay && !r.byYearDay) {
    // A week with no weekday takes DTSTART's weekday: one instance in the week, as libical reads
    // RFC 5545's "derived from DTSTART".
    r.byDay = [{ ord: 0, weekday: weekdayOf(startDay) }];
  } else if (r.freq === 'MONTHLY' && !namesDay) {
    r.byMonthDay = [day];
  } else if (r.freq === 'WEEKLY' && !namesDay) {
    r.byDay = [{ ord: 0, weekday: weekdayOf(startDay) }];
  }
  const coarser = (unit: number) => UNIT[r.freq] === 0 || UNIT[r.freq] > unit;
  if (coarser(3600) && !r.byHour) r.byHour = [Math.floor(startSecond / 3600)];
  if (coarser(60) && !r.byMinute) r.byMinute = [Math.floor(startSecond / 60) % 60];
  if (coarser(1) && !r.bySecond) r.bySecond = [startSecond % 60];
  return r;
}

/** Does the day satisfy every day part of the rule (ordinals counted in the ranges the frequency gives)? */
function dayMatches(rule: Rule, day: number, c: DayContext, weekStarts: (year: number) => number): boolean {
  if (rule.byMonth && !rule.byMonth.includes(c.month)) return false;
  if (rule.byMonthDay) {
    const d = c.monthDay;
    if (!rule.byMonthDay.some((n) => (n > 0 ? n === d : c.monthLength + 1 + n === d))) return false;
  }
  if (rule.byYearDay) {
    const d = day - c.yearStart + 1;
    if (!rule.byYearDay.some((n) => (n > 0 ? n === d : c.yearLength + 1 + n === d))) return false;
  }
  if (rule.byWeekNo) {
    // The week-numbering year the day belongs to (its first days may be in the previous one).
    let wy = c.year;
    if (day < weekStarts(wy)) wy -= 1;
    else if (day >= weekStarts(wy + 1)) wy += 1;
    const first = weekStarts(wy);
    const weeks = (weekStarts(wy + 1) - first) / 7;
    const week = Math.floor((day - first) / 7) + 1;
    if (!rule.byWeekNo.some((n) => (n > 0 ? n === week : weeks + 1 + n === week))) return false;
  }
  if (rule.byDay) {
    const wd = weekdayOf(day);
    // Ordinals count within the month for MONTHLY (and YEARLY with BYMONTH), within the year for
    // YEARLY; RFC 5545 gives them no meaning for the other frequencies, where the weekday counts.
    let start = 0;
    let length = 0;
    if (rule.freq === 'MONTHLY' || (rule.freq === 'YEARLY' && rule.byMonth)) {
      start = c.monthStart;
      length = c.monthLength;
    } else if (rule.freq === 'YEARLY') {
      start = c.yearStart;
      length = c.yearLength;
    }
    const ok = rule.byDay.some((e) => {
      if (e.weekday !== wd) return false;
      if (e.ord === 0 || length === 0) return true;
      return e.ord > 0 ? Math.floor((day - start) / 7) + 1 === e.ord : Math.floor((start + length - 1 - day) / 7) + 1 === -e.ord;
    });
    if (!ok) return false;
  }
  return true;
}

/** Every combination of the given hours, minutes and seconds, as seconds of the day, in order. */
function timesOfDay(hours: number[], minutes: number[], seconds: number[]): number[] {
  const out: number[] = [];
  for (const h of hours) for (const m of minutes) for (const s of seconds) if (h < 24 && m < 60 && s < 60) out.push(h * 3600 + m * 60 + s);
  return [...new Set(out)].sort((a, b) => a - b);
}

/** BYSETPOS (RFC 5545 §3.3.10): the n-th of the period's candidates, in order, counting from either end. */
function selectPositions(candidates: number[], positions: number[]): number[] {
  const picked = new Set<number>();
  for (const p of positions) {
    const i = p > 0 ? p - 1 : candidates.length + p;
    const v = candidates[i];
    if (v !== undefined && i >= 0) picked.add(v);
  }
  return [...picked].sort((a, b) => a - b);
}

/**
 * The rule's instances as wall-clock times, in order, from DTSTART (given as a wall-clock time;
 * `isDate` for an all-day start). DTSTART itself is an instance only when the rule selects it
 * (RFC 5545 leaves a start the rule does not select undefined; this is what ical.js did).
 */
export function* walkRule(input: Rule, start: number, isDate: boolean, opts: WalkOptions): Generator<number, WalkEnd, undefined> {
  let freq = input.freq;
  let interval = input.interval;
  // A time of day means nothing for dates: a sub-daily rule on a date steps by whole days.
  if (isDate && UNIT[freq] !== 0 && UNIT[freq] < DAY) {
    interval = Math.max(1, Math.floor((interval * UNIT[freq]) / DAY));
    freq = 'DAILY';
  }
  const startDay = Math.floor(start / DAY);
  const startSecond = start - startDay * DAY;
  const rule = withDefaults({ ...input, freq, interval }, startDay, startSecond);
  const budget = opts.budget;
  const weekStartCache = new Map<number, number>();
  const weekStarts = (y: number) => {
    let v = weekStartCache.get(y);
    if (v === undefined) {
      v = weekOneStart(y, rule.wkst);
      weekStartCache.set(y, v);
    }
    return v;
  };
  const times = isDate ? [0] : timesOfDay(rule.byHour ?? [0], rule.byMinute ?? [0], rule.bySecond ?? [0]);
  if (times.length === 0) return 'end';
  const count = input.count;
  const skipAhead = count === null && opts.fromWall !== undefined && opts.fromWall > start;
  let emitted = 0;

  // One period's candidates → instances. Returns false when the walk is over.
  let ended: WalkEnd | null = null;
  const emit = function* (candidates: number[]): Generator<number, void, undefined> {
    const chosen = rule.bySetPos ? selectPositions(candidates, rule.bySetPos) : candidates;
    if (chosen.length === 0 && charge()) return;
    for (const wall of chosen) {
      if (++budget.steps > budget.maxSteps) {
        ended = 'steps';
        return;
      }
      if (wall < start) continue;
      if (opts.pastUntil?.(wall)) {
        ended = 'end';
        return;
      }
      yield wall;
      if (count !== null && ++emitted >= count) {
        ended = 'end';
        return;
      }
    }
  };
  const beyond = (periodStartWall: number, periodStartDay: number): boolean => {
    if (periodStartDay > LAST_DAY || (opts.stopWall !== undefined && periodStartWall > opts.stopWall)) {
      ended = 'cut';
      return true;
    }
    return false;
  };
  // A period that holds no candidate costs a step too (a rule may select nothing for centuries).
  const charge = (): boolean => {
    if (++budget.steps > budget.maxSteps) {
      ended = 'steps';
      return true;
    }
    return false;
  };
  // Most rules (a weekday, or none) never read a day's month and year: their context is not made.
  const needsContext = !!(rule.byMonth || rule.byMonthDay || rule.byYearDay || rule.byWeekNo || rule.byDay?.some((e) => e.ord !== 0));
  const context = (d: number): DayContext => (needsContext ? contextOf(d) : NO_CONTEXT);
  const daysOf = (from: number, to: number): number[] => {
    const out: number[] = [];
    for (let d = from; d < to; d++) if (dayMatches(rule, d, context(d), weekStarts)) out.push(d);
    return out;
  };
  const withTimes = (days: number[]): number[] => {
    const out: number[] = [];
    for (const d of days) for (const t of times) out.push(d * DAY + t);
    return out;
  };

  if (freq === 'YEARLY') {
    const y0 = civilFromDays(startDay).year;
    let k = skipAhead ? Math.max(0, Math.floor((civilFromDays(Math.floor(opts.fromWall! / DAY)).year - y0) / interval) - 1) : 0;
    for (; ; k++) {
      const y = y0 + k * interval;
      const first = daysFromCivil(y, 1, 1);
      if (beyond(first * DAY, first)) return ended!;
      // With BYMONTH only those months can hold an instance.
      const days = rule.byMonth
        ? [...rule.byMonth].sort((a, b) => a - b).flatMap((m) => (m >= 1 && m <= 12 ? daysOf(daysFromCivil(y, m, 1), daysFromCivil(y, m, 1) + monthLength(y, m)) : []))
        : daysOf(first, daysFromCivil(y + 1, 1, 1));
      yield* emit(withTimes(days));
      if (ended) return ended;
    }
  }
  if (freq === 'MONTHLY') {
    const c0 = civilFromDays(startDay);
    const m0 = c0.year * 12 + c0.month - 1;
    let k = 0;
    if (skipAhead) {
      const f = civilFromDays(Math.floor(opts.fromWall! / DAY));
      k = Math.max(0, Math.floor((f.year * 12 + f.month - 1 - m0) / interval) - 1);
    }
    for (; ; k++) {
      const mi = m0 + k * interval;
      const y = Math.floor(mi / 12);
      const m = mi - y * 12 + 1;
      const first = daysFromCivil(y, m, 1);
      if (beyond(first * DAY, first)) return ended!;
      if (rule.byMonth && !rule.byMonth.includes(m)) {
        if (charge()) return ended!;
        continue;
      }
      yield* emit(withTimes(daysOf(first, first + monthLength(y, m))));
      if (ended) return ended;
    }
  }
  if (freq === 'WEEKLY' || freq === 'DAILY') {
    const length = freq === 'WEEKLY' ? 7 : 1;
    // A week starts on WKST (RFC 5545 §3.3.10: WKST matters for WEEKLY with INTERVAL > 1 and BYDAY).
    const p0 = freq === 'WEEKLY' ? startDay - ((weekdayOf(startDay) - rule.wkst + 7) % 7) : startDay;
    const step = length * interval;
    let k = skipAhead ? Math.max(0, Math.floor((Math.floor(opts.fromWall! / DAY) - p0) / step) - 1) : 0;
    for (; ; k++) {
      const first = p0 + k * step;
      if (beyond(first * DAY, first)) return ended!;
      yield* emit(withTimes(daysOf(first, first + length)));
      if (ended) return ended;
    }
  }
  // HOURLY, MINUTELY, SECONDLY: each period is one hour, minute or second of one day; the day
  // parts and the coarser time parts limit it, the finer time parts expand it.
  const unit = UNIT[freq];
  const step = unit * interval;
  const p0 = Math.floor(start / unit) * unit;
  const finer = (values: number[] | null, fallback: number, isFiner: boolean): number[] => (isFiner ? (values ?? [fallback]) : [fallback]);
  let k = skipAhead ? Math.max(0, Math.floor((opts.fromWall! - p0) / step) - 1) : 0;
  let checkedDay = Number.NaN;
  for (;;) {
    const p = p0 + k * step;
    const day = Math.floor(p / DAY);
    if (beyond(p, day)) return ended!;
    if (day !== checkedDay) {
      if (!dayMatches(rule, day, context(day), weekStarts)) {
        // Nothing in this day: go on with the first period of the next one.
        k = Math.ceil(((day + 1) * DAY - p0) / step);
        if (charge()) return ended!;
        continue;
      }
      checkedDay = day;
    }
    const second = p - day * DAY;
    const h = Math.floor(second / 3600);
    const mi = Math.floor(second / 60) % 60;
    const s = second % 60;
    // An hour (or minute) the rule leaves out is skipped whole, as a day is above.
    let next = 0;
    if (rule.byHour && !rule.byHour.includes(h)) next = day * DAY + (h + 1) * 3600;
    else if (unit <= 60 && rule.byMinute && !rule.byMinute.includes(mi)) next = day * DAY + h * 3600 + (mi + 1) * 60;
    else if (unit === 1 && rule.bySecond && !rule.bySecond.includes(s)) next = p + 1;
    if (next) {
      k = Math.max(k + 1, Math.ceil((next - p0) / step));
      if (charge()) return ended!;
      continue;
    }
    k++;
    const inPeriod = timesOfDay([h], finer(rule.byMinute, mi, unit > 60), finer(rule.bySecond, s, unit > 1));
    yield* emit(inPeriod.map((t) => day * DAY + t));
    if (ended) return ended;
  }
}
