// Editing part of a recurring event as Apple Calendar and Thunderbird do it: one occurrence (an
// override component with RECURRENCE-ID, RFC 5545 §3.8.4.4), this and the following ones (the
// series split in two: the old one ends before the occurrence, a new one with its own UID starts
// there), or deleting one (EXDATE, RFC 5545 §3.8.5.1). Pure; the pool runs it (src/compute/tasks.ts).
//
// An occurrence is named by its RECURRENCE-ID value in the master's DTSTART form
// (Occurrence.recurrenceId): `20261208T090000Z`, `20261208T090000` (the master's TZID) or
// `20261208`. Values are compared as instants, so an override or EXDATE written in another form
// (UTC beside a TZID master, as Google and SabreDAV write them) still names the same instance.
import ICAL from 'ical.js';
import { stampChange } from './changeStamps.ts';
import { DEFAULT_MAX_STEPS, expandInstances, isRecurring, masterOf, type Instance } from './instances.ts';
import { parseCalendarText } from './parse.ts';
import { useSharedZones } from './zoneCache.ts';
import { applyComponentParticipants, applyForm, applyParticipants, eventZone, formValues, participantsIn, repeatOf, type FormParticipants, type Repeat, type SimpleEvent } from './simpleEvent.ts';
import { isFloating, TimeResolver, tzidOf, tzidParam, utcTime, wallClockAt } from './time.ts';
import { eventSpan, instanceTimes } from './timeRange.ts';

/** The message of the error thrown when a RECURRENCE-ID names no instance of the event (the domain answers NotFound). */
export const NOT_AN_INSTANCE = 'not an instance of this event';
/** The message of the error thrown when "this and following" is asked of an event that does not repeat. */
export const NOT_A_SERIES = 'the event does not repeat';

/**
 * The bounds of the expansions an edit makes (finding an instance, counting those before a split,
 * checking what is left). Stored objects were expanded within the server's own limits when
 * written, so these only guard against data that grew past them.
 */
export const SERIES_EDIT_LIMITS = { maxInstances: 20_000, maxSteps: DEFAULT_MAX_STEPS } as const;

/** One occurrence as the form shows it. */
export interface OccurrenceReading {
  event: SimpleEvent;
  participants: FormParticipants;
  /** True when the occurrence has its own component (an override). */
  isOverride: boolean;
  /** The series' repeat rule when the form cannot show it. */
  customRule: string | null;
  /** VALARMs of the occurrence that are not reminders the form shows (kept as they are). */
  otherAlarms: number;
  /** Whether the object's master repeats (an invitation to one occurrence only does not). */
  recurring: boolean;
}

const RID = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/;

/** A deep copy of a component (ical.js components share their jCal arrays). */
function cloneComponent(c: ICAL.Component): ICAL.Component {
  return new ICAL.Component(JSON.parse(JSON.stringify(c.toJSON())) as ConstructorParameters<typeof ICAL.Component>[0]);
}

interface Frame {
  /** The master's DTSTART value: its zone (a VTIMEZONE's, UTC, or none) and value type. */
  dtstart: ICAL.Time;
  tzid: string | null;
}

/** A RECURRENCE-ID value as the web names it, read in the master's frame. */
function parseRecurrenceId(value: string, frame: Frame): ICAL.Time {
  const m = RID.exec(value.trim());
  if (!m) throw new Error(NOT_AN_INSTANCE);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (m[4] === undefined) return ICAL.Time.fromData({ year, month, day, isDate: true });
  const data = { year, month, day, hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), isDate: false };
  if (m[7] === 'Z') return ICAL.Time.fromData(data, ICAL.Timezone.utcTimezone);
  const zone = frame.dtstart.isDate ? undefined : frame.dtstart.zone;
  return zone ? new ICAL.Time(data, zone) : ICAL.Time.fromData(data);
}

interface Located {
  root: ICAL.Component;
  master: ICAL.Component | undefined;
  frame: Frame | null;
  r: TimeResolver;
  /** The occurrence's RECURRENCE-ID as an instant (read with `r`). */
  ridEpoch: number;
  /** Its value in the master's form (to write RECURRENCE-ID and EXDATE). */
  rid: ICAL.Time;
  /** The component that overrides it, if any. */
  override: ICAL.Component | null;
  /** The instance as the expansion gives it (null for an override the rule does not make). */
  instance: Instance | null;
}

function ridEpochOf(c: ICAL.Component, r: TimeResolver): number | null {
  const v = c.getFirstPropertyValue('recurrence-id');
  return v instanceof ICAL.Time ? r.epoch(v, tzidOf(c, 'recurrence-id')) : null;
}

/** Finds the occurrence `recurrenceId` names; throws NOT_AN_INSTANCE when it names none. */
function locate(text: string, recurrenceId: string, zone: string): Located {
  const root = parseCalendarText(text);
  const events = root.getAllSubcomponents('vevent');
  const master = masterOf(events);
  const r = new TimeResolver(zone);
  const dtstart = master?.getFirstPropertyValue('dtstart');
  const frame: Frame | null = master && dtstart instanceof ICAL.Time ? { dtstart, tzid: tzidOf(master, 'dtstart') } : null;
  // Without a master (an invitation to some occurrences only), an override's own form counts.
  const firstRid = events[0]?.getFirstPropertyValue('recurrence-id');
  const readFrame: Frame = frame ?? { dtstart: firstRid instanceof ICAL.Time ? firstRid : ICAL.Time.fromData({ year: 1970, month: 1, day: 1 }), tzid: events[0] ? tzidOf(events[0], 'recurrence-id') : null };
  const asked = parseRecurrenceId(recurrenceId, readFrame);
  const ridEpoch = r.epoch(asked, asked.zone === ICAL.Timezone.utcTimezone ? null : readFrame.tzid);
  const override = events.find((c) => c !== master && ridEpochOf(c, r) === ridEpoch) ?? null;
  let instance: Instance | null = null;
  if (master && frame && isRecurring(master)) {
    const exp = expandInstances(events, r, { from: ridEpoch, until: ridEpoch + 1, ...SERIES_EDIT_LIMITS });
    instance = exp.instances.find((i) => i.recurrenceId !== null && r.epoch(i.recurrenceId, frame.tzid) === ridEpoch) ?? null;
  }
  if (!override && !instance) throw new Error(NOT_AN_INSTANCE);
  // The rule's own value is in the master's form (its zone, its value type), whatever form was asked.
  const rid = instance?.recurrenceId ?? asked;
  return { root, master, frame, r, ridEpoch, rid, override, instance };
}

/** A RECURRENCE-ID or EXDATE property with a value in the frame of a DTSTART property (its TZID, its value type). */
function timeProperty(name: string, value: ICAL.Time, like: ICAL.Property | null): ICAL.Property {
  const p = new ICAL.Property(name);
  p.setValue(value);
  const tzid = tzidParam(like);
  if (tzid !== null && !value.isDate && value.zone !== ICAL.Timezone.utcTimezone) p.setParameter('tzid', tzid);
  return p;
}

/** The remaining occurrences' repeat as the form shows it for "this and following": the rest of a COUNT. */
function followingRepeat(located: Located, zone: string): { repeat: Repeat | null; customRule: string | null } {
  const { master } = located;
  if (!master || !isRecurring(master)) return { repeat: null, customRule: null };
  const read = repeatOf(master, zone);
  if (read.repeat?.count !== undefined) {
    const rule = master.getFirstPropertyValue('rrule') as ICAL.Recur;
    const rest = read.repeat.count - ruleInstancesBefore(master, rule, located.ridEpoch, located.r);
    return { repeat: { ...read.repeat, count: Math.max(1, rest) }, customRule: null };
  }
  return read;
}

/**
 * How many instances one RRULE makes before an instant, from the master's DTSTART, EXDATEs not
 * applied (COUNT counts the instances the rule makes, RFC 5545 §3.3.10).
 */
function ruleInstancesBefore(master: ICAL.Component, rule: ICAL.Recur, before: number, r: TimeResolver): number {
  return withScratch(master, (bare) => {
    for (const name of ['rrule', 'exrule', 'rdate', 'exdate']) bare.removeAllProperties(name);
    bare.addPropertyWithValue('rrule', rule.clone());
    return expandInstances([bare], r, { until: before, ...SERIES_EDIT_LIMITS }).instances.length;
  });
}

/**
 * Works on a copy of a component inside its VCALENDAR (ical.js finds a TZID's VTIMEZONE through
 * the component's parent, so a copy is read in the right zone only there), removed afterwards.
 */
function withScratch<T>(comp: ICAL.Component, fn: (copy: ICAL.Component) => T): T {
  const root = comp.parent;
  if (!root) throw new Error('the component is not in a VCALENDAR');
  const copy = cloneComponent(comp);
  root.addSubcomponent(copy);
  try {
    return fn(copy);
  } finally {
    root.removeSubcomponent(copy);
  }
}

/**
 * One occurrence as the form shows it: an override's own values, or the series' values at that
 * instance; the repeat is that of "this and following" (the rest of a COUNT).
 */
export function readOccurrence(text: string, recurrenceId: string, viewerZone: string): OccurrenceReading {
  const located = locate(text, recurrenceId, viewerZone);
  const { root, master, r, override, instance } = located;
  const comp = override ?? instance?.component;
  if (!comp) throw new Error(NOT_AN_INSTANCE);
  const times = override ? instanceTimes({ component: override, shift: 0, start: null, recurrenceId: null, isOverride: true }, r) : instanceTimes(instance as Instance, r);
  const span = eventSpan(times);
  if (!span) throw new Error('the occurrence has no start');
  const { repeat, customRule } = followingRepeat(located, eventZone(master ?? comp, viewerZone));
  const { event, otherAlarms } = formValues(comp, span, viewerZone, repeat);
  return { event, participants: participantsIn(root, comp, true), isOverride: override !== null, customRule, otherAlarms, recurring: master !== undefined && isRecurring(master) };
}

/**
 * One occurrence changed as the form says: its override (RECURRENCE-ID in the master's form and
 * TZID) holds the form's values. A new override starts as a copy of the series at that instance
 * (alarms, attendees, X- properties: what the form does not show), an existing one keeps what the
 * form does not show. The override gets DTSTAMP and LAST-MODIFIED now and a higher SEQUENCE
 * (RFC 5545 §3.8.7.4); the master is not touched.
 */
export function editOccurrence(text: string, recurrenceId: string, event: SimpleEvent, now: number): string {
  const located = locate(text, recurrenceId, event.zone);
  const { root, master, rid, instance } = located;
  let comp = located.override;
  if (!comp) {
    const base = instance?.component;
    if (!base || !master) throw new Error(NOT_AN_INSTANCE);
    comp = cloneComponent(base);
    root.addSubcomponent(comp);
    for (const name of ['rrule', 'rdate', 'exdate', 'exrule', 'recurrence-id']) comp.removeAllProperties(name);
    comp.addProperty(timeProperty('recurrence-id', rid, master.getFirstProperty('dtstart')));
  }
  applyForm(comp, event, true);
  applyComponentParticipants(comp, event);
  stampChange(comp, now, true);
  return root.toString();
}

/** Removes the values of date-list properties (EXDATE, RDATE) at or after an instant; `keep` says which side stays. */
function filterTimes(comp: ICAL.Component, name: string, r: TimeResolver, frameTzid: string | null, keep: (epoch: number) => boolean): void {
  for (const p of comp.getAllProperties(name)) {
    const own = tzidParam(p) ?? frameTzid;
    const values = (p.getValues() as unknown[]).filter((v) => {
      const t = v instanceof ICAL.Period ? v.start : v;
      return t instanceof ICAL.Time && keep(r.epoch(t, own));
    });
    if (!values.length) comp.removeProperty(p);
    else if (values.length !== p.getValues().length) p.setValues(values as ICAL.Time[]);
  }
}

/** UNTIL for a series that ends just before `rid`: of DTSTART's value type (RFC 5545 §3.3.10). */
function untilBefore(rid: ICAL.Time, ridEpoch: number, frame: Frame): ICAL.Time {
  if (frame.dtstart.isDate) {
    const day = rid.clone();
    day.isDate = true;
    day.adjust(-1, 0, 0, 0);
    return day;
  }
  // A floating series ends on the wall clock; one in a zone or in UTC at an instant, written in UTC.
  if (isFloating(frame.dtstart) && frame.tzid === null) {
    const t = rid.clone();
    t.adjust(0, 0, 0, -1);
    return t;
  }
  return utcTime(ridEpoch - 1);
}

/** A time in the frame of a DTSTART property: a date, UTC, or a wall clock in its TZID. */
function inFrame(epoch: number, start: ICAL.Property, zone: string): ICAL.Time {
  const v = start.getFirstValue() as ICAL.Time;
  const tzid = tzidParam(start);
  if (v.isDate) {
    const wall = wallClockAt(zone, epoch) ?? utcTime(epoch);
    return ICAL.Time.fromData({ year: wall.year, month: wall.month, day: wall.day, isDate: true });
  }
  if (v.zone === ICAL.Timezone.utcTimezone || tzid === null) return utcTime(epoch);
  const wall = wallClockAt(tzid, epoch) ?? wallClockAt(zone, epoch) ?? utcTime(epoch);
  const data = { year: wall.year, month: wall.month, day: wall.day, hour: wall.hour, minute: wall.minute, second: wall.second, isDate: false };
  return !isFloating(v) && v.zone ? new ICAL.Time(data, v.zone) : ICAL.Time.fromData(data);
}

/**
 * "This and following", as Thunderbird and Apple Calendar write it: the old series ends with an
 * UNTIL of DTSTART's value type just before the occurrence (a COUNT becomes that UNTIL), and its
 * overrides, EXDATEs and RDATEs at or after the split leave it. With `event`, a new series with
 * `newUid` and RELATED-TO the old UID starts at the occurrence with the form's values, the rest
 * of the COUNT (or the old UNTIL), and the overrides, EXDATEs and RDATEs that left the old one
 * (moved as the form moved the start; those that name no instance of the new series, because the
 * form changed the rule, are dropped, and so is the occurrence's own override, whose values the
 * form showed). `event` null deletes this and the following occurrences (`next` null). `old` is
 * null when no instance is left before the split: then the whole old object goes.
 */
export function splitSeries(text: string, recurrenceId: string, event: SimpleEvent | null, newUid: string, now: number): { old: string | null; next: string | null } {
  const zone = event?.zone ?? 'UTC';
  const located = locate(text, recurrenceId, zone);
  const { root, master, frame, r, rid, ridEpoch } = located;
  if (!master || !frame || !isRecurring(master)) throw new Error(NOT_A_SERIES);
  const after = (epoch: number) => epoch >= ridEpoch;
  const following = root.getAllSubcomponents('vevent').filter((c) => c !== master && after(ridEpochOf(c, r) ?? -Infinity));

  const next = event ? newSeries(root, master, located, following, event, newUid, now) : null;

  // The old series, ending before the occurrence.
  for (const c of following) root.removeSubcomponent(c);
  for (const p of master.getAllProperties('rrule')) {
    const rule = p.getFirstValue();
    if (!(rule instanceof ICAL.Recur)) continue;
    const until = untilBefore(rid, ridEpoch, frame);
    const own = rule.until ? r.epoch(rule.until, rule.until.zone === ICAL.Timezone.utcTimezone ? null : frame.tzid) : Infinity;
    const copy = rule.clone();
    copy.count = null;
    if (!(own < r.epoch(until, until.zone === ICAL.Timezone.utcTimezone ? null : frame.tzid))) copy.until = until;
    p.setValue(copy);
  }
  filterTimes(master, 'rdate', r, frame.tzid, (e) => !after(e));
  filterTimes(master, 'exdate', r, frame.tzid, (e) => !after(e));
  stampChange(master, now, true);
  const left = expandInstances(root.getAllSubcomponents('vevent'), r, { maxInstances: 1, maxSteps: SERIES_EDIT_LIMITS.maxSteps });
  const old = left.instances.length > 0 || left.capped ? root.toString() : null;
  return { old, next };
}

/** The new series of a split: see splitSeries. */
function newSeries(root: ICAL.Component, master: ICAL.Component, located: Located, following: ICAL.Component[], event: SimpleEvent, newUid: string, now: number): string {
  const { frame, r, rid, ridEpoch } = located;
  if (!frame) throw new Error(NOT_A_SERIES);
  const nextRoot = cloneComponent(root);
  useSharedZones(nextRoot);
  for (const c of nextRoot.getAllSubcomponents('vevent')) nextRoot.removeSubcomponent(c);
  const head = cloneComponent(master);
  nextRoot.addSubcomponent(head);
  const oldUid = String(master.getFirstPropertyValue('uid') ?? '');
  head.updatePropertyWithValue('uid', newUid);
  // The rest of each COUNT; a rule with none left (the occurrence is an RDATE past it) goes.
  for (const p of head.getAllProperties('rrule')) {
    const rule = p.getFirstValue();
    if (!(rule instanceof ICAL.Recur) || !rule.count) continue;
    const rest = rule.count - ruleInstancesBefore(master, rule, ridEpoch, r);
    if (rest <= 0) {
      head.removeProperty(p);
      continue;
    }
    const copy = rule.clone();
    copy.count = rest;
    p.setValue(copy);
  }
  const startProp = head.getFirstProperty('dtstart') as ICAL.Property;
  startProp.setValue(rid.clone());
  head.removeAllProperties('dtend');
  head.removeAllProperties('duration');
  filterTimes(head, 'rdate', r, frame.tzid, (e) => e >= ridEpoch);
  filterTimes(head, 'exdate', r, frame.tzid, (e) => e >= ridEpoch);
  const exdates = head.getAllProperties('exdate').flatMap((p) => (p.getValues() as unknown[]).filter((v): v is ICAL.Time => v instanceof ICAL.Time).map((v) => r.epoch(v, tzidParam(p) ?? frame.tzid)));
  const rdates = head.getAllProperties('rdate').flatMap((p) => (p.getValues() as unknown[]).map((v) => (v instanceof ICAL.Period ? v.start : v)).filter((v): v is ICAL.Time => v instanceof ICAL.Time).map((v) => r.epoch(v, tzidParam(p) ?? frame.tzid)));
  head.removeAllProperties('exdate');
  head.removeAllProperties('rdate');
  head.removeAllProperties('related-to');
  // Thunderbird's snooze and acknowledgement stamps belong to the old series' alarms.
  for (const p of head.getAllProperties()) if (/^x-moz-(snooze-time|lastack)/.test(p.name)) head.removeProperty(p);
  const related = new ICAL.Property('related-to');
  related.setValue(oldUid);
  related.setParameter('reltype', 'SIBLING');
  head.addProperty(related);
  for (const name of ['created', 'dtstamp', 'last-modified']) head.updatePropertyWithValue(name, utcTime(now));
  head.updatePropertyWithValue('sequence', 0);

  // The form's rule replaces the rest of the old one only when it says something else.
  const own = eventZone(head, event.zone);
  const rest = repeatOf(head, own);
  const keepRule = rest.customRule !== null || sameRepeat(rest.repeat, event.repeat);
  applyForm(head, event, keepRule);

  // What moved with the split follows the new start (by the same length of time).
  const newStart = head.getFirstProperty('dtstart') as ICAL.Property;
  const newStartEpoch = r.epoch(newStart.getFirstValue() as ICAL.Time, tzidParam(newStart));
  const delta = newStartEpoch - ridEpoch;
  const moved = (epoch: number) => inFrame(epoch + delta, newStart, event.zone);
  const overrides = following.filter((c) => ridEpochOf(c, r) !== ridEpoch);
  const wanted = [...exdates, ...overrides.map((c) => ridEpochOf(c, r) as number)];
  const members = wanted.length ? instantsOf(head, r, Math.max(...wanted) + delta + 1) : null;
  const isMember = (epoch: number) => members === null || members.has(epoch + delta);
  for (const e of rdates) if (e !== ridEpoch) head.addProperty(timeProperty('rdate', moved(e), newStart));
  for (const e of exdates) if (isMember(e)) head.addProperty(timeProperty('exdate', moved(e), newStart));
  for (const c of overrides) {
    const at = ridEpochOf(c, r) as number;
    if (!isMember(at)) continue;
    const copy = cloneComponent(c);
    nextRoot.addSubcomponent(copy);
    copy.updatePropertyWithValue('uid', newUid);
    const range = c.getFirstProperty('recurrence-id')?.getParameter('range');
    copy.removeAllProperties('recurrence-id');
    const ridProp = timeProperty('recurrence-id', moved(at), newStart);
    if (typeof range === 'string') ridProp.setParameter('range', range);
    copy.addProperty(ridProp);
  }
  applyParticipants(nextRoot, head, event);
  return nextRoot.toString();
}

/** The starts of a master's recurrence set (EXDATEs not applied) up to an instant; null when the expansion was cut short. */
function instantsOf(master: ICAL.Component, r: TimeResolver, until: number): Set<number> | null {
  return withScratch(master, (bare) => {
    bare.removeAllProperties('exdate');
    const exp = expandInstances([bare], r, { until, ...SERIES_EDIT_LIMITS });
    if (exp.capped) return null;
    return new Set(exp.instances.map((i) => i.start).filter((s): s is number => s !== null));
  });
}

function sameRepeat(a: Repeat | null, b: Repeat | null): boolean {
  if (a === null || b === null) return a === b;
  return a.freq === b.freq && a.count === b.count && a.until === b.until;
}

/**
 * One occurrence deleted: an EXDATE in the master's form and TZID (one property per date, as
 * Apple Calendar and Thunderbird write them), its override dropped; the master gets DTSTAMP,
 * LAST-MODIFIED and a higher SEQUENCE. An occurrence that is only an override (an invitation to
 * one occurrence) loses its component.
 */
export function deleteOccurrence(text: string, recurrenceId: string, now: number): string {
  const { root, master, rid, override } = locate(text, recurrenceId, 'UTC');
  if (override) root.removeSubcomponent(override);
  if (master && isRecurring(master)) {
    master.addProperty(timeProperty('exdate', rid, master.getFirstProperty('dtstart')));
    stampChange(master, now, true);
  }
  return root.toString();
}

/** Whether an object still has an event instance (after deletes); a cut expansion counts as yes. */
export function hasInstances(text: string): boolean {
  const root = parseCalendarText(text);
  const events = root.getAllSubcomponents('vevent');
  if (!events.length) return false;
  const exp = expandInstances(events, new TimeResolver('UTC'), { maxInstances: 1, maxSteps: SERIES_EDIT_LIMITS.maxSteps });
  return exp.instances.length > 0 || exp.capped;
}
