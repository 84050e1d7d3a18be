// Turning iCalendar times into instants (UTC epoch seconds).
//  - A time with a VTIMEZONE in its object, or in UTC, is converted by ical.js, with the offsets
//    that VTIMEZONE states (ZoneFromObject), even when its TZID is also an IANA name.
//  - A TZID without a VTIMEZONE (RFC 5545 says it must have one; clients omit it anyway) is looked
//    up as an IANA zone in Node's ICU data.
//  - Floating times and all-day dates are read in the calendar's time zone (RFC 4791 §9.9).
import ICAL from 'ical.js';
import { civilFromDays, daysFromCivil } from './civil.ts';
import { ZoneFromObject } from './objectZone.ts';

/** The latest instant we index: open-ended series end here (9999-12-31T23:59:59Z). */
export const MAX_INSTANT = 253402300799;
/** The earliest instant we index (0001-01-01T00:00:00Z). */
export const MIN_INSTANT = -62135596800;
/** The longest duration an object may state, either way: the span of the years 1 to 9999, in whole days (3,652,058). */
export const MAX_DURATION_DAYS = Math.floor((MAX_INSTANT - MIN_INSTANT) / 86400);
export const MAX_DURATION_SECONDS = MAX_DURATION_DAYS * 86400;

/**
 * A duration's length in seconds, held within ±MAX_DURATION_SECONDS. Writes refuse longer ones;
 * an object stored before they did is read with the longest, so that no instant computed from it
 * leaves what a JavaScript date can hold (P999999999999999999W is 6e23 seconds).
 */
export function durationSeconds(d: ICAL.Duration): number {
  const s = d.toSeconds();
  if (Number.isNaN(s)) return 0;
  return Math.max(-MAX_DURATION_SECONDS, Math.min(MAX_DURATION_SECONDS, s));
}

/** A zone's change list as instants and the offset in force from each (rebuilt when ical.js extends the list). */
interface ChangeTable {
  changes: unknown[];
  length: number;
  instants: Float64Array;
  offsets: Int32Array;
}

/** One table per hydrated zone, dropped with it (the zone caches bound how many live). */
const tables = new WeakMap<ICAL.Timezone, ChangeTable>();

/** A change's UTC fields as epoch seconds (ical.js's "before everything" entry of ZoneFromObject as −∞). */
function changeInstant(c: { year: number; month: number; day: number; hour: number; minute: number; second: number }): number {
  if (c.year < -100_000) return -Infinity;
  return daysFromCivil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
}

function tableOf(zone: ZoneFromObject): ChangeTable {
  const changes = zone.changes as { year: number; month: number; day: number; hour: number; minute: number; second: number; utcOffset: number }[];
  let t = tables.get(zone);
  if (!t || t.changes !== changes || t.length !== changes.length) {
    t = { changes, length: changes.length, instants: new Float64Array(changes.map(changeInstant)), offsets: new Int32Array(changes.map((c) => c.utcOffset)) };
    tables.set(zone, t);
  }
  return t;
}

/** The index of the last instant at or before `at`, −1 if none. */
function lastAtOrBefore(instants: Float64Array, at: number): number {
  let lo = 0;
  let hi = instants.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((instants[mid] as number) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Farther than any UTC offset: a wall clock this far from every change reads the offset in force between them. */
const CHANGE_MARGIN = 2 * 86400;

/**
 * The UTC offset of a wall-clock time in a VTIMEZONE, when no change of the zone lies within
 * CHANGE_MARGIN of it: then ical.js (and ZoneFromObject's corrections, which concern the hours
 * around a change) reads it with the offset in force since the last change, and a binary search
 * over the change list finds it without ical.js's clone per step. Null near a change.
 */
export function offsetAwayFromChanges(t: ICAL.Time): number | null {
  const zone = t.zone;
  if (!(zone instanceof ZoneFromObject)) return null;
  return wallOffsetAwayFromChanges(zone, t.year, daysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second);
}

/**
 * offsetAwayFromChanges for a wall clock given as seconds (its fields as if in UTC) in the year
 * `year`: a series' instances are walked as such seconds, and need no ical.js time to be placed.
 */
export function wallOffsetAwayFromChanges(zone: ZoneFromObject, year: number, local: number): number | null {
  zone._ensureCoverage(year);
  const table = tableOf(zone);
  if (table.length === 0) return null;
  const i = lastAtOrBefore(table.instants, local - CHANGE_MARGIN);
  if (i < 0 || lastAtOrBefore(table.instants, local + CHANGE_MARGIN) !== i) return null;
  return table.offsets[i] as number;
}

/** ical.js's toUnixTime, but exact for the years 1 to 99 (it reads them as 1901 to 1999). */
function exactUnixTime(t: ICAL.Time): number {
  if (t.year >= 100) {
    const offset = offsetAwayFromChanges(t);
    if (offset === null) return t.toUnixTime();
    return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second - offset) / 1000;
  }
  const day = daysFromCivil(t.year, t.month, t.day);
  return day * 86400 + (t.isDate ? 0 : t.hour * 3600 + t.minute * 60 + t.second) - t.utcOffset();
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(tzid: string): Intl.DateTimeFormat | null {
  let f = formatters.get(tzid);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tzid,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      f = null;
    }
    formatters.set(tzid, f);
  }
  return f;
}

export function isIanaZone(tzid: string): boolean {
  return formatter(tzid) !== null;
}

/** Offset of the zone from UTC at an instant, in seconds. */
function offsetAt(f: Intl.DateTimeFormat, epochMs: number): number {
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const asUtc = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 1000);
}

/** IANA names of UTC itself (offset 0 at every instant). */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

/** Wall-clock time in an IANA zone → epoch seconds (a time in a DST gap moves forward). */
export function wallClockToEpoch(
  tzid: string,
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
): number | null {
  // UTC has no changes: no Intl call (all-day dates and floating times of a UTC calendar view).
  if (UTC_NAMES.has(tzid)) return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
  const f = formatter(tzid);
  if (!f) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
  // The offsets a day before and after bracket any transition near this time.
  const before = offsetAt(f, (wall - 86400) * 1000);
  const after = offsetAt(f, (wall + 86400) * 1000);
  const fits = (c: number) => offsetAt(f, c * 1000) === wall - c;
  const a = wall - before;
  const b = wall - after;
  if (fits(a) && fits(b)) return Math.min(a, b); // repeated hour: the first occurrence
  if (fits(a)) return a;
  if (fits(b)) return b;
  return a; // skipped hour: read with the offset before the transition (RFC 5545 §3.3.5)
}

/** A date, or a time ical.js holds without a zone (floating, or a TZID it has no VTIMEZONE for). */
export function isFloating(t: ICAL.Time): boolean {
  const z = t.zone;
  return t.isDate || !z || z === ICAL.Timezone.localTimezone || z.tzid === 'floating';
}

/** The wall-clock time in an IANA zone at an instant, as a zone-less ical.js time (null: no such zone). */
export function wallClockAt(tzid: string, epoch: number): ICAL.Time | null {
  const f = formatter(tzid);
  if (!f) return null;
  const wall = new Date((epoch + offsetAt(f, epoch * 1000)) * 1000);
  return ICAL.Time.fromData({
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    isDate: false,
  });
}

/** An instant as an ical.js UTC date-time. */
export function utcTime(epoch: number): ICAL.Time {
  return ICAL.Time.fromJSDate(new Date(epoch * 1000), true);
}

/** How a calendar reads floating times: a VTIMEZONE (calendar-timezone), an IANA name, or UTC. */
export type FloatingZone = ICAL.Timezone | string | undefined;

/** Parses a calendar-timezone property value (a VCALENDAR with one VTIMEZONE) into a zone. */
export function zoneFromCalendarTimezone(text: string | null | undefined): FloatingZone {
  if (!text) return undefined;
  try {
    const root = new ICAL.Component(ICAL.parse(text) as ConstructorParameters<typeof ICAL.Component>[0]);
    const vtz = root.name === 'vtimezone' ? root : root.getFirstSubcomponent('vtimezone');
    if (!vtz) return undefined;
    const tzid = vtz.getFirstPropertyValue('tzid');
    if (typeof tzid === 'string' && isIanaZone(tzid)) return tzid;
    return new ZoneFromObject({ component: vtz, tzid: typeof tzid === 'string' ? tzid : 'calendar' });
  } catch {
    return undefined;
  }
}

/** Converts times of one object to instants; remembers whether any of them was floating. */
export class TimeResolver {
  /** True once a floating time or all-day date was converted (its instant depends on the zone). */
  sawFloating = false;

  constructor(private readonly floatingZone: FloatingZone = undefined) {}

  /** Epoch seconds of a time; `tzid` is the TZID parameter of the property it came from. */
  epoch(t: ICAL.Time, tzid?: string | null): number {
    if (!isFloating(t)) return exactUnixTime(t);
    if (tzid && !t.isDate) {
      const e = wallClockToEpoch(tzid, t.year, t.month, t.day, t.hour, t.minute, t.second);
      if (e !== null) return e;
    }
    this.sawFloating = true;
    return this.inFloatingZone(t);
  }

  /**
   * epoch() of a floating time or date given as wall-clock seconds (its fields as if in UTC),
   * `tzid` its TZID parameter, without an ical.js time; null where only a time will do (a
   * VTIMEZONE as the floating zone, an unknown IANA name).
   */
  floatingWallEpoch(wall: number, isDate: boolean, tzid: string | null): number | null {
    const day = Math.floor(wall / 86400);
    const s = isDate ? 0 : wall - day * 86400;
    const { year, month, day: d } = civilFromDays(day);
    const [h, mi, sec] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
    if (tzid && !isDate) {
      const e = wallClockToEpoch(tzid, year, month, d, h, mi, sec);
      if (e !== null) return e;
    }
    const z = this.floatingZone;
    if (z !== undefined && typeof z !== 'string') return null;
    const e = typeof z === 'string' ? wallClockToEpoch(z, year, month, d, h, mi, sec) : Date.UTC(year, month - 1, d, h, mi, sec) / 1000;
    if (e === null) return null;
    this.sawFloating = true;
    return e;
  }

  private inFloatingZone(t: ICAL.Time): number {
    const z = this.floatingZone;
    const [h, mi, s] = t.isDate ? [0, 0, 0] : [t.hour, t.minute, t.second];
    if (typeof z === 'string') {
      const e = wallClockToEpoch(z, t.year, t.month, t.day, h, mi, s);
      if (e !== null) return e;
    } else if (z) {
      const local = ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, hour: h, minute: mi, second: s, isDate: false }, z);
      return local.toUnixTime();
    }
    return Date.UTC(t.year, t.month - 1, t.day, h, mi, s) / 1000;
  }
}

/** The TZID parameter of a property, if any. */
export function tzidParam(p: ICAL.Property | null | undefined): string | null {
  const v = p?.getParameter('tzid');
  return typeof v === 'string' ? v : null;
}

/** The TZID parameter of a component's property, if any. */
export function tzidOf(comp: ICAL.Component, name: string): string | null {
  return tzidParam(comp.getFirstProperty(name));
}

/** A property's time value as an instant, or null when absent. */
export function propertyEpoch(comp: ICAL.Component, name: string, r: TimeResolver): number | null {
  const v = comp.getFirstPropertyValue(name);
  if (!(v instanceof ICAL.Time)) return null;
  return r.epoch(v, tzidOf(comp, name));
}

export function isDateValue(comp: ICAL.Component, name: string): boolean {
  const v = comp.getFirstPropertyValue(name);
  return v instanceof ICAL.Time && v.isDate;
}

/** Formats an instant as an iCalendar UTC date-time (20260105T090000Z). */
export function formatUtc(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Parses an iCalendar UTC date-time (as CalDAV time-range attributes carry) into epoch seconds. */
export function parseUtc(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}
