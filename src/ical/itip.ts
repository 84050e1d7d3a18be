// iTIP messages (RFC 5546) made from and applied to stored objects, for iMIP mail (RFC 6047) and
// the schedule inbox (RFC 6638): REQUEST and CANCEL from an organizer's copy, REPLY from an
// attendee's copy, a REPLY's answer written into the organizer's copy, the fingerprint that tells
// a change attendees must hear of from one they need not, and a plain summary for mail bodies.
// Pure functions over text: they run in the compute pool (src/compute/tasks.ts).
import ICAL from 'ical.js';
import { mailtoAddress } from './eventFields.ts';
import { expandInstances, masterOf } from './instances.ts';
import { parseCalendarText } from './parse.ts';
import { serializeCalendar } from './scheduling.ts';
import { eventSpan, instanceTimes } from './timeRange.ts';
import { formatUtc, isIanaZone, TimeResolver, tzidOf, tzidParam, utcTime } from './time.ts';

export type ItipMethod = 'REQUEST' | 'CANCEL' | 'REPLY';

/** What an iTIP message says, as readItip reads it. */
export interface ItipMessage {
  method: string;
  uid: string;
  organizer: string | null;
  attendees: { email: string; partstat: string; name: string | null }[];
  sequence: number;
  /** The RECURRENCE-IDs of the message's components, in the form applyReply takes (recurrenceKey). */
  recurrenceIds: string[];
  comment: string | null;
  /**
   * Component by component (a REPLY may answer the series and single instances differently):
   * its RECURRENCE-ID (null for the master) and the attendees it names.
   */
  components?: { recurrenceId: string | null; attendees: { email: string; partstat: string; name: string | null }[]; comment: string | null }[];
}

/** What a person needs to see (mail bodies, answer page). Times as UTC ISO strings. */
export interface EventSummary {
  uid: string;
  summary: string;
  location: string | null;
  description: string | null;
  url: string | null;
  organizer: { email: string; name: string | null } | null;
  attendees: { email: string; name: string | null; partstat: string; role: string | null }[];
  start: string;
  end: string;
  allDay: boolean;
  /** TZID of DTSTART, IANA-mapped when possible ('UTC' for UTC times, null for floating times and dates). */
  zone: string | null;
  /** RRULE value. */
  recurrence: string | null;
  sequence: number;
  status: string | null;
}

/** Marks a COMMENT applyReply stored with the address of the attendee who made it. */
const ATTENDEE_COMMENT_PARAM = 'x-calendula-attendee';

const OBJECT_KINDS = new Set(['vevent', 'vtodo', 'vjournal']);
/** RFC 6638 §7.1–7.3: parameters of the organizer's bookkeeping, never part of an iTIP message. */
const SCHEDULING_PARAMS = ['schedule-status', 'schedule-force-send', 'schedule-agent'];

function objectComponents(root: ICAL.Component): ICAL.Component[] {
  return root.getAllSubcomponents().filter((c) => OBJECT_KINDS.has(c.name));
}

function clean(p: ICAL.Property): void {
  for (const name of SCHEDULING_PARAMS) p.removeParameter(name);
}

function cleanParticipants(c: ICAL.Component): void {
  for (const p of c.getAllProperties('organizer')) clean(p);
  for (const p of c.getAllProperties('attendee')) clean(p);
}

function setMethod(root: ICAL.Component, method: ItipMethod): void {
  root.removeAllProperties('method');
  root.addPropertyWithValue('method', method);
}

function sequenceOf(c: ICAL.Component): number {
  const n = Number(c.getFirstPropertyValue('sequence') ?? 0);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

function addressOf(p: ICAL.Property): string | null {
  return mailtoAddress(p.getFirstValue());
}

function stringParam(p: ICAL.Property, name: string): string | null {
  const v = p.getParameter(name);
  if (Array.isArray(v)) return v.length ? String(v[0]) : null;
  return v === undefined || v === null || v === '' ? null : String(v);
}

function partstatOf(p: ICAL.Property): string {
  return (stringParam(p, 'partstat') ?? 'NEEDS-ACTION').toUpperCase();
}

function textValue(c: ICAL.Component, name: string): string | null {
  const v = c.getFirstPropertyValue(name);
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A new VCALENDAR for a message: VERSION and PRODID of the original and METHOD (addZones adds the VTIMEZONEs). */
function messageRoot(original: ICAL.Component, method: ItipMethod): ICAL.Component {
  const root = new ICAL.Component('vcalendar');
  root.addPropertyWithValue('version', '2.0');
  root.addPropertyWithValue('prodid', textValue(original, 'prodid') ?? '-//Calendula//iTIP//EN');
  root.addPropertyWithValue('method', method);
  return root;
}

/** The original's VTIMEZONEs that the message's components refer to (RFC 5546 §3.2: present "if any date/time refers to a timezone"), before them. */
function addZones(original: ICAL.Component, root: ICAL.Component): void {
  const used = new Set<string>();
  for (const c of objectComponents(root)) for (const p of c.getAllProperties()) {
    const tz = tzidParam(p);
    if (tz) used.add(tz);
  }
  const zones = original.getAllSubcomponents('vtimezone').filter((z) => used.has(String(z.getFirstPropertyValue('tzid'))));
  const comps = objectComponents(root);
  for (const c of comps) root.removeSubcomponent(c);
  for (const z of zones) root.addSubcomponent(new ICAL.Component(z.toJSON()));
  for (const c of comps) root.addSubcomponent(c);
}

/** A copy of a property (value and parameters). */
function copyProperty(p: ICAL.Property): ICAL.Property {
  return new ICAL.Property(JSON.parse(JSON.stringify(p.toJSON())) as ConstructorParameters<typeof ICAL.Property>[0]);
}

function copyInto(from: ICAL.Component, to: ICAL.Component, names: string[]): void {
  for (const name of names) for (const p of from.getAllProperties(name)) to.addProperty(copyProperty(p));
}

/**
 * A RECURRENCE-ID (or any date or date-time) in one form whatever zone it was written in: a date
 * as 20260105, a date-time as the UTC instant 20260105T090000Z (floating times read as UTC).
 */
function recurrenceKey(t: ICAL.Time, tzid: string | null, r: TimeResolver): string {
  if (t.isDate) return t.toICALString();
  return formatUtc(r.epoch(t, tzid));
}

function componentKey(c: ICAL.Component, r: TimeResolver): string | null {
  const rid = c.getFirstPropertyValue('recurrence-id');
  return rid instanceof ICAL.Time ? recurrenceKey(rid, tzidOf(c, 'recurrence-id'), r) : null;
}

/** A recurrence id as a caller may give it (20260105, 20260105T090000Z, 2026-01-05T09:00:00Z) in recurrenceKey's form. */
function normalizeKey(id: string): string | null {
  const s = id.trim().replace(/[-:]/g, '').replace(/\.\d+/, '');
  if (/^\d{8}$/.test(s)) return s;
  if (/^\d{8}T\d{6}Z$/.test(s)) return s;
  if (/^\d{8}T\d{6}\+0000$/.test(s)) return `${s.slice(0, 15)}Z`;
  return null;
}

// ---- REQUEST ----

/** METHOD:REQUEST for attendees: the organizer's object with METHOD, SCHEDULE-STATUS and
 *  SCHEDULE-FORCE-SEND removed, DTSTAMP = now, VTIMEZONEs kept, VALARMs removed.
 *  With `recipient` (lower-case email), the message holds only what that attendee is invited to
 *  (RFC 6638 §3.2.1, as sabre does): the instances whose components list them; an instance whose
 *  override does not list them is excluded from the master (EXDATE), and an attendee of single
 *  instances only gets those overrides without the master. */
export function itipRequest(organizerText: string, now: Date, recipient?: string): string {
  const root = parseCalendarText(organizerText);
  setMethod(root, 'REQUEST');
  if (recipient !== undefined) onlyFor(root, recipient.trim().toLowerCase());
  const stamp = utcTime(Math.floor(now.getTime() / 1000));
  for (const c of objectComponents(root)) {
    cleanParticipants(c);
    // The organizer's reminders are theirs: VALARMs, and Thunderbird's record of acknowledging
    // and snoozing them.
    for (const alarm of c.getAllSubcomponents('valarm')) c.removeSubcomponent(alarm);
    for (const p of [...c.getAllProperties()]) if (/^x-moz-(lastack|snooze-time)/.test(p.name)) c.removeProperty(p);
    // An attendee's comment on their answer (applyReply) was said to the organizer, not to everyone.
    for (const p of [...c.getAllProperties('comment')]) if (p.getParameter(ATTENDEE_COMMENT_PARAM) !== undefined) c.removeProperty(p);
    c.updatePropertyWithValue('dtstamp', stamp);
  }
  if (recipient !== undefined) {
    const used = new Set<string>();
    for (const c of objectComponents(root)) for (const p of c.getAllProperties()) {
      const tz = tzidParam(p);
      if (tz) used.add(tz);
    }
    for (const z of root.getAllSubcomponents('vtimezone')) if (!used.has(String(z.getFirstPropertyValue('tzid')))) root.removeSubcomponent(z);
  }
  return serializeCalendar(root);
}

/** Keeps in a REQUEST only the instances one attendee is invited to. */
function onlyFor(root: ICAL.Component, who: string): void {
  const comps = objectComponents(root);
  const lists = (c: ICAL.Component) => c.getAllProperties('attendee').some((p) => addressOf(p) === who);
  if (!comps.some(lists)) throw new Error(`${who} is not an attendee of this object`);
  const master = masterOf(comps);
  const withMaster = master !== undefined && lists(master);
  for (const c of comps) {
    if (lists(c)) continue;
    root.removeSubcomponent(c);
    if (!withMaster || c === master) continue;
    // Removed from this instance: the series they get must not hold it.
    const rid = c.getFirstProperty('recurrence-id');
    if (!rid || !master) continue;
    const exdate = new ICAL.Property('exdate');
    const value = rid.getFirstValue();
    if (value === null || value === undefined) continue;
    exdate.setValue(value);
    const tz = tzidParam(rid);
    if (tz) exdate.setParameter('tzid', tz);
    if (value instanceof ICAL.Time && value.isDate) exdate.setParameter('value', 'DATE');
    master.addProperty(exdate);
  }
}

// ---- CANCEL ----

const CANCEL_KEEP = ['uid', 'recurrence-id', 'summary', 'dtstart', 'dtend', 'duration', 'due', 'location'];

/** METHOD:CANCEL to `recipients` (lower-case emails) or to all attendees: each component with
 *  STATUS:CANCELLED, SEQUENCE = stored SEQUENCE + 1 (RFC 5546 §3.2.5 needs it above the last
 *  REQUEST), ATTENDEE lines of the recipients only, ORGANIZER, UID, DTSTART, RECURRENCE-ID. */
export function itipCancel(organizerText: string, recipients: string[] | 'all', now: Date): string {
  const original = parseCalendarText(organizerText);
  const comps = objectComponents(original);
  if (!comps.length) throw new Error('the object has no event, task or journal to cancel');
  const master = masterOf(comps);
  const attendeesIn = (c: ICAL.Component) => new Set(c.getAllProperties('attendee').map(addressOf).filter((a): a is string => a !== null));
  const everyone = new Set<string>();
  for (const c of comps) for (const a of attendeesIn(c)) everyone.add(a);
  const wanted = recipients === 'all' ? everyone : new Set(recipients.map((r) => r.trim().toLowerCase()));

  // A cancel of the master cancels the whole series, overrides included; an override is named
  // only for recipients the master does not list (invited to single instances).
  const inMaster = master ? attendeesIn(master) : new Set<string>();
  const placed = new Set<string>();
  const overrides: { comp: ICAL.Component; to: Set<string> }[] = [];
  for (const c of comps) {
    if (c === master) continue;
    const to = new Set([...attendeesIn(c)].filter((a) => wanted.has(a) && !inMaster.has(a)));
    for (const a of to) placed.add(a);
    overrides.push({ comp: c, to });
  }
  const masterTo = new Set([...wanted].filter((a) => inMaster.has(a)));
  // Recipients the object does not list (an attendee just removed) are cancelled the whole event:
  // the master, or every instance of an object that has none.
  const unplaced = [...wanted].filter((a) => !placed.has(a) && !masterTo.has(a));
  const chosen: { comp: ICAL.Component; to: Set<string> }[] = [];
  if (master) {
    for (const a of unplaced) masterTo.add(a);
    const named = overrides.filter((o) => o.to.size);
    if (masterTo.size || !named.length) chosen.push({ comp: master, to: masterTo });
    chosen.push(...named);
  } else {
    const named = overrides.filter((o) => o.to.size);
    const targets = unplaced.length || !named.length ? overrides : named;
    for (const o of targets) for (const a of unplaced) o.to.add(a);
    chosen.push(...targets);
  }

  const root = messageRoot(original, 'CANCEL');
  const stamp = utcTime(Math.floor(now.getTime() / 1000));
  for (const { comp, to } of chosen) {
    const out = new ICAL.Component(comp.name);
    copyInto(comp, out, CANCEL_KEEP);
    out.addPropertyWithValue('dtstamp', stamp);
    out.addPropertyWithValue('sequence', sequenceOf(comp) + 1);
    out.addPropertyWithValue('status', 'CANCELLED');
    for (const p of comp.getAllProperties('organizer')) out.addProperty(copyProperty(p));
    const listed = new Set<string>();
    for (const p of comp.getAllProperties('attendee')) {
      const a = addressOf(p);
      if (!a || !to.has(a) || listed.has(a)) continue;
      listed.add(a);
      const line = copyProperty(p);
      // Nothing to answer to a cancellation.
      line.removeParameter('rsvp');
      out.addProperty(line);
    }
    for (const a of to) if (!listed.has(a)) out.addPropertyWithValue('attendee', `mailto:${a}`);
    cleanParticipants(out);
    root.addSubcomponent(out);
  }
  addZones(original, root);
  return serializeCalendar(root);
}

// ---- REPLY ----

const REPLY_KEEP = ['uid', 'recurrence-id', 'summary', 'dtstart', 'dtend', 'duration', 'due'];

/** METHOD:REPLY from `attendee` (lower-case email): per component ORGANIZER, that ATTENDEE line
 *  only (with PARTSTAT), UID, RECURRENCE-ID, DTSTART, SEQUENCE, DTSTAMP=now, optional COMMENT. */
export function itipReply(attendeeText: string, attendee: string, now: Date, comment?: string): string {
  const original = parseCalendarText(attendeeText);
  const who = attendee.trim().toLowerCase();
  const root = messageRoot(original, 'REPLY');
  const stamp = utcTime(Math.floor(now.getTime() / 1000));
  let found = false;
  for (const c of objectComponents(original)) {
    const line = c.getAllProperties('attendee').find((p) => addressOf(p) === who);
    if (!line) continue;
    found = true;
    const out = new ICAL.Component(c.name);
    copyInto(c, out, REPLY_KEEP);
    out.addPropertyWithValue('dtstamp', stamp);
    out.addPropertyWithValue('sequence', sequenceOf(c));
    for (const p of c.getAllProperties('organizer')) out.addProperty(copyProperty(p));
    const mine = copyProperty(line);
    mine.setParameter('partstat', partstatOf(line));
    // RSVP asks the attendee for an answer; the answer does not ask back.
    mine.removeParameter('rsvp');
    out.addProperty(mine);
    if (comment !== undefined && comment !== '') out.addPropertyWithValue('comment', comment);
    cleanParticipants(out);
    root.addSubcomponent(out);
  }
  if (!found) throw new Error(`${who} is not an attendee of this object`);
  addZones(original, root);
  return serializeCalendar(root);
}

// ---- fingerprint ----

/** Properties whose change attendees must hear of (RFC 5546 §2.1.4, §3.2.2: a "significant change"). */
const SIGNIFICANT = ['dtstart', 'dtend', 'duration', 'due', 'rrule', 'rdate', 'exdate', 'exrule', 'recurrence-id', 'summary', 'location', 'description', 'status'];

function propertyLine(p: ICAL.Property): string {
  const values = p.getValues().map((v: unknown) => (v !== null && typeof v === 'object' && 'toString' in v ? String(v) : JSON.stringify(v)));
  const tz = tzidParam(p);
  const range = stringParam(p, 'range');
  return `${p.name}${tz ? `;TZID=${tz}` : ''}${range ? `;RANGE=${range.toUpperCase()}` : ''}:${values.sort().join(',')}`;
}

/** A canonical string of what matters to invitees (RFC 5546 significant change): times, rules,
 *  summary, location, description, status, the set of attendees; not PARTSTAT, SCHEDULE-*,
 *  RSVP, DTSTAMP, LAST-MODIFIED, SEQUENCE, VALARM, X- props. Equal strings: no new REQUEST. */
export function schedulingFingerprint(text: string): string {
  const root = parseCalendarText(text);
  const r = new TimeResolver(undefined);
  const parts: string[] = [];
  for (const c of objectComponents(root)) {
    const lines: string[] = [];
    for (const name of SIGNIFICANT) for (const p of c.getAllProperties(name)) lines.push(propertyLine(p));
    const organizer = c.getFirstProperty('organizer');
    if (organizer) lines.push(`organizer:${addressOf(organizer) ?? String(organizer.getFirstValue())}`);
    const attendees = new Set(c.getAllProperties('attendee').map((p) => addressOf(p) ?? String(p.getFirstValue())));
    lines.push(`attendee:${[...attendees].sort().join(',')}`);
    lines.sort();
    parts.push(`${c.name}[${componentKey(c, r) ?? ''}]\n${lines.join('\n')}`);
  }
  parts.sort();
  return parts.join('\n--\n');
}

// ---- reading a message ----

/** Reads an iTIP message (null when it is not one: no METHOD, no UID, does not parse). */
export function readItip(text: string): ItipMessage | null {
  try {
    return readMessage(parseCalendarText(text));
  } catch {
    // Mail brings anything: what ical.js cannot read is no message.
    return null;
  }
}

function readMessage(root: ICAL.Component): ItipMessage | null {
  const method = textValue(root, 'method');
  if (!method) return null;
  const comps = objectComponents(root);
  const first = masterOf(comps) ?? comps[0];
  const uid = first ? textValue(first, 'uid') : null;
  if (!first || !uid) return null;
  const r = new TimeResolver(undefined);
  const attendees = new Map<string, { email: string; partstat: string; name: string | null }>();
  const components: NonNullable<ItipMessage['components']> = [];
  const recurrenceIds: string[] = [];
  let comment: string | null = null;
  // The master first: its answer stands for the series.
  for (const c of [first, ...comps.filter((c) => c !== first)]) {
    const key = componentKey(c, r);
    // An instance named by a RECURRENCE-ID that cannot be read must not pass for the series.
    if (!key && c.hasProperty('recurrence-id')) return null;
    if (key) recurrenceIds.push(key);
    const own: { email: string; partstat: string; name: string | null }[] = [];
    for (const p of c.getAllProperties('attendee')) {
      const email = addressOf(p);
      if (!email) continue;
      const a = { email, partstat: partstatOf(p), name: stringParam(p, 'cn') };
      own.push(a);
      if (!attendees.has(email)) attendees.set(email, a);
    }
    const own_comment = textValue(c, 'comment');
    comment ??= own_comment;
    components.push({ recurrenceId: key, attendees: own, comment: own_comment });
  }
  const organizerProp = first.getFirstProperty('organizer') ?? comps.map((c) => c.getFirstProperty('organizer')).find((p) => p);
  return {
    method: method.toUpperCase(),
    uid,
    organizer: organizerProp ? addressOf(organizerProp) : null,
    attendees: [...attendees.values()],
    sequence: sequenceOf(first),
    recurrenceIds,
    comment,
    components,
  };
}

// ---- applying a reply ----

const PARTSTATS = new Set(['NEEDS-ACTION', 'ACCEPTED', 'DECLINED', 'TENTATIVE', 'DELEGATED', 'COMPLETED', 'IN-PROCESS']);

/**
 * How many instances of a series are walked to find the one a reply names (the steps are bounded
 * as in every expansion, DEFAULT_MAX_STEPS): an instance further on is answered 'not-found'.
 */
const MAX_INSTANCES_TO_ANSWER = 20_000;

/** The override of a series for one of its instances, made from the master (null when the id is no instance of it). */
function overrideFromMaster(master: ICAL.Component, key: string, r: TimeResolver): ICAL.Component | null {
  if (!master.hasProperty('rrule') && !master.hasProperty('rdate')) return null;
  const dtstart = master.getFirstPropertyValue('dtstart');
  if (!(dtstart instanceof ICAL.Time)) return null;
  const target = key.length === 8 ? Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, Number(key.slice(6, 8))) / 1000 : Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, Number(key.slice(6, 8)), Number(key.slice(9, 11)), Number(key.slice(11, 13)), Number(key.slice(13, 15))) / 1000;
  const expansion = expandInstances([master], r, { horizon: target + 2 * 86400, maxInstances: MAX_INSTANCES_TO_ANSWER, stopWhen: (i) => i.start !== null && i.start > target + 86400 });
  const tzid = tzidOf(master, 'dtstart');
  const inst = expansion.instances.find((i) => i.recurrenceId && recurrenceKey(i.recurrenceId, tzid, r) === key);
  if (!inst || !inst.recurrenceId) return null;
  const rid = inst.recurrenceId;
  const copy = new ICAL.Component(JSON.parse(JSON.stringify(master.toJSON())) as ConstructorParameters<typeof ICAL.Component>[0]);
  for (const name of ['rrule', 'rdate', 'exdate', 'exrule']) copy.removeAllProperties(name);
  const ridProp = new ICAL.Property('recurrence-id');
  ridProp.setValue(rid.clone());
  if (tzid) ridProp.setParameter('tzid', tzid);
  copy.addProperty(ridProp);
  const start = copy.getFirstProperty('dtstart');
  const end = copy.getFirstProperty('dtend') ?? copy.getFirstProperty('due');
  const endValue = end?.getFirstValue();
  if (end && endValue instanceof ICAL.Time) {
    const length = endValue.subtractDate(dtstart);
    const newEnd = rid.clone();
    newEnd.addDuration(length);
    end.setValue(newEnd);
  }
  start?.setValue(rid.clone());
  return copy;
}

/** The organizer's copy with the attendee's PARTSTAT (and COMMENT when given) taken from a REPLY:
 *  in the components the reply names (master when it has no RECURRENCE-ID; an override it names
 *  that does not exist is created from the master only if simple, else the master gets it);
 *  RSVP=FALSE dropped; error when the attendee is not in the object or UIDs differ.
 *  A RECURRENCE-ID that is no instance of the series is refused ('not-found'), not given to the
 *  master: declining one instance must not decline them all.
 *  Errors: 'unreadable', 'bad-partstat', 'uid-mismatch', 'not-attendee', 'not-found' (the
 *  RECURRENCE-ID is no instance of the series). Nothing to change: the text comes back as given. */
export function applyReply(
  organizerText: string,
  reply: { attendee: string; partstat: string; comment?: string | null; recurrenceId?: string | null },
): { text: string } | { error: string } {
  let root: ICAL.Component;
  try {
    root = parseCalendarText(organizerText);
  } catch {
    return { error: 'unreadable' };
  }
  const partstat = reply.partstat.trim().toUpperCase();
  if (!PARTSTATS.has(partstat) && !/^X-[A-Z0-9-]+$/.test(partstat)) return { error: 'bad-partstat' };
  const who = reply.attendee.trim().toLowerCase();
  const comps = objectComponents(root);
  const uids = new Set(comps.map((c) => textValue(c, 'uid')));
  if (uids.size !== 1) return { error: 'uid-mismatch' };
  const listed = (c: ICAL.Component) => c.getAllProperties('attendee').filter((p) => addressOf(p) === who);
  if (!comps.some((c) => listed(c).length)) return { error: 'not-attendee' };
  const r = new TimeResolver(undefined);
  const master = masterOf(comps);

  // The components the answer goes to: the instance a RECURRENCE-ID names (its override, made
  // from the master when the series has that instance and no override yet); without one the
  // master, and the overrides where the attendee's answer was the series' (an instance answered
  // apart keeps its answer); an attendee only some overrides list answers in those.
  let targets: ICAL.Component[];
  let changed = false;
  if (reply.recurrenceId) {
    const key = normalizeKey(reply.recurrenceId);
    if (!key) return { error: 'not-found' };
    let target = comps.find((c) => {
      try {
        return componentKey(c, r) === key;
      } catch {
        return false;
      }
    });
    if (!target && master) {
      if (!master.hasProperty('rrule') && !master.hasProperty('rdate')) target = master;
      else {
        let made: ICAL.Component | null;
        try {
          made = overrideFromMaster(master, key, r);
        } catch {
          made = null;
        }
        if (!made) return { error: 'not-found' };
        if (!listed(made).length) return { error: 'not-attendee' };
        root.addSubcomponent(made);
        changed = true;
        target = made;
      }
    }
    if (!target) return { error: 'not-found' };
    targets = [target];
  } else if (master && listed(master).length) {
    const before = partstatOf(listed(master)[0]!);
    targets = [master, ...comps.filter((c) => c !== master && listed(c).some((p) => partstatOf(p) === before))];
  } else {
    targets = comps.filter((c) => listed(c).length);
  }
  const first = targets[0];
  if (!first || !listed(first).length) return { error: 'not-attendee' };

  for (const p of targets.flatMap(listed)) {
    if (stringParam(p, 'partstat') !== partstat) {
      p.setParameter('partstat', partstat);
      changed = true;
    }
    // RSVP asked for this answer; it has come (RSVP=FALSE is the default, so the parameter goes).
    if (p.getParameter('rsvp') !== undefined) {
      p.removeParameter('rsvp');
      changed = true;
    }
  }
  if (reply.comment !== undefined) {
    // One COMMENT per answering attendee, marked with who said it, so that answers do not
    // overwrite each other; an answer without a comment takes the earlier one back.
    const mine = first.getAllProperties('comment').filter((p) => mailtoAddress(stringParam(p, ATTENDEE_COMMENT_PARAM)) === who);
    const wantedComment = reply.comment ?? '';
    const current = mine.length === 1 ? String(mine[0]!.getFirstValue() ?? '') : null;
    if (wantedComment === '' ? mine.length > 0 : current !== wantedComment) {
      for (const p of mine) first.removeProperty(p);
      if (wantedComment !== '') {
        const p = new ICAL.Property('comment');
        p.setValue(wantedComment);
        p.setParameter(ATTENDEE_COMMENT_PARAM, `mailto:${who}`);
        first.addProperty(p);
      }
      changed = true;
    }
  }
  return { text: changed ? serializeCalendar(root) : organizerText };
}

// ---- summary ----

/** The IANA name of a TZID: as is when it is one; else the IANA name at the end of a path (Mozilla's "/mozilla.org/20050126_1/Europe/Berlin") or in X-LIC-LOCATION. */
function ianaZone(tzid: string, root: ICAL.Component): string {
  if (isIanaZone(tzid)) return tzid;
  const vtz = root.getAllSubcomponents('vtimezone').find((z) => z.getFirstPropertyValue('tzid') === tzid);
  const location = vtz ? textValue(vtz, 'x-lic-location') : null;
  if (location && isIanaZone(location)) return location;
  const segments = tzid.split('/').filter((s) => s);
  for (let i = Math.max(0, segments.length - 3); i < segments.length - 1; i++) {
    const candidate = segments.slice(i).join('/');
    if (isIanaZone(candidate)) return candidate;
  }
  return tzid;
}

function iso(epoch: number): string {
  return new Date(epoch * 1000).toISOString();
}

/** What a person needs to see (mail bodies, answer page). Null when the text holds no event or task, or does not parse. */
export function eventSummary(text: string): EventSummary | null {
  let root: ICAL.Component;
  try {
    root = parseCalendarText(text);
  } catch {
    return null;
  }
  const comps = objectComponents(root);
  const events = comps.filter((c) => c.name === 'vevent');
  const pool = events.length ? events : comps;
  const c = masterOf(pool) ?? pool[0];
  if (!c) return null;
  const uid = textValue(c, 'uid');
  if (!uid) return null;
  const r = new TimeResolver(undefined);
  let start: number | null = null;
  let end: number | null = null;
  try {
    const times = instanceTimes({ component: c, shift: 0, start: null, recurrenceId: null, isOverride: false }, r);
    const span = eventSpan(times);
    start = span?.start ?? times.dtstart ?? times.due;
    end = span?.end ?? times.due ?? start;
  } catch {
    start = null;
  }
  if (start === null || end === null) return null;
  const dtstart = c.getFirstPropertyValue('dtstart') ?? c.getFirstPropertyValue('due');
  const allDay = dtstart instanceof ICAL.Time && dtstart.isDate;
  const tzid = tzidOf(c, 'dtstart') ?? (c.hasProperty('dtstart') ? null : tzidOf(c, 'due'));
  let zone: string | null = null;
  if (!allDay && dtstart instanceof ICAL.Time) {
    if (tzid) zone = ianaZone(tzid, root);
    else if (dtstart.zone === ICAL.Timezone.utcTimezone) zone = 'UTC';
  }
  const organizerProp = c.getFirstProperty('organizer');
  const organizerEmail = organizerProp ? addressOf(organizerProp) : null;
  const rrule = c.getFirstPropertyValue('rrule');
  return {
    uid,
    summary: textValue(c, 'summary') ?? '',
    location: textValue(c, 'location'),
    description: textValue(c, 'description'),
    url: textValue(c, 'url'),
    organizer: organizerProp && organizerEmail ? { email: organizerEmail, name: stringParam(organizerProp, 'cn') } : null,
    attendees: c
      .getAllProperties('attendee')
      .map((p) => ({ email: addressOf(p), name: stringParam(p, 'cn'), partstat: partstatOf(p), role: stringParam(p, 'role')?.toUpperCase() ?? null }))
      .filter((a): a is { email: string; name: string | null; partstat: string; role: string | null } => a.email !== null),
    start: iso(start),
    end: iso(end),
    allDay,
    zone,
    recurrence: rrule instanceof ICAL.Recur ? rrule.toString() : null,
    sequence: sequenceOf(c),
    status: textValue(c, 'status')?.toUpperCase() ?? null,
  };
}
