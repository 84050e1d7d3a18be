// Merging calendar objects into one VCALENDAR for export and feeds. Works on the stored text (the
// objects were validated when written): components keep their content, each VTIMEZONE appears
// once, lines end in CRLF and are folded at 75 octets (RFC 5545 §3.1).

export interface CalendarHeader {
  prodId: string;
  /** Extra VCALENDAR properties, already formatted as content lines (e.g. X-WR-CALNAME:Work). */
  properties: string[];
}

/**
 * Folds one logical line into lines of at most 75 octets (RFC 5545 §3.1), never splitting a UTF-8
 * sequence. The octets are counted from the UTF-16 code units (a surrogate pair is one 4-octet
 * character, a lone surrogate is written as U+FFFD, 3 octets), so nothing is encoded, and a line
 * that fits is returned as it is.
 */
export function foldLine(line: string): string {
  const n = line.length;
  // A UTF-16 code unit is at most 3 UTF-8 octets: short lines need no counting.
  if (n <= 25) return line;
  let parts: string[] | null = null;
  let start = 0;
  let bytes = 0;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    let width = 3;
    let units = 1;
    if (c < 0x80) width = 1;
    else if (c < 0x800) width = 2;
    else if ((c & 0xfc00) === 0xd800 && i + 1 < n && (line.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      width = 4;
      units = 2;
    }
    if (bytes + width > 75) {
      (parts ??= []).push(line.slice(start, i));
      start = i;
      bytes = 1; // the space that starts a continuation line
    }
    bytes += width;
    i += units;
  }
  if (!parts) return line;
  parts.push(line.slice(start));
  return parts.join('\r\n ');
}

/** Whether text[from, to) is at most 75 UTF-8 octets (counted as in foldLine). */
function fitsLine(text: string, from: number, to: number): boolean {
  const n = to - from;
  if (n <= 25) return true;
  if (n > 75) return false;
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if ((c & 0xfc00) === 0xd800 && i + 1 < to && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > 75) return false;
  }
  return true;
}

/** Escapes a TEXT value (RFC 5545 §3.3.11). */
export function escapeText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
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

  /**
   * The chunk for one object; `componentType` (VEVENT…) keeps only that type when given.
   *
   * The stored text is copied as it is wherever it already is what an export must be (lines of at
   * most 75 octets ending in CRLF, however a client chose to fold them): a run of such lines is
   * one slice of the text. Only other lines (longer, LF-ended, at the very end without a line
   * break) are unfolded and folded again. Exports are most of what is sent in bulk, and this keeps
   * their cost to finding the line breaks.
   */
  add(text: string, componentType?: string): string {
    let out = '';
    const n = text.length;
    let depth = 0;
    /** The component at depth 2 being read: its name, text so far, and where a copied run started. */
    let name: string | null = null;
    let body = '';
    let run = -1;
    let tzid: string | null = null;
    let pos = 0;
    while (pos < n) {
      // One logical line: its first physical line, then any continuation lines (starting with a
      // space or a tab).
      const start = pos;
      let clean = true;
      let folded = false;
      let empty = false;
      let firstEnd = pos;
      for (;;) {
        const nl = text.indexOf('\n', pos);
        const stop = nl === -1 ? n : nl;
        const crlf = nl !== -1 && stop > pos && text.charCodeAt(stop - 1) === 13;
        const contentEnd = crlf ? stop - 1 : stop;
        if (!folded) firstEnd = contentEnd;
        if (!folded && contentEnd === pos) {
          // An empty line: skipped, or (when continued) the start of a line to fold again.
          empty = true;
          clean = false;
        }
        if (!crlf || !fitsLine(text, pos, contentEnd)) clean = false;
        pos = nl === -1 ? n : nl + 1;
        const next = pos < n ? text.charCodeAt(pos) : 0;
        if (next !== 32 && next !== 9) break;
        folded = true;
        empty = false;
      }
      if (empty) {
        // Never written: a run of copied lines ends before it.
        if (run !== -1) body += text.slice(run, start);
        run = -1;
        continue;
      }
      const c0 = text.charCodeAt(start) | 0x20; // lower-cased first letter
      // The logical line's content, built only where it decides something or must be folded again.
      const needed: boolean =
        (c0 === 0x62 && (folded || startsWithName(text, start, 'BEGIN:'))) ||
        (c0 === 0x65 && (folded || startsWithName(text, start, 'END:'))) ||
        (c0 === 0x74 && name === 'VTIMEZONE' && tzid === null) ||
        !clean;
      const logical: string = !needed ? '' : folded ? unfold(text, start, pos) : text.slice(start, firstEnd);
      const begin: RegExpExecArray | null = needed && c0 === 0x62 ? /^BEGIN:(.+)$/i.exec(logical) : null;
      const end: RegExpExecArray | null = needed && c0 === 0x65 ? /^END:(.+)$/i.exec(logical) : null;
      if (begin) {
        depth++;
        if (depth === 2) {
          name = (begin[1] ?? '').trim().toUpperCase();
          body = '';
          run = -1;
          tzid = null;
        }
      }
      if (name !== null && depth >= 2) {
        if (name === 'VTIMEZONE' && tzid === null && c0 === 0x74 && /^TZID[;:]/i.test(logical)) {
          tzid = logical.slice(logical.indexOf(':') + 1).trim();
        }
        if (clean) {
          if (run === -1) run = start;
        } else {
          if (run !== -1) body += text.slice(run, start);
          run = -1;
          body += `${foldLine(logical)}\r\n`;
        }
      }
      if (end) {
        if (depth === 2 && name !== null) {
          if (run !== -1) body += text.slice(run, pos);
          run = -1;
          if (name === 'VTIMEZONE') {
            const id = tzid ?? '';
            if (!this.zones.has(id)) {
              this.zones.add(id);
              out += body;
            }
          } else if (!componentType || name === componentType) {
            out += body;
          }
          name = null;
          body = '';
        }
        depth--;
      }
    }
    return out;
  }

  end(): string {
    return 'END:VCALENDAR\r\n';
  }
}

/** Whether text at `at` starts with `prefix` (written in upper case) in any case. */
function startsWithName(text: string, at: number, prefix: string): boolean {
  return text.startsWith(prefix, at) || text.slice(at, at + prefix.length).toUpperCase() === prefix;
}

/** text[start, end) as one line: continuation breaks and the final line break removed. */
function unfold(text: string, start: number, end: number): string {
  return text.slice(start, end).replace(/\r?\n[ \t]/g, '').replace(/\r?\n$/, '');
}

function lines(ls: string[]): string {
  return ls.length ? `${ls.map(foldLine).join('\r\n')}\r\n` : '';
}

/** Merges whole objects at once (small calendars, tests). */
export function mergeCalendars(texts: string[], header: CalendarHeader, componentType?: string): string {
  const m = new CalendarMerger();
  return m.begin(header) + texts.map((t) => m.add(t, componentType)).join('') + m.end();
}
