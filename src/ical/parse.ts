// Parsing and validating one calendar object resource (RFC 4791 §4.1). ical.js accepts some
// garbage (an empty body, a mismatched END, two VCALENDARs) and reads values lazily, so this
// module checks the structure itself and reads every date it will rely on.
import ICAL from 'ical.js';
import { isIanaZone, MAX_DURATION_DAYS, MAX_DURATION_SECONDS, MAX_INSTANT } from './time.ts';
import { findValueSyntaxProblem } from './valueSyntax.ts';
import { cutZoneBlocks, useSharedZones, useZones } from './zoneCache.ts';

export type IcalComponentType = 'VEVENT' | 'VTODO' | 'VJOURNAL';

/** Which CalDAV precondition a failure maps to (RFC 4791 §5.3.2). */
export type IcalFailure = 'valid-calendar-data' | 'valid-calendar-object-resource' | 'supported-calendar-component' | 'valid-timezone';

export class IcalError extends Error {
  constructor(
    readonly failure: IcalFailure,
    message: string,
  ) {
    super(message);
    this.name = 'IcalError';
  }
}

export interface ParsedObject {
  /** The text as received (decoded UTF-8, BOM removed). */
  text: string;
  root: ICAL.Component;
  componentType: IcalComponentType;
  uid: string;
  /** The VEVENT/VTODO/VJOURNAL components: the master (if any) and its overrides. */
  components: ICAL.Component[];
}

const decoder = new TextDecoder('utf-8', { fatal: true });

const invalidData = (m: string) => new IcalError('valid-calendar-data', m);
const invalidObject = (m: string) => new IcalError('valid-calendar-object-resource', m);

/** Decodes bytes as UTF-8 (strictly) and drops a byte-order mark. */
export function decodeCalendarText(body: Uint8Array | string): string {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      text = decoder.decode(body);
    } catch {
      throw invalidData('the body is not valid UTF-8');
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Unfolds content lines (RFC 5545 §3.1), tolerating bare LF line ends. */
export function contentLines(text: string): string[] {
  return text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
}

/** Checks BEGIN/END nesting and that there is exactly one VCALENDAR and nothing around it. */
function checkStructure(text: string): void {
  const stack: string[] = [];
  let roots = 0;
  let lineNo = 0;
  for (const raw of contentLines(text)) {
    lineNo++;
    if (raw.trim() === '') {
      if (stack.length) throw invalidData(`line ${lineNo}: empty line inside a component`);
      continue;
    }
    if (!raw.includes(':')) throw invalidData(`line ${lineNo}: not a content line (no ":")`);
    const m = /^(BEGIN|END):([^;:]*)$/i.exec(raw.trimEnd());
    if (!m) {
      if (!stack.length) throw invalidData(`line ${lineNo}: content outside BEGIN:VCALENDAR … END:VCALENDAR`);
      continue;
    }
    const name = (m[2] ?? '').trim().toUpperCase();
    if (!name) throw invalidData(`line ${lineNo}: ${m[1]} without a component name`);
    if ((m[1] ?? '').toUpperCase() === 'BEGIN') {
      if (!stack.length) {
        roots++;
        if (name !== 'VCALENDAR') throw invalidData(`line ${lineNo}: the object must start with BEGIN:VCALENDAR`);
        if (roots > 1) throw invalidData('the body holds more than one VCALENDAR');
      }
      stack.push(name);
    } else {
      const open = stack.pop();
      if (open !== name) {
        throw invalidData(`line ${lineNo}: END:${name} does not close ${open ? `BEGIN:${open}` : 'anything'}`);
      }
    }
  }
  if (stack.length) throw invalidData(`BEGIN:${stack[stack.length - 1]} is never closed`);
  if (roots === 0) throw invalidData('the body holds no VCALENDAR');
}

/** Parses iCalendar text into the root VCALENDAR, checking structure; throws IcalError. */
export function parseCalendarText(text: string): ICAL.Component {
  if (text.trim() === '') throw invalidData('the body is empty');
  checkStructure(text);
  return parseCheckedText(text);
}

/** ical.js's parse of a text whose BEGIN/END structure is known to be sound. */
function parseCheckedText(text: string): ICAL.Component {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text);
  } catch (e) {
    throw invalidData(`unreadable iCalendar: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(jcal) || jcal.length === 0 || Array.isArray(jcal[0])) {
    throw invalidData('the body must hold exactly one VCALENDAR');
  }
  const root = new ICAL.Component(jcal as unknown[] as ConstructorParameters<typeof ICAL.Component>[0]);
  if (root.name !== 'vcalendar') throw invalidData('the object must be a VCALENDAR');
  useSharedZones(root);
  return root;
}

/**
 * Parses a stored object to read it (the web views): as parseCalendarText, but its VTIMEZONE
 * blocks are not parsed: each is resolved from the zones cached by the block's exact text
 * (src/ical/zoneCache.ts). The root has no VTIMEZONE subcomponents; its times are read in the
 * same zones. Not for validation or for writing the object back.
 */
export function parseStoredCalendarText(text: string): ICAL.Component {
  const cut = cutZoneBlocks(text);
  if (!cut) return parseCalendarText(text);
  // A stored object's structure was checked when it was written (parseCalendarObject); cutting
  // whole VTIMEZONE blocks out of it keeps every other BEGIN and END paired.
  const root = parseCheckedText(cut.rest);
  useZones(root, cut.zones);
  return root;
}

const OBJECT_TYPES = new Set(['vevent', 'vtodo', 'vjournal']);
const ALLOWED_TOP = new Set(['vevent', 'vtodo', 'vjournal', 'vtimezone', 'vfreebusy', 'vavailability']);

/** Reads a property's value, turning ical.js's lazy decoding errors into IcalError. */
function readValue(comp: ICAL.Component, name: string): unknown {
  try {
    return comp.getFirstPropertyValue(name);
  } catch (e) {
    throw invalidData(`${name.toUpperCase()} is unreadable: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A date or date-time ical.js and the index can hold: years 1 to 9999, fields in range. */
function validTime(v: unknown): v is ICAL.Time {
  return (
    v instanceof ICAL.Time &&
    Number.isInteger(v.year) &&
    v.year >= 1 &&
    v.year <= 9999 &&
    v.month >= 1 &&
    v.month <= 12 &&
    v.day >= 1 &&
    v.day <= 31 &&
    v.hour <= 23 &&
    v.minute <= 59 &&
    v.second <= 60 &&
    !Number.isNaN(v.toUnixTime())
  );
}

function checkTime(comp: ICAL.Component, name: string, required: boolean): void {
  const prop = comp.getFirstProperty(name);
  if (!prop) {
    if (required) throw invalidObject(`${comp.name.toUpperCase()} needs ${name.toUpperCase()}`);
    return;
  }
  if (!validTime(readValue(comp, name))) {
    throw invalidData(`${name.toUpperCase()} is not a valid date or date-time (years 1 to 9999)`);
  }
}

const FREQS = new Set(['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);
/** Seconds in one period of each frequency (months and years on average). */
const PERIOD_SECONDS: Record<string, number> = {
  SECONDLY: 1,
  MINUTELY: 60,
  HOURLY: 3600,
  DAILY: 86400,
  WEEKLY: 7 * 86400,
  MONTHLY: 2_629_746,
  YEARLY: 31_556_952,
};
/** One step of a rule may span at most this long: beyond it the series is its first instance, and ical.js walks the gap month by month. */
const MAX_STEP_SECONDS = 1000 * 31_556_952;
/** UIDs are indexed (varchar(255)); RFC 5545 sets no limit, clients use well under 100 characters. */
export const MAX_UID_LENGTH = 255;

/**
 * Throws when a duration (RFC 5545 §3.3.6) is longer than MAX_DURATION_DAYS, either way; `what`
 * names it as written. A longer one ends outside the years 1 to 9999 wherever it starts, its
 * instants leave what a JavaScript date can hold, and ical.js, adding it to a date, walks it
 * month by month (P999999999999999999W never ends).
 */
function checkDurationLength(d: ICAL.Duration, what: string): void {
  const seconds = d.toSeconds();
  if (Number.isFinite(seconds) && Math.abs(seconds) <= MAX_DURATION_SECONDS) return;
  throw invalidData(`${what}: the duration is out of range: a duration may be at most ${MAX_DURATION_DAYS} days (P${MAX_DURATION_DAYS}D, the span of the years 1 to 9999)`);
}

/** A property as written (its value before ical.js reads it), for messages. */
function written(prop: ICAL.Property): string {
  const raw: unknown = prop.jCal[3];
  return `${prop.name.toUpperCase()}:${typeof raw === 'string' ? raw : JSON.stringify(raw)}`;
}

/** The duration of the i-th period of a PERIOD property as written (jCal keeps it unread). */
function periodDurationAsWritten(prop: ICAL.Property, i: number): string | null {
  const raw: unknown = prop.jCal[3 + i];
  return Array.isArray(raw) && typeof raw[1] === 'string' ? raw[1] : null;
}

/**
 * A time's wall clock as seconds since 1970 (as if in UTC), which is what the years 1 to 9999 bound,
 * as for DTEND. (ical.js's toUnixTime reads the years 1 to 99 as 1901 to 1999.)
 */
function wallClockSeconds(t: ICAL.Time): number {
  const d = new Date(0);
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.isDate ? 0 : t.hour, t.isDate ? 0 : t.minute, t.isDate ? 0 : t.second);
  return d.getTime() / 1000;
}

/**
 * DURATION of an event, task or journal: a duration no longer than MAX_DURATION_DAYS, and, from
 * DTSTART, an end within the years 1 to 9999 (on DTSTART's wall clock), as DTEND must be. A negative or zero one is kept:
 * RFC 5545 §3.8.2.5 asks for a positive duration, but it has one reading (no length), as a DTEND
 * before DTSTART has, and both are read so.
 */
function checkComponentDuration(c: ICAL.Component): void {
  const prop = c.getFirstProperty('duration');
  if (!prop) return;
  const d = readValue(c, 'duration');
  if (!(d instanceof ICAL.Duration)) throw invalidData('DURATION is not a valid duration');
  checkDurationLength(d, written(prop));
  const start = c.getFirstPropertyValue('dtstart');
  if (start instanceof ICAL.Time && wallClockSeconds(start) + d.toSeconds() > MAX_INSTANT) {
    throw invalidData(`${written(prop)}: the duration is out of range: from DTSTART it ends after the year 9999`);
  }
}

/** The durations of an alarm (RFC 5545 §3.6.6): a relative TRIGGER and the interval between repetitions. */
function checkAlarmDurations(alarm: ICAL.Component): void {
  for (const name of ['trigger', 'duration']) {
    for (const prop of alarm.getAllProperties(name)) {
      let v: unknown;
      try {
        v = prop.getFirstValue();
      } catch (e) {
        throw invalidData(`${name.toUpperCase()} is unreadable: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (v instanceof ICAL.Duration) checkDurationLength(v, written(prop));
    }
  }
}

function checkRecurrence(comp: ICAL.Component): void {
  for (const prop of comp.getAllProperties('rrule')) {
    let rule: unknown;
    try {
      rule = prop.getFirstValue();
    } catch (e) {
      throw invalidData(`RRULE is unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!(rule instanceof ICAL.Recur) || !rule.freq || !FREQS.has(rule.freq)) {
      throw invalidData('RRULE needs a valid FREQ');
    }
    if (rule.interval !== undefined && (!Number.isInteger(rule.interval) || rule.interval < 1)) {
      throw invalidData('RRULE INTERVAL must be a positive integer');
    }
    if ((rule.interval ?? 1) * (PERIOD_SECONDS[rule.freq] ?? 1) > MAX_STEP_SECONDS) {
      throw invalidData('RRULE INTERVAL is too large: one step may span at most 1000 years');
    }
    if (rule.count !== null && rule.count !== undefined && (!Number.isInteger(rule.count) || rule.count < 1)) {
      throw invalidData('RRULE COUNT must be a positive integer');
    }
    if (rule.until && !validTime(rule.until)) throw invalidData('RRULE UNTIL is not a valid date (years 1 to 9999)');
  }
  for (const name of ['rdate', 'exdate', 'recurrence-id']) {
    for (const prop of comp.getAllProperties(name)) {
      try {
        for (const [i, v] of prop.getValues().entries()) {
          const t = v instanceof ICAL.Period ? v.start : v;
          if (t instanceof ICAL.Time && !validTime(t)) throw new Error('not a valid date (years 1 to 9999)');
          // Before its end is computed: ical.js adds a duration month by month.
          if (v instanceof ICAL.Period && v.duration) checkDurationLength(v.duration, `${name.toUpperCase()} period ${v.start.toICALString()}/${periodDurationAsWritten(prop, i) ?? v.duration.toString()}`);
          // A period's end (given, or its start plus its duration) bounds its instance: it must be a date too.
          if (v instanceof ICAL.Period && !validTime(v.getEnd())) throw new Error('a period must end in the years 1 to 9999');
        }
      } catch (e) {
        if (e instanceof IcalError) throw e;
        throw invalidData(`${name.toUpperCase()} is unreadable: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}

/**
 * A calendar-timezone property or a query's CALDAV:timezone (RFC 4791 §5.2.2, §9.8): a VCALENDAR
 * whose only component is one VTIMEZONE ical.js can use. Returns its TZID.
 */
export function parseTimezoneCalendar(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) > maxBytes) throw invalidData(`a time zone may be at most ${maxBytes} bytes`);
  const root = parseCalendarText(text.trim());
  const comps = root.getAllSubcomponents();
  const tz = comps[0];
  if (comps.length !== 1 || !tz || tz.name !== 'vtimezone') throw invalidData('a VCALENDAR holding one VTIMEZONE and nothing else is needed');
  checkTimezone(tz);
  return String(tz.getFirstPropertyValue('tzid'));
}

/**
 * Every TZID must be defined by a VTIMEZONE in the object (RFC 5545 §3.2.19) or be a time zone
 * this server knows (an IANA name, which RFC 7809 lets clients leave out). Otherwise the times
 * cannot be read: CALDAV:valid-timezone (RFC 7809 §7.1).
 */
function checkTimezonesKnown(root: ICAL.Component, components: ICAL.Component[]): void {
  const defined = new Set(root.getAllSubcomponents('vtimezone').map((tz) => String(tz.getFirstPropertyValue('tzid'))));
  const visit = (c: ICAL.Component) => {
    for (const p of c.getAllProperties()) {
      const tzid = p.getParameter('tzid');
      if (typeof tzid === 'string' && !defined.has(tzid) && !isIanaZone(tzid)) {
        throw new IcalError('valid-timezone', `TZID ${tzid} has no VTIMEZONE in the object and is no time zone this server knows`);
      }
    }
    for (const sub of c.getAllSubcomponents()) visit(sub);
  };
  for (const c of components) visit(c);
}

/** A VTIMEZONE ical.js can use: a TZID, and observances with readable onsets, offsets and rules. */
export function checkTimezone(tz: ICAL.Component): void {
  if (typeof readValue(tz, 'tzid') !== 'string') throw invalidData('VTIMEZONE needs a TZID');
  const observances = tz.getAllSubcomponents().filter((o) => o.name === 'standard' || o.name === 'daylight');
  if (!observances.length) throw invalidData('VTIMEZONE needs a STANDARD or DAYLIGHT component');
  for (const o of observances) {
    checkTime(o, 'dtstart', true);
    for (const name of ['tzoffsetfrom', 'tzoffsetto']) {
      if (!(readValue(o, name) instanceof ICAL.UtcOffset)) throw invalidData(`VTIMEZONE ${name.toUpperCase()} is not a UTC offset`);
    }
    checkRecurrence(o);
  }
}

/**
 * Validates a calendar object resource: one VCALENDAR holding components of one type (plus
 * VTIMEZONEs), all with one UID, at most one master and distinct RECURRENCE-IDs, readable dates and
 * rules. Throws IcalError naming the CalDAV precondition.
 */
export function parseCalendarObject(body: Uint8Array | string): ParsedObject {
  const text = decodeCalendarText(body);
  // RFC 5545 allows no control characters but HTAB in values (PostgreSQL text cannot hold U+0000,
  // and XML, which carries calendar data in REPORTs, none of them).
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (control) throw invalidData(`the object contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  // Before ical.js reads any value: it reads a malformed date as another one, or echoes it garbled.
  const syntax = findValueSyntaxProblem(contentLines(text));
  if (syntax) throw invalidData(`"${syntax.line}": ${syntax.reason}`);
  const root = parseCalendarText(text);

  if (root.getFirstProperty('method')) {
    throw invalidObject('calendar object resources must not contain METHOD (RFC 4791 §4.1)');
  }
  const subs = root.getAllSubcomponents();
  for (const s of subs) {
    if (!ALLOWED_TOP.has(s.name) && !s.name.startsWith('x-')) {
      throw invalidObject(`${s.name.toUpperCase()} cannot be stored in a calendar`);
    }
  }
  // Before any time is converted: a broken VTIMEZONE fails deep inside ical.js otherwise.
  for (const tz of root.getAllSubcomponents('vtimezone')) checkTimezone(tz);
  const components = subs.filter((s) => OBJECT_TYPES.has(s.name));
  const others = subs.filter((s) => s.name === 'vfreebusy' || s.name === 'vavailability');
  if (components.length === 0) {
    if (others.length) {
      throw new IcalError('supported-calendar-component', `${others[0]!.name.toUpperCase()} is not supported here`);
    }
    throw invalidObject('the object holds no VEVENT, VTODO or VJOURNAL');
  }
  const type = components[0]!.name;
  if (components.some((c) => c.name !== type) || others.length) {
    throw invalidObject('one object may hold components of one type only');
  }
  const uids = new Set<string>();
  for (const c of components) {
    const uid = readValue(c, 'uid');
    if (typeof uid !== 'string' || uid.trim() === '') throw invalidObject(`${type.toUpperCase()} needs a UID`);
    if (uid.length > MAX_UID_LENGTH) throw invalidObject(`the UID is longer than ${MAX_UID_LENGTH} characters`);
    uids.add(uid);
  }
  if (uids.size !== 1) throw invalidObject('all components of one object must share one UID');

  const seen = new Set<string>();
  let masters = 0;
  for (const c of components) {
    checkTime(c, 'dtstart', type === 'vevent');
    if (c.getFirstProperty('dtend') && c.getFirstProperty('duration')) {
      throw invalidObject(`${type.toUpperCase()} must not have both DTEND and DURATION`);
    }
    if (c.getFirstProperty('due') && c.getFirstProperty('duration')) {
      throw invalidObject('VTODO must not have both DUE and DURATION');
    }
    for (const name of ['dtend', 'due', 'completed', 'created']) checkTime(c, name, false);
    checkComponentDuration(c);
    for (const alarm of c.getAllSubcomponents('valarm')) checkAlarmDurations(alarm);
    checkRecurrence(c);
    const rid = c.getFirstProperty('recurrence-id');
    if (!rid) {
      masters++;
      continue;
    }
    checkTime(c, 'recurrence-id', false);
    const key = (readValue(c, 'recurrence-id') as ICAL.Time).toUnixTime().toString();
    if (seen.has(key)) throw invalidObject('two components share one RECURRENCE-ID');
    seen.add(key);
  }
  if (masters > 1) throw invalidObject('only one component may be without RECURRENCE-ID');
  checkTimezonesKnown(root, components);
  return {
    text,
    root,
    componentType: type.toUpperCase() as IcalComponentType,
    uid: [...uids][0] as string,
    components,
  };
}
