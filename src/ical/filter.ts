// Evaluating a calendar-query filter (RFC 4791 §9.7) against one calendar object, exactly:
// recurrence-aware time ranges on components, alarms and properties, text matches with
// collations, and is-not-defined.
import ICAL from 'ical.js';
import { textContains, type Collation } from './collation.ts';
import { expandInstances, spanOf, type Instance } from './instances.ts';
import { alarmOverlaps, alarmTriggerSpread, freeBusyOverlaps, instanceOverlaps, instanceTimes, type TimeRange } from './timeRange.ts';
import { TimeResolver, tzidOf, type FloatingZone } from './time.ts';

export interface TextMatch {
  value: string;
  collation: Collation;
  negate: boolean;
}

export interface ParamFilter {
  name: string;
  isNotDefined: boolean;
  textMatch?: TextMatch;
}

export interface PropFilter {
  name: string;
  isNotDefined: boolean;
  timeRange?: TimeRange;
  textMatch?: TextMatch;
  paramFilters: ParamFilter[];
}

export interface CompFilter {
  /** Upper-case component name: VCALENDAR, VEVENT, VTODO, VJOURNAL, VALARM, VFREEBUSY, ... */
  name: string;
  isNotDefined: boolean;
  timeRange?: TimeRange;
  propFilters: PropFilter[];
  compFilters: CompFilter[];
}

export interface FilterOptions {
  floatingZone: FloatingZone;
  maxInstances: number;
  /** Most recurrence steps taken for the object (see ExpandOptions.maxSteps). */
  maxSteps?: number;
}

interface Context {
  r: TimeResolver;
  /** Instances of the object's VEVENT/VTODO/VJOURNAL components, within the widest range asked. */
  instances: Instance[];
  /** True when a limit cut the expansion short (pathological rules): such components count as matching. */
  capped: boolean;
  /**
   * Every time-range counts as met: what fails even so fails whatever the instances (time-ranges
   * only ever add conditions), so the object needs no expansion.
   */
  anyTime?: boolean;
}

/** The outcome of a filter: `undecided` when a limit stopped the expansion and the object was counted in. */
export interface FilterResult {
  match: boolean;
  undecided: boolean;
}

function collectRanges(f: CompFilter, out: TimeRange[]): void {
  if (f.timeRange) out.push(f.timeRange);
  for (const c of f.compFilters) collectRanges(c, out);
}

function mentions(f: CompFilter, name: string): boolean {
  return f.name === name || f.compFilters.some((c) => mentions(c, name));
}

/** The time-ranges of VALARM comp-filters. */
function alarmRanges(f: CompFilter, out: TimeRange[]): void {
  for (const c of f.compFilters) {
    if (c.name === 'VALARM' && c.timeRange) out.push(c.timeRange);
    alarmRanges(c, out);
  }
}

/**
 * How far from an instance's start the triggers of the object's alarms can lie, as [earliest,
 * latest] seconds, counting the instance's length for triggers related to its end and every
 * repetition; null when no alarm has a trigger relative to its instance.
 */
function alarmReach(components: ICAL.Component[], r: TimeResolver): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of components) {
    for (const alarm of c.getAllSubcomponents('valarm')) {
      const trigger = alarm.getFirstProperty('trigger');
      const value = trigger?.getFirstValue();
      if (!trigger || !(value instanceof ICAL.Duration)) continue;
      const offset = value.toSeconds();
      const related = String(trigger.getParameter('related') ?? 'START').toUpperCase();
      const [first, last] = alarmTriggerSpread(alarm);
      lo = Math.min(lo, offset + first);
      hi = Math.max(hi, offset + last + (related === 'END' ? spanOf(c, r) : 0));
    }
  }
  return lo === Infinity ? null : [lo, hi];
}

/**
 * The window of instances a filter's time-ranges need: component ranges as they are, alarm ranges
 * moved back by the alarms' reach (an instance starting in [start - latest, end - earliest) can
 * have a trigger in [start, end)). Null: the filter needs no instances at all.
 */
function expansionWindow(filter: CompFilter, components: ICAL.Component[], r: TimeResolver): { from?: number; until?: number } | null {
  const all: TimeRange[] = [];
  collectRanges(filter, all);
  const alarms: TimeRange[] = [];
  alarmRanges(filter, alarms);
  const needed = all.filter((t) => !alarms.includes(t));
  const reach = alarms.length ? alarmReach(components, r) : null;
  if (reach) {
    const [lo, hi] = reach;
    for (const t of alarms) needed.push({ start: t.start === undefined ? undefined : t.start - hi, end: t.end === undefined ? undefined : t.end - lo });
  }
  if (!needed.length) return null;
  const from = needed.some((t) => t.start === undefined) ? undefined : Math.min(...needed.map((t) => t.start as number));
  const until = needed.some((t) => t.end === undefined) ? undefined : Math.max(...needed.map((t) => t.end as number));
  return { from, until };
}

/** The whole filter against the object, with the instances (and bounds) of `ctx`. */
function filterMatches(root: ICAL.Component, filter: CompFilter, ctx: Context): boolean {
  return filter.propFilters.every((p) => propMatches(root, p, ctx)) && filter.compFilters.every((c) => compFilterMatches(root, c, ctx, null));
}

/**
 * One instance that meets the filter decides the object, so the expansion stops there instead of
 * walking the whole window (a range with only a start, from DAVx5, has no other end). Sound for
 * every filter: it asks only that some instance or trigger meets each range, so what one instance
 * satisfies, more instances satisfy too. One comp-filter whose only time-range is its own is
 * checked on the instance's component alone.
 */
function earlyStop(root: ICAL.Component, filter: CompFilter, ranges: TimeRange[], r: TimeResolver): (inst: Instance) => boolean {
  const [only] = filter.compFilters;
  if (filter.compFilters.length === 1 && only && !filter.propFilters.length && ranges.length === 1 && only.timeRange && !only.isNotDefined && !mentions(only, 'VALARM')) {
    const name = only.name.toLowerCase();
    return (inst) => inst.component.name === name && componentMatches(inst.component, only, { r, instances: [inst], capped: false }, null);
  }
  return (inst) => filterMatches(root, filter, { r, instances: [inst], capped: false });
}

/** Does the object (its root VCALENDAR) match the filter? */
export function matchesFilter(root: ICAL.Component, filter: CompFilter, opts: FilterOptions): boolean {
  return evaluateFilter(root, filter, opts).match;
}

export function evaluateFilter(root: ICAL.Component, filter: CompFilter, opts: FilterOptions): FilterResult {
  if (filter.name !== 'VCALENDAR' || filter.isNotDefined) return { match: false, undecided: false };
  const r = new TimeResolver(opts.floatingZone);
  const components = root.getAllSubcomponents().filter((c) => ['vevent', 'vtodo', 'vjournal'].includes(c.name));
  const ranges: TimeRange[] = [];
  collectRanges(filter, ranges);
  // What no instance can make match (a VALARM comp-filter on an object without alarms, a VTODO
  // one on an event, a text that is not there) is decided before any expansion.
  if (ranges.length && !filterMatches(root, filter, { r, instances: [], capped: false, anyTime: true })) return { match: false, undecided: false };
  const window = ranges.length ? expansionWindow(filter, components, r) : null;
  const expansion = window
    ? expandInstances(components, r, { from: window.from, until: window.until, maxInstances: opts.maxInstances, maxSteps: opts.maxSteps, stopWhen: earlyStop(root, filter, ranges, r) })
    : { instances: [], capped: false };
  const match = filterMatches(root, filter, { r, instances: expansion.instances, capped: expansion.capped });
  return { match, undecided: match && expansion.capped };
}

/** Evaluates a comp-filter against the children of `parent`. `parentInstances` are set for VALARM. */
function compFilterMatches(parent: ICAL.Component, f: CompFilter, ctx: Context, parentInstances: Instance[] | null): boolean {
  const children = parent.getAllSubcomponents(f.name.toLowerCase());
  if (f.isNotDefined) return children.length === 0;
  return children.some((c) => componentMatches(c, f, ctx, parentInstances));
}

function componentMatches(c: ICAL.Component, f: CompFilter, ctx: Context, parentInstances: Instance[] | null): boolean {
  const own = ['vevent', 'vtodo', 'vjournal'].includes(c.name) ? ctx.instances.filter((i) => i.component === c) : null;
  if (f.timeRange && !ctx.anyTime) {
    const range = f.timeRange;
    let ok: boolean;
    if (own) {
      ok = ctx.capped || own.some((i) => instanceOverlaps(i, ctx.r, range));
    } else if (c.name === 'valarm') {
      ok = alarmMatches(c, parentInstances ?? [], ctx, range);
    } else if (c.name === 'vfreebusy') {
      ok = freeBusyOverlaps(c, ctx.r, range);
    } else if (c.name === 'vavailability') {
      ok = freeBusyOverlaps(c, ctx.r, range);
    } else {
      ok = false;
    }
    if (!ok) return false;
  }
  if (!f.propFilters.every((p) => propMatches(c, p, ctx))) return false;
  return f.compFilters.every((sub) => compFilterMatches(c, sub, ctx, own ?? parentInstances));
}

/**
 * RFC 4791 §9.9 for VALARM: a trigger of the alarm falls in the range. A trigger at a date-time
 * fires once whatever the instance; a relative one is checked on every instance listed.
 */
function alarmMatches(alarm: ICAL.Component, parents: Instance[], ctx: Context, range: TimeRange): boolean {
  if (alarm.getFirstPropertyValue('trigger') instanceof ICAL.Time) return alarmOverlaps(alarm, NO_TIMES, ctx.r, range);
  return ctx.capped || parents.some((i) => alarmOverlaps(alarm, instanceTimes(i, ctx.r), ctx.r, range));
}

const NO_TIMES = { dtstart: null, startIsDate: false, dtend: null, duration: null, due: null, completed: null, created: null };

function propertyText(p: ICAL.Property): string {
  return p
    .getValues()
    .map((v: unknown) => {
      if (v instanceof ICAL.Time) return v.toICALString();
      if (v instanceof ICAL.Duration || v instanceof ICAL.Period || v instanceof ICAL.Recur) return v.toString();
      return String(v);
    })
    .join(',');
}

function textMatches(text: string, m: TextMatch): boolean {
  const found = textContains(text, m.value, m.collation);
  return m.negate ? !found : found;
}

function propMatches(c: ICAL.Component, f: PropFilter, ctx: Context): boolean {
  const props = c.getAllProperties(f.name.toLowerCase());
  if (f.isNotDefined) return props.length === 0;
  return props.some((p) => {
    if (f.timeRange && !ctx.anyTime && !propertyInRange(c, p, ctx, f.timeRange)) return false;
    if (f.textMatch && !textMatches(propertyText(p), f.textMatch)) return false;
    return f.paramFilters.every((pf) => paramMatches(p, pf));
  });
}

/** RFC 4791 §9.9 for properties: a DATE-TIME value in [start, end); a DATE covers its whole day. */
function propertyInRange(c: ICAL.Component, p: ICAL.Property, ctx: Context, range: TimeRange): boolean {
  const lo = range.start ?? -Infinity;
  const hi = range.end ?? Infinity;
  return p.getValues().some((v: unknown) => {
    const t = v instanceof ICAL.Period ? v.start : v;
    if (!(t instanceof ICAL.Time)) return false;
    const e = ctx.r.epoch(t, tzidOf(c, p.name));
    return t.isDate ? lo < e + 86400 && hi > e : lo <= e && hi > e;
  });
}

function paramMatches(p: ICAL.Property, f: ParamFilter): boolean {
  const raw = p.getParameter(f.name.toLowerCase());
  const values = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw.map(String) : [String(raw)];
  if (f.isNotDefined) return values.length === 0;
  if (!values.length) return false;
  return f.textMatch ? values.some((v) => textMatches(v, f.textMatch as TextMatch)) : true;
}

/**
 * What a filter narrows to in SQL: the component type and time range (sound, not exact), and
 * `exact` when the filter is nothing but a time range on VEVENTs, which stored instance spans
 * answer without parsing.
 */
export function filterNarrowing(filter: CompFilter): { componentType?: string; range?: TimeRange; exact?: boolean } {
  const [only] = filter.compFilters;
  if (filter.compFilters.length !== 1 || !only || only.isNotDefined) return {};
  const componentType = ['VEVENT', 'VTODO', 'VJOURNAL'].includes(only.name) ? only.name : undefined;
  const range = componentType ? only.timeRange : undefined;
  const exact =
    !filter.isNotDefined &&
    !filter.propFilters.length &&
    componentType === 'VEVENT' &&
    range !== undefined &&
    !only.propFilters.length &&
    !only.compFilters.length &&
    // An empty range matches by rules no span overlap expresses; parse for it.
    (range.start === undefined || range.end === undefined || range.start < range.end);
  return { componentType, range, exact };
}

/** Which components may sit inside which (RFC 5545 §3.6), for checking filters. */
const CHILDREN: Record<string, readonly string[]> = {
  VCALENDAR: ['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VTIMEZONE', 'VAVAILABILITY'],
  VEVENT: ['VALARM'],
  VTODO: ['VALARM'],
  VJOURNAL: [],
  VFREEBUSY: [],
  VTIMEZONE: ['STANDARD', 'DAYLIGHT'],
  VAVAILABILITY: ['AVAILABLE'],
};
/** Components a time-range can test (RFC 4791 §9.9). */
const TIMED = new Set(['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VALARM', 'VAVAILABILITY', 'AVAILABLE']);
/** Properties with date or date-time values, the only ones a prop-filter time-range can test. */
const DATED = new Set(['DTSTART', 'DTEND', 'DUE', 'COMPLETED', 'CREATED', 'DTSTAMP', 'LAST-MODIFIED', 'RECURRENCE-ID', 'EXDATE', 'RDATE', 'TRIGGER', 'ACKNOWLEDGED']);

const extension = (name: string) => name.startsWith('X-');

/**
 * Why a filter is not a valid CalDAV filter (RFC 4791 §9.7, §9.9), or null: components nested
 * where iCalendar never puts them, time-ranges on components or properties that have no time.
 */
export function filterProblem(f: CompFilter, parent: string | null = null): string | null {
  if (parent === null && f.name !== 'VCALENDAR') return 'the filter must start with VCALENDAR';
  if (parent !== null) {
    const allowed = CHILDREN[parent];
    if (!allowed) return `${parent} holds no components to filter`;
    if (!allowed.includes(f.name) && !extension(f.name)) return `${f.name} cannot be inside ${parent}`;
  }
  if (f.timeRange && !TIMED.has(f.name)) return `a time-range cannot test ${f.name}`;
  for (const p of f.propFilters) {
    if (p.timeRange && !DATED.has(p.name) && !extension(p.name)) return `a time-range cannot test ${p.name}, which holds no date`;
  }
  for (const c of f.compFilters) {
    const problem = filterProblem(c, f.name);
    if (problem) return problem;
  }
  return null;
}
