// RFC 4791 §9.9: whether one instance of a component overlaps a time range, for VEVENT, VTODO,
// VJOURNAL, VFREEBUSY and VALARM; and the span an instance occupies (for indexing).
import ICAL from 'ical.js';
import type { Instance } from './instances.ts';
import { durationSeconds as boundedSeconds, isDateValue, MAX_INSTANT, MIN_INSTANT, propertyEpoch, type TimeResolver } from './time.ts';

export interface TimeRange {
  /** Inclusive start, epoch seconds; undefined = open (−∞). */
  start?: number;
  /** Exclusive end, epoch seconds; undefined = open (+∞). */
  end?: number;
}

const DAY = 86400;

function durationSeconds(comp: ICAL.Component): number | null {
  const d = comp.getFirstPropertyValue('duration');
  return d instanceof ICAL.Duration ? boundedSeconds(d) : null;
}

/**
 * COMPLETED or CREATED of a task, which time it only when it has neither DTSTART nor DUE (RFC 4791
 * §9.9); no other component is timed by them. One ical.js cannot read (an object stored before
 * the value checks) counts as absent, which the §9.9 table has a row for.
 */
function taskStamp(c: ICAL.Component, name: 'completed' | 'created', r: TimeResolver): number | null {
  if (c.name !== 'vtodo') return null;
  try {
    const t = propertyEpoch(c, name, r);
    return t !== null && Number.isFinite(t) ? t : null;
  } catch {
    return null;
  }
}

/** The times of one instance, with the instance's shift applied. */
export interface InstanceTimes {
  dtstart: number | null;
  startIsDate: boolean;
  dtend: number | null;
  duration: number | null;
  due: number | null;
  completed: number | null;
  created: number | null;
}

export function instanceTimes(inst: Instance, r: TimeResolver): InstanceTimes {
  const c = inst.component;
  const shifted = (name: string) => {
    const t = propertyEpoch(c, name, r);
    return t === null ? null : t + inst.shift;
  };
  const times: InstanceTimes = {
    dtstart: shifted('dtstart'),
    startIsDate: isDateValue(c, 'dtstart'),
    dtend: shifted('dtend'),
    duration: durationSeconds(c),
    due: shifted('due'),
    completed: taskStamp(c, 'completed', r),
    created: taskStamp(c, 'created', r),
  };
  if (inst.end === undefined || times.dtstart === null) return times;
  // An RDATE period sets this instance's end, in place of the component's DTEND, DURATION or DUE.
  const length = Math.max(0, inst.end - times.dtstart);
  if (c.name === 'vtodo' && times.due !== null) return { ...times, due: times.dtstart + length };
  if (c.name === 'vtodo') return { ...times, dtend: null, duration: length };
  return { ...times, startIsDate: false, dtend: times.dtstart + length, duration: null };
}

const lo = (t: TimeRange) => t.start ?? -Infinity;
const hi = (t: TimeRange) => t.end ?? Infinity;

/** The effective [start, end) of a VEVENT instance (end === start for zero-length events). */
export function eventSpan(t: InstanceTimes): { start: number; end: number } | null {
  if (t.dtstart === null) return null;
  if (t.dtend !== null) return { start: t.dtstart, end: Math.max(t.dtend, t.dtstart) };
  if (t.duration !== null) return { start: t.dtstart, end: t.dtstart + Math.max(0, t.duration) };
  return { start: t.dtstart, end: t.startIsDate ? t.dtstart + DAY : t.dtstart };
}

export function eventOverlaps(t: InstanceTimes, range: TimeRange): boolean {
  const span = eventSpan(t);
  if (!span) return false;
  if (span.end > span.start) return lo(range) < span.end && hi(range) > span.start;
  return lo(range) <= span.start && hi(range) > span.start;
}

/** The VTODO table of RFC 4791 §9.9, row by row. */
export function todoOverlaps(t: InstanceTimes, range: TimeRange): boolean {
  const s = lo(range);
  const e = hi(range);
  if (t.dtstart !== null) {
    if (t.duration !== null) {
      const end = t.dtstart + t.duration;
      return s <= end && (e > t.dtstart || e >= end);
    }
    if (t.due !== null) return (s < t.due || s <= t.dtstart) && (e > t.dtstart || e >= t.due);
    return s <= t.dtstart && e > t.dtstart;
  }
  if (t.due !== null) return s < t.due && e >= t.due;
  if (t.completed !== null && t.created !== null) {
    return (s <= t.created || s <= t.completed) && (e >= t.created || e >= t.completed);
  }
  if (t.completed !== null) return s <= t.completed && e >= t.completed;
  if (t.created !== null) return e > t.created;
  return true;
}

export function journalOverlaps(t: InstanceTimes, range: TimeRange): boolean {
  if (t.dtstart === null) return false;
  if (t.startIsDate) return lo(range) < t.dtstart + DAY && hi(range) > t.dtstart;
  return lo(range) <= t.dtstart && hi(range) > t.dtstart;
}

export function freeBusyOverlaps(comp: ICAL.Component, r: TimeResolver, range: TimeRange): boolean {
  const start = propertyEpoch(comp, 'dtstart', r);
  const end = propertyEpoch(comp, 'dtend', r);
  if (start !== null && end !== null) return lo(range) <= end && hi(range) > start;
  const periods = comp.getAllProperties('freebusy').flatMap((p) => p.getValues());
  if (!periods.length) return false;
  return periods.some((v) => {
    if (!(v instanceof ICAL.Period)) return false;
    const ps = r.epoch(v.start);
    const pe = v.end ? r.epoch(v.end) : ps + (v.duration ? v.duration.toSeconds() : 0);
    return lo(range) < pe && hi(range) > ps;
  });
}

/** Trigger instants of a VALARM (with its repetitions) for one instance of its parent. */
export function alarmTriggers(alarm: ICAL.Component, parent: InstanceTimes, r: TimeResolver): number[] {
  const prop = alarm.getFirstProperty('trigger');
  if (!prop) return [];
  const value = prop.getFirstValue();
  let first: number | null = null;
  if (value instanceof ICAL.Time) {
    first = r.epoch(value);
  } else if (value instanceof ICAL.Duration) {
    const related = String(prop.getParameter('related') ?? 'START').toUpperCase();
    let anchor: number | null;
    if (related === 'END') {
      const span = eventSpan(parent);
      anchor = span ? span.end : parent.due ?? (parent.dtstart !== null && parent.duration !== null ? parent.dtstart + parent.duration : null);
    } else {
      anchor = parent.dtstart ?? parent.due;
    }
    if (anchor !== null) first = anchor + boundedSeconds(value);
  }
  if (first === null) return [];
  const out = [first];
  const { count, every } = repetitions(alarm);
  for (let i = 1; i <= count; i++) out.push(first + i * every);
  return out;
}

/** Most repetitions of an alarm looked at (REPEAT is unbounded in RFC 5545; clients use a few). */
const MAX_REPEAT = 1000;

function repetitions(alarm: ICAL.Component): { count: number; every: number } {
  const repeat = Number(alarm.getFirstPropertyValue('repeat') ?? 0);
  const every = alarm.getFirstPropertyValue('duration');
  if (!Number.isInteger(repeat) || repeat <= 0 || !(every instanceof ICAL.Duration) || every.toSeconds() <= 0) return { count: 0, every: 0 };
  return { count: Math.min(repeat, MAX_REPEAT), every: boundedSeconds(every) };
}

/** Seconds from an alarm's first trigger to its first and last (with its repetitions). */
export function alarmTriggerSpread(alarm: ICAL.Component): [number, number] {
  const { count, every } = repetitions(alarm);
  return [0, count * every];
}

export function alarmOverlaps(alarm: ICAL.Component, parent: InstanceTimes, r: TimeResolver, range: TimeRange): boolean {
  return alarmTriggers(alarm, parent, r).some((t) => lo(range) <= t && hi(range) > t);
}

/** Whether an instance of a VEVENT, VTODO or VJOURNAL overlaps the range. */
export function instanceOverlaps(inst: Instance, r: TimeResolver, range: TimeRange): boolean {
  const t = instanceTimes(inst, r);
  switch (inst.component.name) {
    case 'vevent':
      return eventOverlaps(t, range);
    case 'vtodo':
      return todoOverlaps(t, range);
    case 'vjournal':
      return journalOverlaps(t, range);
    default:
      return false;
  }
}

/**
 * The smallest span that contains every range this instance overlaps, as [first, last] instants
 * (inclusive), or null when no range can match it (a VJOURNAL without DTSTART).
 */
export function instanceBounds(inst: Instance, r: TimeResolver): [number, number] | null {
  const t = instanceTimes(inst, r);
  switch (inst.component.name) {
    case 'vevent': {
      const span = eventSpan(t);
      return span ? [span.start, span.end] : null;
    }
    case 'vjournal':
      if (t.dtstart === null) return null;
      return [t.dtstart, t.startIsDate ? t.dtstart + DAY : t.dtstart];
    case 'vtodo': {
      if (t.dtstart !== null) {
        if (t.duration !== null) return [t.dtstart, t.dtstart + Math.max(0, t.duration)];
        if (t.due !== null) return [Math.min(t.dtstart, t.due), Math.max(t.dtstart, t.due)];
        return [t.dtstart, t.dtstart];
      }
      if (t.due !== null) return [t.due, t.due];
      if (t.completed !== null && t.created !== null) {
        return [Math.min(t.completed, t.created), Math.max(t.completed, t.created)];
      }
      if (t.completed !== null) return [t.completed, t.completed];
      if (t.created !== null) return [t.created, MAX_INSTANT];
      return [MIN_INSTANT, MAX_INSTANT];
    }
    default:
      return null;
  }
}
