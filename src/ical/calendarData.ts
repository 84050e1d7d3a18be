// What a REPORT returns in calendar-data (RFC 4791 §9.6): the stored text as is, or a selection of
// components and properties, with recurrences expanded or limited to a time range.
import ICAL from 'ical.js';
import { expandInstances } from './instances.ts';
import { parseCalendarText } from './parse.ts';
import { instanceOverlaps, instanceTimes, type TimeRange } from './timeRange.ts';
import { TimeResolver, tzidOf, type FloatingZone } from './time.ts';

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

function utcTime(epoch: number): ICAL.Time {
  return ICAL.Time.fromJSDate(new Date(epoch * 1000), true);
}

/** Sets a date-time property to an instant in UTC (DATE values stay dates). */
function setUtc(comp: ICAL.Component, name: string, epoch: number | null): void {
  const prop = comp.getFirstProperty(name);
  if (!prop || epoch === null) return;
  const v = prop.getFirstValue();
  if (v instanceof ICAL.Time && v.isDate) {
    if (name === 'recurrence-id' || name === 'dtstart' || name === 'dtend' || name === 'due') {
      const d = utcTime(epoch);
      prop.setValue(ICAL.Time.fromData({ year: d.year, month: d.month, day: d.day, isDate: true }));
    }
    return;
  }
  prop.removeParameter('tzid');
  prop.setValue(utcTime(epoch));
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
    const t = instanceTimes(inst, r);
    setUtc(copy, 'dtstart', t.dtstart);
    setUtc(copy, 'dtend', t.dtend);
    setUtc(copy, 'due', t.due);
    if (recurring && inst.recurrenceId) {
      const rid = r.epoch(inst.recurrenceId, tzidOf(inst.component, inst.isOverride ? 'recurrence-id' : 'dtstart'));
      if (!copy.hasProperty('recurrence-id')) copy.addPropertyWithValue('recurrence-id', utcTime(rid));
      else setUtc(copy, 'recurrence-id', rid);
    }
    for (const name of ['created', 'last-modified', 'dtstamp', 'completed']) {
      const e = copy.getFirstPropertyValue(name);
      if (e instanceof ICAL.Time && !e.isDate) setUtc(copy, name, r.epoch(e, tzidOf(copy, name)));
    }
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
