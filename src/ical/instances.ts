// The instances of a calendar object: the master's recurrence set (RRULE by our engine in
// rrule.ts, RDATE, EXDATE) with overridden instances (RECURRENCE-ID components, RANGE=THISANDFUTURE
// ones for every later instance) put in their place.
//
// Every expansion is bounded three ways, whatever the data says: a count of instances, a count of
// rule steps (candidates the engine produces, kept or not, and periods that hold none), and a
// horizon past which nothing is expanded. A series that starts long before the window of interest
// is fast-forwarded to it unless its rule has a COUNT, so a query over this month costs the same
// for a series that began yesterday and one that began in 1970.
import ICAL from 'ical.js';
import { civilFromDays, daysFromCivil } from './civil.ts';
import { ruleFromParts, walkRule, type WalkEnd } from './rrule.ts';
import { ZoneFromObject } from './objectZone.ts';
import { durationSeconds, isFloating, MAX_DURATION_SECONDS, MAX_INSTANT, propertyEpoch, TimeResolver, tzidOf, tzidParam, utcTime, wallClockAt, wallOffsetAwayFromChanges } from './time.ts';

export interface Instance {
  component: ICAL.Component;
  /** Seconds added to the component's DTSTART, DTEND and DUE for this instance. */
  shift: number;
  /** The instance's start, or null when the component has no DTSTART. */
  start: number | null;
  /** The RECURRENCE-ID of the instance (the original start), null for non-recurring objects. */
  recurrenceId: ICAL.Time | null;
  /**
   * For an instance the rule or an RDATE gives: its RECURRENCE-ID as wall-clock seconds in the
   * frame of the master's DTSTART (`ridFrame`). recurrenceIdText reads it without an ical.js time.
   */
  ridWall?: number;
  ridFrame?: ICAL.Time;
  /** True for an instance that comes from a RECURRENCE-ID component. */
  isOverride: boolean;
  /** The end (epoch seconds) of an instance an RDATE period gives (RFC 5545 §3.8.5.2): it replaces DTEND, DURATION or DUE. */
  end?: number;
  /**
   * The instance's start on its component's wall clock, for an instance of the series that a
   * RANGE=THISANDFUTURE override moved (its component is that override, its recurrenceId its own).
   */
  wallStart?: ICAL.Time;
}

/** Why an expansion stopped before the end of the recurrence set. */
export type CapReason = 'instances' | 'steps' | 'unevaluable';

export interface Expansion {
  instances: Instance[];
  /** False when the recurrence set goes on beyond what was expanded (open-ended, cut or capped). */
  complete: boolean;
  /** True when a limit (not `until`, the horizon or `stopWhen`) stopped the expansion: instances may be missing. */
  capped: boolean;
  /** Which limit, when capped. */
  capReason?: CapReason;
  /** Rule steps taken. */
  steps: number;
}

/** The default most rule steps one expansion takes (MAX_RECURRENCE_STEPS). */
export const DEFAULT_MAX_STEPS = 50_000;

export interface ExpandOptions {
  /** Instances starting at or after this instant are not needed (the series is cut there). */
  until?: number;
  /** Instances that end before this instant are not needed. */
  from?: number;
  /** Most instances returned. */
  maxInstances: number;
  /** Most rule steps taken (guards against rules like FREQ=SECONDLY;BYMONTH=2 since 1970). */
  maxSteps?: number;
  /** Nothing starting after this instant is expanded, whatever `until` says (default: year 9999). */
  horizon?: number;
  /** Stops the expansion after the first instance for which this returns true. */
  stopWhen?: (inst: Instance) => boolean;
}

export function masterOf(components: ICAL.Component[]): ICAL.Component | undefined {
  return components.find((c) => !c.hasProperty('recurrence-id'));
}

export function isRecurring(comp: ICAL.Component): boolean {
  return comp.hasProperty('rrule') || comp.hasProperty('rdate');
}

/**
 * How far after its DTSTART an instance can still matter (end, due), in seconds: the component's
 * own length, a day for dates, and an hour more where a daylight-saving change can lengthen it
 * (times in a zone, nominal durations in days or weeks).
 */
export function spanOf(comp: ICAL.Component, r: TimeResolver): number {
  const start = propertyEpoch(comp, 'dtstart', r);
  if (start === null) return 0;
  const dtstart = comp.getFirstPropertyValue('dtstart') as ICAL.Time;
  let span = dtstart.isDate ? 86400 : 0;
  let zoned = dtstart.zone !== ICAL.Timezone.utcTimezone;
  for (const name of ['dtend', 'due']) {
    const t = propertyEpoch(comp, name, r);
    if (t !== null) span = Math.max(span, t - start);
    const v = comp.getFirstPropertyValue(name);
    if (v instanceof ICAL.Time && v.zone !== ICAL.Timezone.utcTimezone) zoned = true;
  }
  const d = comp.getFirstPropertyValue('duration');
  if (d instanceof ICAL.Duration) {
    span = Math.max(span, d.toSeconds());
    if (d.days || d.weeks) zoned = true;
  }
  // An RDATE period gives its instance its own length.
  for (const p of comp.getAllProperties('rdate')) {
    for (const v of p.getValues() as unknown[]) {
      if (v instanceof ICAL.Period) span = Math.max(span, periodLength(v, tzidParam(p), r));
    }
  }
  return span + (zoned ? 3600 : 0);
}

/**
 * The length of an RDATE period in seconds, never negative. A period given with a duration is not
 * added up by ical.js: on a duration stored before writes bounded them, its date arithmetic runs
 * for seconds.
 */
function periodLength(v: ICAL.Period, tzid: string | null, r: TimeResolver): number {
  // A nominal duration in range ends on the wall clock (P1D across a daylight-saving change).
  if (v.duration && !(Math.abs(v.duration.toSeconds()) < MAX_DURATION_SECONDS)) return Math.max(0, durationSeconds(v.duration));
  return Math.max(0, r.epoch(v.getEnd(), tzid) - r.epoch(v.start, tzid));
}

/** A time's wall-clock fields as seconds (no zone applied), exact for the years 1 to 9999. */
function wallSeconds(t: ICAL.Time): number {
  const day = daysFromCivil(t.year, t.month, t.day);
  return t.isDate ? day * 86400 : day * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

/** The time at a wall clock in the frame (zone, value type) of a series' DTSTART. */
export function timeAt(wall: number, like: ICAL.Time): ICAL.Time {
  const day = Math.floor(wall / 86400);
  const s = wall - day * 86400;
  const { year, month, day: d } = civilFromDays(day);
  return new ICAL.Time({ year, month, day: d, hour: Math.floor(s / 3600), minute: Math.floor(s / 60) % 60, second: s % 60, isDate: like.isDate }, like.zone);
}

/** An instant's possible wall-clock times lie within these seconds of it (UTC offsets span −12 to +14 hours). */
const OFFSET_MARGIN = 15 * 3600;

/**
 * When a wall-clock time of the series is past the rule's UNTIL, bound inclusively (RFC 5545
 * §3.3.10). UNTIL is UTC for a series in a zone and compared as an instant; a floating UNTIL, or
 * any UNTIL of a floating or all-day series, is compared on the wall clock (ical.js's reading);
 * a DATE UNTIL on a series with times, which the RFC does not allow, includes that whole day.
 */
function untilTest(until: ICAL.Time | null | undefined, dtstart: ICAL.Time, tzid: string | null, r: TimeResolver): ((wall: number) => boolean) | undefined {
  if (!until) return undefined;
  if (until.isDate) {
    const last = wallSeconds(until) + (dtstart.isDate ? 0 : 86399);
    return (wall) => wall > last;
  }
  const zonedStart = !dtstart.isDate && (tzid !== null || dtstart.zone === ICAL.Timezone.utcTimezone);
  if (!zonedStart || until.zone !== ICAL.Timezone.utcTimezone) {
    const last = wallSeconds(until);
    return (wall) => wall > last;
  }
  const last = r.epoch(until, null);
  return (wall) => {
    if (wall + OFFSET_MARGIN < last) return false;
    if (wall - OFFSET_MARGIN > last) return true;
    return r.epoch(timeAt(wall, dtstart), tzid) > last;
  };
}

/**
 * A wall-clock time in DTSTART's frame no later than the instant: instances of the series that
 * start on the wall clock before it start before the instant. A series in UTC reads the instant
 * as it is; otherwise the offset there is found by converting back, less an hour for a
 * daylight-saving change near it.
 */
function wallBefore(instant: number, dtstart: ICAL.Time, tzid: string | null, r: TimeResolver): number {
  if (!dtstart.isDate && dtstart.zone === ICAL.Timezone.utcTimezone) return instant;
  const offset = instant - r.epoch(timeAt(instant, dtstart), tzid);
  return instant + offset - 3600 - (dtstart.isDate ? 86400 : 0);
}

interface Budget {
  steps: number;
  maxSteps: number;
}

/** One member of a recurrence set: its instant, its start in DTSTART's frame, and an RDATE period's end. */
interface SetMember {
  start: number;
  /** The start on DTSTART's wall clock, as seconds (wallSeconds). */
  wall: number;
  /** The start as a time in DTSTART's frame, when one was at hand (else made from `wall` when needed). */
  time?: ICAL.Time;
  end?: number;
}

/** A member's start as a time in DTSTART's frame. */
function memberTime(m: SetMember, dtstart: ICAL.Time): ICAL.Time {
  return (m.time ??= timeAt(m.wall, dtstart));
}

/** Wall-clock seconds of year 100: before it ical.js's conversions take another path (exactUnixTime). */
const YEAR_100 = daysFromCivil(100, 1, 1) * 86400;

/**
 * The instant of a wall-clock time of the series (seconds in DTSTART's frame), as
 * r.epoch(timeAt(wall, dtstart), tzid) gives it, without making an ical.js time where the frame
 * allows: UTC is the wall clock itself, a VTIMEZONE away from its changes one offset, a floating
 * time or date read in the resolver's IANA zone from its fields. A view expands thousands of
 * instances; making a time for each was a fifth of the work.
 */
function wallEpochs(dtstart: ICAL.Time, tzid: string | null, r: TimeResolver): (wall: number) => number {
  const slow = (wall: number) => r.epoch(timeAt(wall, dtstart), tzid);
  const zone = dtstart.zone;
  if (!dtstart.isDate && zone === ICAL.Timezone.utcTimezone) return (wall) => wall;
  if (!dtstart.isDate && zone instanceof ZoneFromObject && zone.tzid !== 'floating') {
    return (wall) => {
      if (wall < YEAR_100) return slow(wall);
      const offset = wallOffsetAwayFromChanges(zone, civilFromDays(Math.floor(wall / 86400)).year, wall);
      return offset === null ? slow(wall) : wall - offset;
    };
  }
  if (isFloating(dtstart)) return (wall) => (wall < YEAR_100 ? slow(wall) : (r.floatingWallEpoch(wall, dtstart.isDate, tzid) ?? slow(wall)));
  return slow;
}

/**
 * The RDATEs of a master, in order. Each value is read in its own TZID (DTSTART's when it has
 * none) and given as a time in DTSTART's frame (DTSTART's own IANA wall clock, or UTC), the
 * RECURRENCE-ID its instance would have; a period gives its instance its own end.
 */
function rdateMembers(master: ICAL.Component, dtstart: ICAL.Time, tzid: string | null, r: TimeResolver): SetMember[] {
  const wallZone = tzid && !dtstart.isDate && isFloating(dtstart) ? tzid : null;
  const aligned = (t: ICAL.Time, own: string | null): ICAL.Time => {
    if (t.isDate || own === null || !isFloating(t) || own === wallZone) return t;
    const at = r.epoch(t, own);
    return (wallZone && wallClockAt(wallZone, at)) || utcTime(at);
  };
  const out: SetMember[] = [];
  for (const p of master.getAllProperties('rdate')) {
    const own = tzidParam(p) ?? tzid;
    for (const v of p.getValues() as unknown[]) {
      if (v instanceof ICAL.Period) {
        const start = r.epoch(v.start, own);
        const length = periodLength(v, own, r);
        const time = aligned(v.start, tzidParam(p));
        out.push({ start, wall: wallSeconds(time), time, end: start + length });
      } else if (v instanceof ICAL.Time) {
        const time = aligned(v, tzidParam(p));
        out.push({ start: r.epoch(v, own), wall: wallSeconds(time), time });
      }
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * What the EXDATEs of a master exclude (RFC 5545 §3.8.5.1): instants, each value read in its own
 * TZID (DTSTART's when it has none), and whole days. A DATE excludes the instances of its day on
 * DTSTART's wall clock (as ical.js and Thunderbird read it; the RFC leaves a DATE EXDATE on a
 * series with times undefined); on an all-day series every EXDATE names a day.
 */
function exclusions(master: ICAL.Component, dtstart: ICAL.Time, tzid: string | null, r: TimeResolver): (m: SetMember) => boolean {
  const instants = new Set<number>();
  const days = new Set<number>();
  for (const p of master.getAllProperties('exdate')) {
    for (const v of p.getValues() as unknown[]) {
      if (!(v instanceof ICAL.Time)) continue;
      if (v.isDate || dtstart.isDate) days.add(daysFromCivil(v.year, v.month, v.day));
      else instants.add(r.epoch(v, tzidParam(p) ?? tzid));
    }
  }
  if (instants.size === 0 && days.size === 0) return () => false;
  return (m) => instants.has(m.start) || (days.size > 0 && days.has(Math.floor(m.wall / 86400)));
}

/** A source of set members in order; null when it has no more. */
type MemberStream = () => SetMember | null;

/**
 * The instances of one RRULE, computed by our engine (src/ical/rrule.ts) on DTSTART's wall clock
 * and turned into instants in DTSTART's zone (a time in a daylight-saving gap takes the offset
 * from before it, RFC 5545 §3.3.5).
 */
function ruleStream(
  recur: ICAL.Recur,
  dtstart: ICAL.Time,
  tzid: string | null,
  r: TimeResolver,
  walk: { fromWall?: number; stopWall?: number; budget: Budget },
  onEnd: (end: WalkEnd) => void,
  unneeded?: (wall: number) => boolean,
): MemberStream {
  const it = walkRule(ruleFromParts(recur), wallSeconds(dtstart), dtstart.isDate, { ...walk, pastUntil: untilTest(recur.until, dtstart, tzid, r) });
  const epochOf = wallEpochs(dtstart, tzid, r);
  let done = false;
  return () => {
    if (done) return null;
    let n = it.next();
    // A rule with a COUNT is walked from its start; the instances before the window (see
    // `unneeded`) are stepped over without turning their wall clock into an instant, which costs
    // more than the step.
    while (!n.done && unneeded !== undefined && walk.fromWall !== undefined && n.value < walk.fromWall && unneeded(n.value)) n = it.next();
    if (n.done) {
      done = true;
      onEnd(n.value);
      return null;
    }
    return { start: epochOf(n.value), wall: n.value };
  };
}

/** Walks the master's recurrence set (RRULEs, RDATEs, less EXDATEs), yielding its instances in order, within the bounds. */
function* ruleInstances(
  master: ICAL.Component,
  r: TimeResolver,
  opts: ExpandOptions,
  limit: number,
  budget: Budget,
  state: { complete: boolean; capReason?: CapReason },
  span: number,
  unneeded?: (wall: number) => boolean,
): Generator<SetMember> {
  const dtstart = master.getFirstPropertyValue('dtstart') as ICAL.Time;
  const tzid = tzidOf(master, 'dtstart');
  const onEnd = (end: WalkEnd) => {
    if (end === 'steps') state.capReason = 'steps';
    if (end !== 'end') state.complete = false;
  };
  const walk = {
    fromWall: opts.from === undefined ? undefined : wallBefore(opts.from - span, dtstart, tzid, r),
    stopWall: Number.isFinite(limit) ? limit + 2 * 86400 : undefined,
    budget,
  };
  const streams: MemberStream[] = [];
  const heads: (SetMember | null)[] = [];
  let isExcluded: (m: SetMember) => boolean;
  try {
    // The same rule written twice (Cyrus IMAP) is one rule.
    const rules = new Map<string, ICAL.Recur>();
    const written = master.getAllProperties('rrule');
    for (const p of written) {
      const rule = p.getFirstValue();
      if (rule instanceof ICAL.Recur) rules.set(written.length > 1 ? rule.toString() : '', rule);
    }
    for (const rule of rules.values()) streams.push(ruleStream(rule, dtstart, tzid, r, walk, onEnd, unneeded));
    const rdates = rdateMembers(master, dtstart, tzid, r);
    // DTSTART is an instance of a set made of RDATEs alone (RFC 5545 §3.8.5.2), in its place
    // among them; with a rule it is one when the rule selects it.
    if (rules.size === 0) rdates.push({ start: r.epoch(dtstart, tzid), wall: wallSeconds(dtstart), time: dtstart });
    rdates.sort((a, b) => a.start - b.start);
    let i = 0;
    streams.push(() => rdates[i++] ?? null);
    isExcluded = exclusions(master, dtstart, tzid, r);
    for (const s of streams) heads.push(s());
  } catch {
    state.capReason = 'unevaluable';
    state.complete = false;
    return;
  }
  const seen = new Set<number>();
  // A stream is read again only when the next instance is asked for: the walk to a rule's next
  // instance (years away for a sparse rule) is not taken for an instance nobody wants.
  let taken = -1;
  for (;;) {
    if (taken >= 0) heads[taken] = streams[taken]!();
    let at = -1;
    for (let k = 0; k < heads.length; k++) {
      const h = heads[k];
      const cur = at < 0 ? null : heads[at]!;
      // On a tie an RDATE period wins: its end is the instance's.
      if (h && (!cur || h.start < cur.start || (h.start === cur.start && h.end !== undefined && cur.end === undefined))) at = k;
    }
    if (at < 0) return;
    const m = heads[at]!;
    taken = at;
    if (m.start >= limit) {
      state.complete = false;
      return;
    }
    // RFC 5545 §3.8.5.3: an instance given twice (two rules, an RDATE on a rule's instance or on
    // DTSTART) is one instance. The set holds one entry per step, which the step budget bounds.
    if (seen.has(m.start)) continue;
    seen.add(m.start);
    if (isExcluded(m)) continue;
    yield m;
  }
}

/**
 * An instance of the master's recurrence set: its RECURRENCE-ID becomes an ical.js time only when
 * read (a view reads recurrenceIdText, which needs none).
 */
function seriesInstance(master: ICAL.Component, shift: number, m: SetMember, dtstart: ICAL.Time, end?: number): Instance {
  const inst: Instance = {
    component: master,
    shift,
    start: m.start,
    isOverride: false,
    get recurrenceId(): ICAL.Time {
      return memberTime(m, dtstart);
    },
    set recurrenceId(t: ICAL.Time | null) {
      if (t) m.time = t;
    },
  };
  // A member that came with its time (an RDATE, DTSTART) may be in another frame than DTSTART's.
  if (m.time === undefined) {
    inst.ridWall = m.wall;
    inst.ridFrame = dtstart;
  }
  if (end !== undefined) inst.end = end;
  return inst;
}

const digits = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * An instance's RECURRENCE-ID as iCalendar writes the value (ICAL.Time's toICALString): the date,
 * the time of day unless a date, and Z in UTC; null for an event that does not repeat.
 */
export function recurrenceIdText(inst: Instance): string | null {
  if (inst.ridWall === undefined || inst.ridFrame === undefined) return inst.recurrenceId ? inst.recurrenceId.toICALString() : null;
  const day = Math.floor(inst.ridWall / 86400);
  const { year, month, day: d } = civilFromDays(day);
  const date = `${digits(year, 4)}${digits(month, 2)}${digits(d, 2)}`;
  if (inst.ridFrame.isDate) return date;
  const s = inst.ridWall - day * 86400;
  const time = `T${digits(Math.floor(s / 3600), 2)}${digits(Math.floor(s / 60) % 60, 2)}${digits(s % 60, 2)}`;
  return `${date}${time}${inst.ridFrame.zone === ICAL.Timezone.utcTimezone ? 'Z' : ''}`;
}

/** An override with RANGE=THISANDFUTURE: it stands for its own instance and every later one. */
interface FutureOverride {
  rid: number;
  component: ICAL.Component;
  /** Moves a later instance (its original start, in DTSTART's frame) as the override moved its own. */
  move: (time: ICAL.Time, start: number) => { start: number; wallStart?: ICAL.Time };
}

/**
 * RFC 5545 §3.8.4.4 and §3.2.13: an override whose RECURRENCE-ID has RANGE=THISANDFUTURE gives its
 * properties to this and all later instances, and a changed start moves each of them by the same
 * amount. The move is taken on the wall clock when the override's DTSTART and RECURRENCE-ID are
 * in one frame (10:00 moved to 14:00 stays 14:00 local across a daylight-saving change), else as
 * an exact length.
 */
function futureOverride(c: ICAL.Component, rid: number, master: ICAL.Component | undefined, r: TimeResolver): FutureOverride {
  const ridTime = c.getFirstPropertyValue('recurrence-id') as ICAL.Time;
  const own = c.getFirstPropertyValue('dtstart');
  const oStart = propertyEpoch(c, 'dtstart', r);
  const delta = oStart === null ? 0 : oStart - rid;
  const tzid = master ? tzidOf(master, 'dtstart') : null;
  const sameFrame = own instanceof ICAL.Time && own.isDate === ridTime.isDate && tzidOf(c, 'dtstart') === tzidOf(c, 'recurrence-id');
  const wallDelta = sameFrame ? wallSeconds(own) - wallSeconds(ridTime) : null;
  return {
    rid,
    component: c,
    move: (time, start) => {
      if (wallDelta === null || !(own instanceof ICAL.Time)) return { start: start + delta };
      const wallStart = timeAt(wallSeconds(time) + wallDelta, time);
      return { start: r.epoch(wallStart, tzid), wallStart };
    },
  };
}

/**
 * Which instances of the rule before the window (their wall clock before the walk's `fromWall`,
 * so they end before `from`) need not be produced at all: those no override names. An override
 * (RECURRENCE-ID) lies within OFFSET_MARGIN of its instance's wall clock; a THISANDFUTURE
 * override can move any earlier-named instance into the window, so with one every instance is produced.
 */
function unneededBefore(overrides: Map<number, ICAL.Component>, futures: FutureOverride[]): ((wall: number) => boolean) | undefined {
  if (futures.length) return undefined;
  const rids = [...overrides.keys()].sort((a, b) => a - b);
  return (wall) => {
    // The first RECURRENCE-ID at or after wall − OFFSET_MARGIN, by halves.
    let lo = 0;
    let hi = rids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((rids[mid] as number) < wall - OFFSET_MARGIN) lo = mid + 1;
      else hi = mid;
    }
    return lo === rids.length || (rids[lo] as number) > wall + OFFSET_MARGIN;
  };
}

function isThisAndFuture(c: ICAL.Component): boolean {
  const range = c.getFirstProperty('recurrence-id')?.getParameter('range');
  return typeof range === 'string' && range.toUpperCase() === 'THISANDFUTURE';
}

export function expandInstances(components: ICAL.Component[], r: TimeResolver, opts: ExpandOptions): Expansion {
  const master = masterOf(components);
  const overrides = new Map<number, ICAL.Component>();
  const futures: FutureOverride[] = [];
  for (const c of components) {
    if (c === master) continue;
    const rid = c.getFirstPropertyValue('recurrence-id');
    if (!(rid instanceof ICAL.Time)) continue;
    const at = r.epoch(rid, tzidOf(c, 'recurrence-id'));
    overrides.set(at, c);
    if (isThisAndFuture(c)) futures.push(futureOverride(c, at, master, r));
  }
  futures.sort((a, b) => a.rid - b.rid);
  /** The THISANDFUTURE override that governs an instance of the series, if any: the latest before it. */
  const governing = (start: number): FutureOverride | undefined => {
    let found: FutureOverride | undefined;
    for (const f of futures) {
      if (f.rid > start) break;
      found = f;
    }
    return found;
  };
  const instances: Instance[] = [];
  const used = new Set<number>();
  const state: { complete: boolean; capReason?: CapReason } = { complete: true };
  const budget: Budget = { steps: 0, maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS };
  const horizon = Math.min(opts.horizon ?? MAX_INSTANT, MAX_INSTANT);
  const limit = Math.min(opts.until ?? Infinity, horizon + 1);
  const wanted = (start: number | null, span: number) => start === null || opts.from === undefined || start + span >= opts.from;
  let stopped = false;
  const take = (inst: Instance): boolean => {
    if (instances.length >= opts.maxInstances) {
      state.capReason = 'instances';
      state.complete = false;
      return false;
    }
    instances.push(inst);
    if (opts.stopWhen?.(inst)) {
      stopped = true;
      return false;
    }
    return true;
  };

  if (master) {
    const dtstart = master.getFirstPropertyValue('dtstart');
    const masterStart = propertyEpoch(master, 'dtstart', r);
    if (!isRecurring(master) || !(dtstart instanceof ICAL.Time) || masterStart === null) {
      take({ component: master, shift: 0, start: masterStart, recurrenceId: null, isOverride: false });
    } else {
      const span = spanOf(master, r);
      for (const m of ruleInstances(master, r, opts, limit, budget, state, span, unneededBefore(overrides, futures))) {
        const { start, end } = m;
        const override = overrides.get(start);
        let inst: Instance | null = null;
        let f: FutureOverride | undefined;
        if (override) {
          used.add(start);
          const oStart = propertyEpoch(override, 'dtstart', r);
          if (wanted(oStart, spanOf(override, r))) inst = { component: override, shift: 0, start: oStart, recurrenceId: memberTime(m, dtstart), isOverride: true };
        } else if (futures.length && (f = governing(start))) {
          const oStart = propertyEpoch(f.component, 'dtstart', r);
          const time = memberTime(m, dtstart);
          const moved = f.move(time, start);
          if (oStart !== null && wanted(moved.start, spanOf(f.component, r))) {
            inst = { component: f.component, shift: moved.start - oStart, start: moved.start, recurrenceId: time, isOverride: false };
            if (moved.wallStart) inst.wallStart = moved.wallStart;
          }
        } else if (end !== undefined) {
          if (wanted(start, Math.max(span, end - start))) inst = seriesInstance(master, start - masterStart, m, dtstart, end);
        } else if (wanted(start, span)) {
          inst = seriesInstance(master, start - masterStart, m, dtstart);
        }
        if (inst && !take(inst)) break;
      }
    }
  }
  // Overrides the rule did not produce (moved in from beyond the cut, or orphans) still count.
  if (!stopped) {
    for (const [rid, c] of overrides) {
      if (used.has(rid)) continue;
      const start = propertyEpoch(c, 'dtstart', r);
      if (!wanted(start, spanOf(c, r))) continue;
      if (start !== null && start >= limit) {
        // Past the cut: the set goes on beyond what was expanded (an invitation to one far occurrence).
        state.complete = false;
        continue;
      }
      const ridTime = c.getFirstPropertyValue('recurrence-id');
      if (!take({ component: c, shift: 0, start, recurrenceId: ridTime instanceof ICAL.Time ? ridTime : null, isOverride: true })) break;
    }
  }
  // With as many instances as allowed, a walk that ran out of steps looking for one more found
  // the set too large, which is what the instance limit says.
  if (state.capReason === 'steps' && instances.length >= opts.maxInstances) state.capReason = 'instances';
  instances.sort((a, b) => (a.start ?? -Infinity) - (b.start ?? -Infinity));
  const capped = state.capReason !== undefined;
  return { instances, complete: state.complete && !stopped, capped, capReason: state.capReason, steps: budget.steps };
}
