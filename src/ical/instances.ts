// The instances of a calendar object: the master's recurrence set (RRULE, RDATE, EXDATE, expanded
// by ical.js) with overridden instances (RECURRENCE-ID components) put in their place.
//
// Every expansion is bounded three ways, whatever the data says: a count of instances, a count of
// rule steps (candidates ical.js produces, kept or not), and a horizon past which nothing is
// expanded. A series that starts long before the window of interest is fast-forwarded to it when
// its rule repeats with a fixed period, so a query over this month costs the same for a series
// that began yesterday and one that began in 1970.
import ICAL from 'ical.js';
import { isFloating, MAX_INSTANT, propertyEpoch, TimeResolver, tzidOf, tzidParam, utcTime, wallClockAt } from './time.ts';

export interface Instance {
  component: ICAL.Component;
  /** Seconds added to the component's DTSTART, DTEND and DUE for this instance. */
  shift: number;
  /** The instance's start, or null when the component has no DTSTART. */
  start: number | null;
  /** The RECURRENCE-ID of the instance (the original start), null for non-recurring objects. */
  recurrenceId: ICAL.Time | null;
  /** True for an instance that comes from a RECURRENCE-ID component. */
  isOverride: boolean;
  /** The end (epoch seconds) of an instance an RDATE period gives (RFC 5545 §3.8.5.2): it replaces DTEND, DURATION or DUE. */
  end?: number;
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

/** The default most rule steps one expansion takes (about a quarter of a second of ical.js). */
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
      if (v instanceof ICAL.Period) span = Math.max(span, r.epoch(v.getEnd(), tzidParam(p)) - r.epoch(v.start, tzidParam(p)));
    }
  }
  return span + (zoned ? 3600 : 0);
}

/** Seconds of wall-clock time in one period of the frequencies whose periods never vary. */
const FIXED_PERIOD: Record<string, number> = { SECONDLY: 1, MINUTELY: 60, HOURLY: 3600, DAILY: 86400, WEEKLY: 7 * 86400 };

/** The period each BY* part selects within, in seconds (for the fast-forward's margin). */
const BY_PART_PERIOD: [keyof ICAL.Recur['parts'], number][] = [
  ['BYSECOND', 60],
  ['BYMINUTE', 3600],
  ['BYHOUR', 86400],
  ['BYDAY', 7 * 86400],
  ['BYWEEKNO', 366 * 86400],
  ['BYMONTHDAY', 31 * 86400],
  ['BYYEARDAY', 366 * 86400],
  ['BYMONTH', 366 * 86400],
];

/** Wall-clock seconds of a time's fields, as if they were UTC (no zone applied). */
function wallSeconds(t: ICAL.Time): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.isDate ? 0 : t.hour, t.isDate ? 0 : t.minute, t.isDate ? 0 : t.second) / 1000;
}

/**
 * A later DTSTART for iterating a series whose instances starting before `before` do not matter,
 * or null when the series cannot be fast-forwarded. The rule's candidates repeat every INTERVAL
 * periods of wall-clock time for SECONDLY to WEEKLY (BY* parts select within or filter each
 * period), so moving DTSTART by whole multiples of that keeps every later instance. COUNT counts
 * from the original start and BYSETPOS selects within a whole period, so those rules are walked in
 * full; so is anything with several distinct RRULEs. The new start lies at least two periods (and, outside
 * UTC, an hour for daylight-saving folds) before `before`, so whatever it adds at its own start
 * (ical.js always yields DTSTART) starts before `before` and is never looked at.
 */
function fastForwardStart(master: ICAL.Component, dtstart: ICAL.Time, before: number, r: TimeResolver, tzid: string | null): ICAL.Time | null {
  // The same rule written twice (Cyrus IMAP) is one rule: its instances are counted once anyway.
  const rules = new Set(master.getAllProperties('rrule').map((p) => String(p.getFirstValue())));
  if (rules.size !== 1) return null;
  const rule = master.getFirstProperty('rrule')!.getFirstValue();
  if (!(rule instanceof ICAL.Recur) || rule.count || rule.parts.BYSETPOS) return null;
  const unit = FIXED_PERIOD[rule.freq];
  // A DATE start moves by whole days only.
  if (!unit || (dtstart.isDate && unit < 86400)) return null;
  const step = unit * (rule.interval || 1);
  // ical.js mishandles the first period its BY* parts select within when DTSTART does not match
  // them (FREQ=HOURLY;BYHOUR=9,17 from 00:00 skips that day's 09:00): start two such periods early.
  let periods = 0;
  for (const [part, seconds] of BY_PART_PERIOD) if (rule.parts[part]) periods = Math.max(periods, seconds);
  const margin = (dtstart.zone === ICAL.Timezone.utcTimezone ? 0 : 3600) + 2 * periods;
  const latest = before - margin - 2 * step;
  const wall0 = wallSeconds(dtstart);
  // Wall-clock seconds to instants with DTSTART's offset, corrected where the offset differs later.
  let offset = r.epoch(dtstart, tzid) - wall0;
  for (let attempt = 0; attempt < 3; attempt++) {
    const k = Math.floor((latest - offset - wall0) / step);
    if (!Number.isFinite(k) || k <= 0) return null;
    const moved = dtstart.clone();
    const seconds = k * step;
    const days = Math.floor(seconds / 86400);
    moved.adjust(days, 0, 0, seconds - days * 86400);
    const at = r.epoch(moved, tzid);
    if (at <= latest) return moved;
    offset += at - latest;
  }
  return null;
}

interface Budget {
  steps: number;
  maxSteps: number;
}

/**
 * What ical.js walks for a master: the master itself, or a copy of it whose RDATE and EXDATE
 * values ical.js can order and compare. ical.js yields an RDATE period as it is (not a time), and
 * holds a time whose TZID has no VTIMEZONE in the object as zone-less, so it would compare such a
 * value in UTC with a DTSTART in another zone. The copy holds each period's start, and each such
 * time converted to DTSTART's frame: DTSTART's own IANA wall clock, or UTC.
 */
interface RecurrenceSource {
  component: ICAL.Component;
  /** The end of each RDATE period (epoch seconds), by its start as ruleInstances reads it. */
  periodEnds: Map<number, number>;
}

function recurrenceSource(master: ICAL.Component, dtstart: ICAL.Time, tzid: string | null, r: TimeResolver): RecurrenceSource {
  const plain = { component: master, periodEnds: new Map<number, number>() };
  // Wall clock of DTSTART's IANA zone, when ical.js holds DTSTART zone-less with a TZID.
  const wallZone = tzid && !dtstart.isDate && isFloating(dtstart) ? tzid : null;
  const misread = (t: ICAL.Time, own: string | null) => !t.isDate && own !== null && isFloating(t) && own !== wallZone;
  const aligned = (t: ICAL.Time, own: string | null): ICAL.Time => {
    if (!misread(t, own)) return t;
    const at = r.epoch(t, own);
    return (wallZone && wallClockAt(wallZone, at)) || utcTime(at);
  };
  const props = { rdate: master.getAllProperties('rdate'), exdate: master.getAllProperties('exdate') };
  const needsCopy = [...props.rdate, ...props.exdate].some((p) =>
    p.getValues().some((v: unknown) => v instanceof ICAL.Period || (v instanceof ICAL.Time && misread(v, tzidParam(p)))),
  );
  const leapRules = leapDayRules(master, dtstart);
  if (!needsCopy && !leapRules) return plain;
  const copy = new ICAL.Component(structuredClone(master.toJSON()), master.parent ?? undefined);
  if (leapRules) {
    copy.removeAllProperties('rrule');
    for (const rule of leapRules) copy.addPropertyWithValue('rrule', rule);
  }
  const periodEnds = new Map<number, number>();
  for (const name of ['rdate', 'exdate'] as const) {
    copy.removeAllProperties(name);
    for (const p of props[name]) {
      const own = tzidParam(p);
      for (const v of p.getValues() as unknown[]) {
        let t: ICAL.Time;
        if (v instanceof ICAL.Period) {
          if (name === 'exdate') continue;
          t = aligned(v.start, own);
          const length = Math.max(0, r.epoch(v.getEnd(), own) - r.epoch(v.start, own));
          const start = r.epoch(t, tzid);
          periodEnds.set(start, start + length);
        } else if (v instanceof ICAL.Time) {
          t = aligned(v, own);
        } else {
          continue;
        }
        // One value per property: a list may mix DATE and DATE-TIME, a property has one type.
        const prop = new ICAL.Property(name, copy);
        if (t === v && own) prop.setParameter('tzid', own);
        prop.setValue(t);
        copy.addProperty(prop);
      }
    }
  }
  return { component: copy, periodEnds };
}

/** BY-parts that name the day of a yearly rule; without them RFC 5545 §3.3.10 takes DTSTART's day. */
const DAY_PARTS = ['BYMONTHDAY', 'BYYEARDAY', 'BYWEEKNO', 'BYDAY'] as const;

/**
 * The rules of a series from 29 February, each yearly one that names no day (and no month but
 * February) spelled out with BYMONTHDAY=29 and BYMONTH=2, or null when none needs it. ical.js moves
 * such a rule's instances of common years to 1 March, where RFC 5545 §3.3.10 skips a date that
 * does not exist (and COUNT counts only the dates that do); the parts the RFC derives from DTSTART
 * anyway make ical.js walk the leap years alone.
 */
function leapDayRules(master: ICAL.Component, dtstart: ICAL.Time): ICAL.Recur[] | null {
  if (dtstart.month !== 2 || dtstart.day !== 29) return null;
  const rules = master.getAllProperties('rrule').map((p) => p.getFirstValue());
  // A list of months (BYMONTH=2,3) is left alone: ical.js then moves 29 February to 1 March even
  // with BYMONTHDAY spelled out, a fault of its engine that issue #23 is about.
  const february = (months: unknown) => months === undefined || (Array.isArray(months) && months.length === 1 && Number(months[0]) === 2);
  const bare = (r: unknown): r is ICAL.Recur =>
    r instanceof ICAL.Recur && r.freq === 'YEARLY' && DAY_PARTS.every((k) => !r.parts[k]?.length) && february(r.parts.BYMONTH?.length ? r.parts.BYMONTH : undefined);
  if (!rules.some(bare)) return null;
  return rules.flatMap((r) => {
    if (!(r instanceof ICAL.Recur)) return [];
    return bare(r) ? [ICAL.Recur.fromString(`${r.toString()};BYMONTHDAY=29${r.parts.BYMONTH?.length ? '' : ';BYMONTH=2'}`)] : [r];
  });
}

/** Whether the set is DTSTART and RDATEs, with no rule. */
function rdatesOnly(component: ICAL.Component): boolean {
  return component.hasProperty('rdate') && !component.hasProperty('rrule');
}

/** The instants the EXDATEs of a component name, each read in its own TZID (DTSTART's when it has none). */
function excludedStarts(component: ICAL.Component, r: TimeResolver, tzid: string | null): Set<number> {
  const out = new Set<number>();
  for (const p of component.getAllProperties('exdate')) {
    for (const v of p.getValues() as unknown[]) if (v instanceof ICAL.Time) out.add(r.epoch(v, tzidParam(p) ?? tzid));
  }
  return out;
}

/** Walks the master's recurrence set, yielding its instances in order, within the bounds. */
function* ruleInstances(
  master: ICAL.Component,
  r: TimeResolver,
  opts: ExpandOptions,
  limit: number,
  budget: Budget,
  state: { complete: boolean; capReason?: CapReason },
): Generator<{ start: number; time: ICAL.Time; end?: number }> {
  const dtstart = master.getFirstPropertyValue('dtstart') as ICAL.Time;
  const tzid = tzidOf(master, 'dtstart');
  const from = opts.from;
  let expansion: ICAL.RecurExpansion;
  let source: RecurrenceSource;
  try {
    source = recurrenceSource(master, dtstart, tzid, r);
    const skipTo = from === undefined ? null : fastForwardStart(master, dtstart, from - spanOf(master, r), r, tzid);
    expansion = new ICAL.RecurExpansion({ component: source.component, dtstart: skipTo ?? dtstart });
  } catch {
    state.capReason = 'unevaluable';
    state.complete = false;
    return;
  }
  const seen = new Set<number>();
  // ical.js leaves DTSTART out of a set made of RDATEs alone; RFC 5545 §3.8.5.2 makes it an
  // instance of every recurrence set (the first, unless an RDATE comes earlier), and §3.8.5.1 lets
  // an EXDATE remove it. It is put in its place in the ordered walk.
  let first: number | null = rdatesOnly(source.component) ? r.epoch(dtstart, tzid) : null;
  if (first !== null && excludedStarts(source.component, r, tzid).has(first)) first = null;
  const firstBefore = (start: number): boolean => first !== null && first < start && first < limit && !seen.has(first);
  for (;;) {
    let t: ICAL.Time | null;
    try {
      t = expansion.next();
    } catch {
      // ical.js gives up on some rules ("max tries have occurred", runs of EXDATEs).
      state.capReason = 'unevaluable';
      state.complete = false;
      return;
    }
    if (!t) {
      if (firstBefore(Infinity)) yield { start: first!, time: dtstart };
      return;
    }
    // Past year 9999 nothing is indexed or asked (and ical.js would grow its zone tables there).
    if (t.year > 9999) {
      state.complete = false;
      return;
    }
    if (++budget.steps > budget.maxSteps) {
      state.capReason = 'steps';
      state.complete = false;
      return;
    }
    const start = r.epoch(t, tzid);
    if (firstBefore(start)) {
      seen.add(first!);
      yield { start: first!, time: dtstart };
    }
    if (start >= limit) {
      state.complete = false;
      return;
    }
    // RFC 5545 §3.8.5.3: an instance given twice (an RRULE repeated, as Cyrus IMAP wrote it, or an
    // RDATE on a rule's instance or on DTSTART) is one instance. ical.js yields both. The set holds
    // at most one entry per step, which the step budget bounds.
    if (seen.has(start)) continue;
    seen.add(start);
    const end = source.periodEnds.get(start);
    yield end === undefined ? { start, time: t } : { start, time: t, end };
  }
}

export function expandInstances(components: ICAL.Component[], r: TimeResolver, opts: ExpandOptions): Expansion {
  const master = masterOf(components);
  const overrides = new Map<number, ICAL.Component>();
  for (const c of components) {
    if (c === master) continue;
    const rid = c.getFirstPropertyValue('recurrence-id');
    if (rid instanceof ICAL.Time) overrides.set(r.epoch(rid, tzidOf(c, 'recurrence-id')), c);
  }
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
      for (const { start, time, end } of ruleInstances(master, r, opts, limit, budget, state)) {
        const override = overrides.get(start);
        let inst: Instance | null = null;
        if (override) {
          used.add(start);
          const oStart = propertyEpoch(override, 'dtstart', r);
          if (wanted(oStart, spanOf(override, r))) inst = { component: override, shift: 0, start: oStart, recurrenceId: time, isOverride: true };
        } else if (end !== undefined) {
          if (wanted(start, Math.max(span, end - start))) inst = { component: master, shift: start - masterStart, start, recurrenceId: time, isOverride: false, end };
        } else if (wanted(start, span)) {
          inst = { component: master, shift: start - masterStart, start, recurrenceId: time, isOverride: false };
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
  instances.sort((a, b) => (a.start ?? -Infinity) - (b.start ?? -Infinity));
  const capped = state.capReason !== undefined;
  return { instances, complete: state.complete && !stopped, capped, capReason: state.capReason, steps: budget.steps };
}
