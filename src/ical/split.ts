// An .ics file split into calendar objects without rewriting a byte of them: each object is the
// file's own content lines (folds kept), so what is stored is what was sent, and a value the
// server cannot read is refused by the write path's checks rather than "repaired" by a
// serialiser. One pass over the lines; the grouping is by UID (a series and its overridden
// instances together, RFC 4791 §4.1), with the VTIMEZONEs each object refers to.
import { IcalError } from './parse.ts';

/** One calendar object: its components' lines and the TZIDs it needs from the file. */
export interface SplitObject {
  uid: string;
  /** The SUMMARY of its master (or first component), for the report. */
  summary: string | null;
  /** TZIDs the object uses that a VTIMEZONE of the file defines, in the file's order. */
  zones: string[];
  /** The components' content lines as in the file, CRLF between them. */
  body: string;
}

export interface SplitRefusal {
  uid: string | null;
  summary: string | null;
  reason: string;
}

/**
 * The pieces objects are assembled from (objectText): the calendar's own lines are sent once,
 * not once per object, so a large VTIMEZONE used by every object costs its size once.
 */
export interface SplitFile {
  /** BEGIN:VCALENDAR and the VERSION, PRODID and CALSCALE lines. */
  head: string;
  foot: string;
  zones: Map<string, string>;
  objects: SplitObject[];
  refused: SplitRefusal[];
}

const OBJECT_KINDS = new Set(['VEVENT', 'VTODO', 'VJOURNAL']);
const KEPT_HEADER = new Set(['VERSION', 'PRODID', 'CALSCALE']);

const unreadable = (m: string) => new IcalError('valid-calendar-data', m);

/** A physical line that continues the one before it (RFC 5545 §3.1). */
const isFold = (l: string) => l.charCodeAt(0) === 0x20 || l.charCodeAt(0) === 0x09;

/** RFC 5545 §3.3.11 TEXT unescaped (UIDs and summaries compare and show as ical.js reads them). */
const unescapeText = (v: string) => v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

interface Line {
  /** Upper case. */
  name: string;
  params: string;
  value: string;
}

const isNameChar = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;

/** A content line's name, parameters and value (the value starts at the first ':' outside quotes). */
function parseLine(line: string): Line | null {
  let n = 0;
  while (n < line.length && isNameChar(line.charCodeAt(n))) n++;
  if (n === 0) return null;
  let quoted = false;
  for (let i = n; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (c === 0x3a && !quoted) return { name: line.slice(0, n).toUpperCase(), params: line.slice(n, i), value: line.slice(i + 1) };
  }
  return null;
}

/** The TZID parameter's value, if the line has one. */
function tzidOf(params: string): string | null {
  if (!/;TZID=/i.test(params)) return null;
  let quoted = false;
  let start = 0;
  for (let i = 0; i <= params.length; i++) {
    const c = params.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (i === params.length || (c === 0x3b && !quoted)) {
      const p = params.slice(start, i);
      start = i + 1;
      const m = /^TZID=(.*)$/is.exec(p);
      if (m) {
        const v = m[1] as string;
        return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
      }
    }
  }
  return null;
}

interface Component {
  name: string;
  /** Physical line indexes, first and last (inclusive). */
  from: number;
  to: number;
  uid: string | null;
  summary: string | null;
  recurrenceId: boolean;
  tzids: Set<string>;
}

/**
 * Splits the text of an .ics file. The file as a whole is refused (IcalError) only when its
 * structure cannot be read: no VCALENDAR, content outside it, unbalanced BEGIN/END, or a second
 * VCALENDAR. Components without a UID, of a kind no calendar holds, and those past `maxObjects`
 * are refused by name; everything else is left to the write path's checks.
 */
export function splitIcs(text: string, maxObjects: number, prodId: string): SplitFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw unreadable('the file is empty');
  const physical = body.split(/\r?\n/);
  const header: string[] = [];
  const components: Component[] = [];
  const stack: string[] = [];
  let head: string | null = null;
  let foot: string | null = null;
  let current: Component | null = null;

  for (let i = 0; i < physical.length; ) {
    // One logical line: this physical line and the folded ones after it (RFC 5545 §3.1).
    const first = i;
    let line = physical[i] as string;
    i++;
    while (i < physical.length && isFold(physical[i] as string)) line += (physical[i++] as string).slice(1);
    const last = i - 1;
    const lineNo = first + 1;
    const depth = stack.length;
    if (line.length === 0 || (isFold(line) && line.trim() === '')) {
      // Blank lines between components belong to no object; inside one, the object's checks see them.
      continue;
    }
    const parsed = parseLine(line);
    const marker = parsed && (parsed.name === 'BEGIN' || parsed.name === 'END') && parsed.params === '' ? parsed.value.trim().toUpperCase() : null;
    if (depth === 0) {
      if (marker === null || parsed?.name !== 'BEGIN' || marker !== 'VCALENDAR') throw unreadable(`line ${lineNo}: content outside BEGIN:VCALENDAR … END:VCALENDAR`);
      if (foot !== null) throw unreadable(`line ${lineNo}: the file holds more than one VCALENDAR`);
      head = physical.slice(first, last + 1).join('\r\n');
      stack.push('VCALENDAR');
      continue;
    }
    if (marker !== null && marker === '') throw unreadable(`line ${lineNo}: ${parsed?.name} without a component name`);
    if (marker !== null && parsed?.name === 'BEGIN') {
      stack.push(marker);
      if (depth === 1) current = { name: marker, from: first, to: last, uid: null, summary: null, recurrenceId: false, tzids: new Set() };
      continue;
    }
    if (marker !== null) {
      const open = stack.pop();
      if (open !== marker) throw unreadable(`line ${lineNo}: END:${marker} does not close BEGIN:${open}`);
      if (depth === 1) foot = physical.slice(first, last + 1).join('\r\n');
      else if (depth === 2 && current) {
        current.to = last;
        components.push(current);
        current = null;
      }
      continue;
    }
    if (depth === 1) {
      if (!parsed) throw unreadable(`line ${lineNo}: not a content line`);
      // METHOD is not allowed in stored objects (RFC 4791 §4.1); calendar-wide X- properties have no place in one object.
      if (KEPT_HEADER.has(parsed.name)) header.push(physical.slice(first, last + 1).join('\r\n'));
      continue;
    }
    if (!current || !parsed) continue;
    if (current.name === 'VTIMEZONE') {
      if (depth === 2 && parsed.name === 'TZID' && current.uid === null) current.uid = unescapeText(parsed.value);
      continue;
    }
    if (depth === 2) {
      if (parsed.name === 'UID' && current.uid === null) current.uid = unescapeText(parsed.value).trim() === '' ? null : unescapeText(parsed.value);
      else if (parsed.name === 'SUMMARY' && current.summary === null) current.summary = unescapeText(parsed.value);
      else if (parsed.name === 'RECURRENCE-ID') current.recurrenceId = true;
    }
    const tzid = tzidOf(parsed.params);
    if (tzid !== null) current.tzids.add(tzid);
  }
  if (stack.length) throw unreadable(`BEGIN:${stack[stack.length - 1]} is never closed`);
  if (head === null || foot === null) throw unreadable('the file holds no VCALENDAR');

  const names = new Set(header.map((h) => parseLine(h)?.name));
  const headLines = [head, ...(names.has('VERSION') ? [] : ['VERSION:2.0']), ...(names.has('PRODID') ? [] : [`PRODID:${prodId}`]), ...header];

  const zones = new Map<string, string>();
  const groups = new Map<string, Component[]>();
  const refused: SplitRefusal[] = [];
  const linesOf = (c: Component) => physical.slice(c.from, c.to + 1).join('\r\n');
  for (const c of components) {
    if (c.name === 'VTIMEZONE') {
      if (c.uid !== null && !zones.has(c.uid)) zones.set(c.uid, linesOf(c));
    } else if (!OBJECT_KINDS.has(c.name)) {
      refused.push({ uid: c.uid, summary: c.summary, reason: `a ${c.name} is not an event, task or note` });
    } else if (c.uid === null) {
      refused.push({ uid: null, summary: c.summary, reason: `a ${c.name} without a UID` });
    } else {
      const group = groups.get(c.uid);
      if (group) group.push(c);
      else groups.set(c.uid, [c]);
    }
  }
  const zoneOrder = new Map([...zones.keys()].map((z, i) => [z, i]));
  const objects: SplitObject[] = [];
  for (const [uid, comps] of groups) {
    const master = comps.find((c) => !c.recurrenceId) ?? comps[0];
    const summary = master?.summary ?? comps.find((c) => c.summary !== null)?.summary ?? null;
    if (objects.length >= maxObjects) {
      refused.push({ uid, summary, reason: `more than ${maxObjects} objects in one import` });
      continue;
    }
    const used = new Set<string>();
    for (const c of comps) for (const z of c.tzids) used.add(z);
    const needed = [...used].filter((z) => zones.has(z)).sort((a, b) => (zoneOrder.get(a) ?? 0) - (zoneOrder.get(b) ?? 0));
    objects.push({ uid, summary, zones: needed, body: comps.map(linesOf).join('\r\n') });
  }
  return { head: headLines.join('\r\n'), foot, zones, objects, refused };
}

/** The text of one object: the calendar's lines, its time zones and its components. */
export function objectText(file: Pick<SplitFile, 'head' | 'foot' | 'zones'>, o: SplitObject): string {
  return [file.head, ...o.zones.map((z) => file.zones.get(z) as string), o.body, file.foot].join('\r\n') + '\r\n';
}
