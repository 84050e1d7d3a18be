// Merging calendar objects into one VCALENDAR for export and feeds. Works on the stored text (the
// objects were validated when written): components keep their content, each VTIMEZONE appears
// once, lines end in CRLF and are folded at 75 octets (RFC 5545 §3.1).

export interface CalendarHeader {
  prodId: string;
  /** Extra VCALENDAR properties, already formatted as content lines (e.g. X-WR-CALNAME:Work). */
  properties: string[];
}

const encoder = new TextEncoder();

/** Folds one logical line into lines of at most 75 octets, never splitting a UTF-8 character. */
export function foldLine(line: string): string {
  // A UTF-16 code unit is at most 3 UTF-8 octets: short lines need no counting.
  if (line.length <= 25) return line;
  const bytes = Buffer.byteLength(line, 'utf8');
  if (bytes <= 75) return line;
  if (bytes === line.length) {
    // ASCII: cut by position.
    const parts = [line.slice(0, 75)];
    for (let i = 75; i < line.length; i += 74) parts.push(` ${line.slice(i, i + 74)}`);
    return parts.join('\r\n');
  }
  const out: string[] = [];
  let current = '';
  let currentBytes = 0;
  let limit = 75;
  for (const ch of line) {
    const n = ch.length === 2 ? 4 : encoder.encode(ch).length;
    if (currentBytes + n > limit) {
      out.push(current);
      current = ' ';
      currentBytes = 1;
      limit = 75;
    }
    current += ch;
    currentBytes += n;
  }
  out.push(current);
  return out.join('\r\n');
}

/** Escapes a TEXT value (RFC 5545 §3.3.11). */
export function escapeText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** The top-level components of one object's text, each as its unfolded lines. */
export function topLevelComponents(text: string): { name: string; lines: string[] }[] {
  const lines = text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const out: { name: string; lines: string[] }[] = [];
  let depth = 0;
  let current: { name: string; lines: string[] } | null = null;
  for (const line of lines) {
    if (line === '') continue;
    const c0 = line.charCodeAt(0) | 0x20; // lower-cased first letter
    const begin = c0 === 0x62 ? /^BEGIN:(.+)$/i.exec(line) : null;
    const end = c0 === 0x65 ? /^END:(.+)$/i.exec(line) : null;
    if (begin) {
      depth++;
      if (depth === 2) current = { name: (begin[1] ?? '').trim().toUpperCase(), lines: [] };
    }
    if (current && depth >= 2) current.lines.push(line);
    if (end) {
      if (depth === 2 && current) {
        out.push(current);
        current = null;
      }
      depth--;
    }
  }
  return out;
}

function tzidOf(lines: string[]): string {
  const l = lines.find((x) => /^TZID[;:]/i.test(x));
  return l ? l.slice(l.indexOf(':') + 1).trim() : '';
}

/**
 * Streaming merger: `begin` gives the header, `add` the chunk for one object (its VTIMEZONEs not
 * seen before, then its components), `end` the footer. RFC 5545 lets VTIMEZONEs sit anywhere in
 * the VCALENDAR, so nothing has to be held back.
 */
export class CalendarMerger {
  private readonly zones = new Set<string>();

  begin(header: CalendarHeader): string {
    return lines(['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${header.prodId}`, 'CALSCALE:GREGORIAN', ...header.properties]);
  }

  /** The chunk for one object; `componentType` (VEVENT…) keeps only that type when given. */
  add(text: string, componentType?: string): string {
    const out: string[] = [];
    for (const c of topLevelComponents(text)) {
      if (c.name === 'VTIMEZONE') {
        const id = tzidOf(c.lines);
        if (this.zones.has(id)) continue;
        this.zones.add(id);
        out.push(...c.lines);
      } else if (!componentType || c.name === componentType) {
        out.push(...c.lines);
      }
    }
    return lines(out);
  }

  end(): string {
    return 'END:VCALENDAR\r\n';
  }
}

function lines(ls: string[]): string {
  return ls.length ? `${ls.map(foldLine).join('\r\n')}\r\n` : '';
}

/** Merges whole objects at once (small calendars, tests). */
export function mergeCalendars(texts: string[], header: CalendarHeader, componentType?: string): string {
  const m = new CalendarMerger();
  return m.begin(header) + texts.map((t) => m.add(t, componentType)).join('') + m.end();
}
