// Evaluating a calendar-query filter (RFC 4791 §9.7) against one calendar object, exactly:
// recurrence-aware time ranges on components, alarms and properties, text matches with
// collations, and is-not-defined.
import ICAL from 'ical.js';
import { textContains, type Collation } from './collation.ts';
import { expandInstances, type Instance } from './instances.ts';
import { alarmOverlaps, freeBusyOverlaps, instanceOverlaps, instanceTimes, type TimeRange } from './timeRange.ts';
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

/**
 * When the filter is one comp-filter whose only time-range is its own, one instance that meets it
 * decides the object: the expansion can stop there instead of walking the whole window.
 */
function earlyStop(filter: CompFilter, ranges: TimeRange[], r: TimeResolver): ((inst: Instance) => boolean) | undefined {
  const [only] = filter.compFilters;
  if (filter.compFilters.length !== 1 || !only || filter.propFilters.length || ranges.length !== 1 || !only.timeRange) return undefined;
  if (only.isNotDefined || mentions(filter, 'VALARM')) return undefined;
  const name = only.name.toLowerCase();
  return (inst) => inst.component.name === name && componentMatches(inst.component, only, { r, instances: [inst], capped: false }, null);
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
  // Alarms fire before their events: expand from the start of time when a VALARM range is asked.
  const hasAlarmRange = mentions(filter, 'VALARM');
  const from = hasAlarmRange || ranges.some((t) => t.start === undefined) ? undefined : Math.min(...ranges.map((t) => t.start as number));
  const until = ranges.length === 0 || hasAlarmRange || ranges.some((t) => t.end === undefined) ? undefined : Math.max(...ranges.map((t) => t.end as number));
  const stopWhen = earlyStop(filter, ranges, r);
  const expansion = ranges.length
    ? expandInstances(components, r, { from, until, maxInstances: opts.maxInstances, maxSteps: opts.maxSteps, stopWhen })
    : { instances: [], capped: false };
  const ctx: Context = { r, instances: expansion.instances, capped: expansion.capped };
  const match = filter.propFilters.every((p) => propMatches(root, p, ctx)) && filter.compFilters.every((c) => compFilterMatches(root, c, ctx, null));
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
  if (f.timeRange) {
    const range = f.timeRange;
    let ok: boolean;
    if (own) {
      ok = ctx.capped || own.some((i) => instanceOverlaps(i, ctx.r, range));
    } else if (c.name === 'valarm') {
      ok = (parentInstances ?? []).some((i) => alarmOverlaps(c, instanceTimes(i, ctx.r), ctx.r, range));
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
    if (f.timeRange && !propertyInRange(c, p, ctx, f.timeRange)) return false;
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
