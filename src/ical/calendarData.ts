// What a REPORT returns in calendar-data (RFC 4791 §9.6): the stored text as is, or a selection of
// components and properties, with recurrences expanded or limited to a time range.
import ICAL from 'ical.js';
import { expandInstances, type Instance } from './instances.ts';
import { parseCalendarText } from './parse.ts';
import { instanceOverlaps, instanceTimes, type TimeRange } from './timeRange.ts';
import { isFloating, TimeResolver, tzidOf, tzidParam, utcTime, type FloatingZone } from './time.ts';
import { keepUnreadableTimesAsWritten } from './writtenValues.ts';

export interface CompSelection {
  /** Upper-case component name. */
  name: string;
  allProps: boolean;
  props: { name: string; noValue: boolean }[];
  allComps: boolean;
  comps: CompSelection[];
}

export interface CalendarDataRequest {
  select?: CompSelection;
  expand?: { start: number; end: number };
  limitRecurrenceSet?: { start: number; end: number };
}

export interface CalendarDataOptions {
  floatingZone: FloatingZone;
  maxInstances: number;
  maxSteps?: number;
}

/** The calendar-data text, and whether a limit cut an expansion short (the text would be incomplete). */
export interface RenderedData {
  text: string;
  capped: boolean;
}

/** True when the request asks for something other than the stored text. */
export function needsTransform(req: CalendarDataRequest): boolean {
  return Boolean(req.select || req.expand || req.limitRecurrenceSet);
}

const OBJECT_TYPES = ['vevent', 'vtodo', 'vjournal'];
const RECURRENCE_PROPS = ['rrule', 'rdate', 'exdate', 'exrule'];

/**
 * How an expanded instance writes a date or time (RFC 4791 §9.6.5): a time with a time zone (a
 * TZID, or UTC) in UTC; a DATE as a DATE and a floating time as a floating time, as they are,
 * since neither refers to a time zone (and converting them would make the answer depend on the
 * zone of the request).
 */
type Form = 'date' | 'floating' | 'zoned';

function formOf(comp: ICAL.Component, name: string): Form | null {
  const v = comp.getFirstPropertyValue(name);
  if (!(v instanceof ICAL.Time)) return null;
  if (v.isDate) return 'date';
  return isFloating(v) && !tzidOf(comp, name) ? 'floating' : 'zoned';
}

/** Sets a date or date-time property (added when missing) to a value, without its TZID. */
function setTime(comp: ICAL.Component, name: string, value: ICAL.Time): void {
  const prop = comp.getFirstProperty(name) ?? comp.addPropertyWithValue(name, value);
  prop.removeParameter('tzid');
  prop.setValue(value);
}

/** A wall-clock time moved by an exact length (floating and DATE values have no daylight-saving changes). */
function plus(t: ICAL.Time, seconds: number): ICAL.Time {
  const out = t.clone();
  out.addDuration(ICAL.Duration.fromSeconds(seconds));
  return out;
}

/** Writes one instance's start, end, due and RECURRENCE-ID as RFC 4791 §9.6.5 asks. */
function writeInstanceTimes(copy: ICAL.Component, inst: Instance, r: TimeResolver, recurring: boolean): void {
  const c = inst.component;
  const t = instanceTimes(inst, r);
  const start = c.getFirstPropertyValue('dtstart');
  const startForm = formOf(c, 'dtstart');
  // The instance's start in DTSTART's own frame: ical.js gives it for the instances of the rule.
  const wallStart = inst.wallStart ?? (!inst.isOverride && inst.recurrenceId ? inst.recurrenceId : start instanceof ICAL.Time ? start : null);
  if (wallStart && t.dtstart !== null) setTime(copy, 'dtstart', startForm === 'zoned' ? utcTime(t.dtstart) : wallStart.clone());
  for (const name of ['dtend', 'due'] as const) {
    const value = c.getFirstPropertyValue(name);
    const epoch = name === 'dtend' ? t.dtend : t.due;
    if (!(value instanceof ICAL.Time) || epoch === null) continue;
    const form = formOf(c, name);
    let out: ICAL.Time;
    if (form === 'zoned') out = utcTime(epoch);
    // DTEND and DUE keep their distance from DTSTART on the wall clock.
    else if (wallStart && start instanceof ICAL.Time && startForm !== 'zoned') out = plus(wallStart, value.subtractDate(start).toSeconds());
    else if (inst.shift === 0) out = value.clone();
    else out = form === 'date' ? dateOf(utcTime(epoch)) : utcTime(epoch);
    setTime(copy, name, out);
  }
  if (inst.end !== undefined && t.dtstart !== null && wallStart) {
    // An RDATE period: its end (or length) replaces DTEND, DURATION or DUE.
    const length = inst.end - t.dtstart;
    const end = startForm === 'zoned' ? utcTime(inst.end) : plus(wallStart, length);
    if (copy.name === 'vtodo' && copy.hasProperty('due')) setTime(copy, 'due', end);
    else if (copy.name === 'vtodo') copy.updatePropertyWithValue('duration', ICAL.Duration.fromSeconds(length));
    else {
      copy.removeAllProperties('duration');
      setTime(copy, 'dtend', end);
    }
  }
  if (!recurring) return;
  // RECURRENCE-ID has DTSTART's value type (RFC 5545 §3.8.4.4): a DATE for all-day series.
  const own = c.getFirstPropertyValue('recurrence-id');
  const rid = inst.isOverride && own instanceof ICAL.Time ? own : inst.recurrenceId;
  if (!rid) return;
  const ridTzid = tzidOf(c, inst.isOverride && own instanceof ICAL.Time ? 'recurrence-id' : 'dtstart');
  const zoned = !rid.isDate && !(isFloating(rid) && !ridTzid);
  setTime(copy, 'recurrence-id', zoned ? utcTime(r.epoch(rid, ridTzid)) : rid.clone());
  // Each expanded instance stands alone: a RANGE would make it claim the instances after it.
  copy.getFirstProperty('recurrence-id')?.removeParameter('range');
}

/** Properties that say when the object was written or done, not when an instance is. */
const STAMPS = ['created', 'last-modified', 'dtstamp', 'completed'];

/**
 * An instance's DTSTAMP, CREATED, LAST-MODIFIED and COMPLETED are the component's (RFC 4791
 * §9.6.5: an instance is a copy of it with a RECURRENCE-ID), with a time that refers to a time
 * zone through a TZID converted to UTC. One in UTC or floating is written as stored (the RFC asks
 * nothing else of them), and so is one ical.js cannot read (an object stored before the value
 * checks): none of them places the instance in time, so none can keep it from being expanded.
 */
function writeStamps(copy: ICAL.Component, source: ICAL.Component, r: TimeResolver): void {
  for (const name of STAMPS) {
    const prop = source.getFirstProperty(name);
    const tzid = tzidParam(prop);
    if (!prop || !tzid) continue;
    let value: unknown;
    try {
      value = prop.getFirstValue();
    } catch {
      continue;
    }
    if (!(value instanceof ICAL.Time) || value.isDate) continue;
    const epoch = r.epoch(value, tzid);
    if (Number.isFinite(epoch)) setTime(copy, name, utcTime(epoch));
  }
}

function dateOf(t: ICAL.Time): ICAL.Time {
  return ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, isDate: true });
}

function expand(root: ICAL.Component, range: TimeRange, opts: CalendarDataOptions): { out: ICAL.Component; capped: boolean } {
  const r = new TimeResolver(opts.floatingZone);
  const components = root.getAllSubcomponents().filter((c) => OBJECT_TYPES.includes(c.name));
  const recurring = components.length > 1 || components.some((c) => c.hasProperty('rrule') || c.hasProperty('rdate'));
  const { instances, capped } = expandInstances(components, r, {
    from: range.start,
    until: range.end,
    maxInstances: opts.maxInstances,
    maxSteps: opts.maxSteps,
  });
  // An incomplete expansion is not answered (the caller says so): build nothing.
  if (capped) return { out: root, capped };
  const out = new ICAL.Component('vcalendar');
  for (const p of root.getAllProperties()) out.addProperty(ICAL.Property.fromString(p.toICALString()));
  for (const inst of instances) {
    if (!instanceOverlaps(inst, r, range)) continue;
    const copy = new ICAL.Component(structuredClone(inst.component.toJSON()));
    for (const name of RECURRENCE_PROPS) copy.removeAllProperties(name);
    writeInstanceTimes(copy, inst, r, recurring);
    writeStamps(copy, inst.component, r);
    out.addSubcomponent(copy);
  }
  return { out, capped };
}

function limitRecurrenceSet(root: ICAL.Component, range: TimeRange, opts: CalendarDataOptions): boolean {
  const r = new TimeResolver(opts.floatingZone);
  const components = root.getAllSubcomponents().filter((c) => OBJECT_TYPES.includes(c.name));
  const { instances, capped } = expandInstances(components, r, { maxInstances: opts.maxInstances, maxSteps: opts.maxSteps, from: range.start, until: range.end });
  const keep = new Set(instances.filter((i) => instanceOverlaps(i, r, range)).map((i) => i.component));
  for (const c of components) {
    if (!c.hasProperty('recurrence-id')) continue;
    const rid = c.getFirstPropertyValue('recurrence-id');
    const ridEpoch = rid instanceof ICAL.Time ? r.epoch(rid, tzidOf(c, 'recurrence-id')) : null;
    const originalInRange = ridEpoch !== null && (range.start ?? -Infinity) <= ridEpoch && ridEpoch < (range.end ?? Infinity);
    if (!keep.has(c) && !originalInRange) root.removeSubcomponent(c);
  }
  return capped;
}

function select(comp: ICAL.Component, sel: CompSelection): void {
  if (!sel.allProps) {
    for (const p of [...comp.getAllProperties()]) {
      const wanted = sel.props.find((x) => x.name.toLowerCase() === p.name);
      if (!wanted) comp.removeProperty(p);
      else if (wanted.noValue) p.setValue('');
    }
  }
  if (!sel.allComps) {
    for (const sub of [...comp.getAllSubcomponents()]) {
      const s = sel.comps.find((x) => x.name.toLowerCase() === sub.name);
      if (!s) comp.removeSubcomponent(sub);
      else select(sub, s);
    }
  }
}

/** The calendar-data for one stored object under the request. */
export function renderCalendarData(text: string, req: CalendarDataRequest, opts: CalendarDataOptions): RenderedData {
  if (!needsTransform(req)) return { text, capped: false };
  let root = parseCalendarText(text);
  keepUnreadableTimesAsWritten(text, root);
  let capped = false;
  if (req.expand) ({ out: root, capped } = expand(root, req.expand, opts));
  else if (req.limitRecurrenceSet) capped = limitRecurrenceSet(root, req.limitRecurrenceSet, opts);
  if (req.select && req.select.name === 'VCALENDAR') select(root, req.select);
  return { text: root.toString().replace(/\r?\n/g, '\r\n').replace(/(\r\n)?$/, '\r\n'), capped };
}

/** The calendar-data text for one stored object under the request. */
export function calendarDataFor(text: string, req: CalendarDataRequest, opts: CalendarDataOptions): string {
  return renderCalendarData(text, req, opts).text;
}
