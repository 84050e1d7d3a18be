// The content lines of a vCard text (RFC 6350 §3.2, RFC 2426 §2.6) as written: each logical line
// with the physical lines it was folded into, its group, name and where its value starts. Used
// where a card must be cut without being re-serialised (ical.js would rewrite dates, escapes and
// folding, and cannot read vCard 2.1 at all).

export interface ContentLine {
  /** The physical lines, as sent (without line breaks). */
  raw: string[];
  /** The unfolded line. */
  text: string;
  /** Upper case, without the group. */
  name: string;
  /** Upper case, or null without a group prefix. */
  group: string | null;
  /** Index in `text` of the ':' that starts the value, or -1 when the line has none. */
  colon: number;
  /** Lines of a card nested in this one (vCard 2.1 AGENT), kept with the property they belong to. */
  nested: string[];
}

/** The index of the first ':' outside double-quoted parameter values, or -1. */
function valueColon(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) return i;
  }
  return -1;
}

/** Physical lines of one logical line: how each continues the one before. */
interface Physical {
  raw: string[];
  /** Unfolded so far. */
  text: string;
}

// vCard 2.1 quoted-printable values break lines with a trailing "=" and continue on the next line
// without the leading space of a fold ("soft line break").
function continuesQuotedPrintable(p: Physical): boolean {
  if (!p.text.endsWith('=')) return false;
  const colon = valueColon(p.text);
  return colon >= 0 && /;\s*(ENCODING=)?QUOTED-PRINTABLE\s*(;|$)/i.test(p.text.slice(0, colon));
}

function lineOf({ raw, text }: Physical): ContentLine {
  const colon = valueColon(text);
  const head = text.slice(0, colon < 0 ? text.length : colon);
  const semi = head.indexOf(';');
  const fullName = (semi < 0 ? head : head.slice(0, semi)).trim().toUpperCase();
  const dot = fullName.lastIndexOf('.');
  return {
    raw,
    text,
    name: fullName.slice(dot + 1),
    group: dot < 0 ? null : fullName.slice(0, dot),
    colon,
    nested: [],
  };
}

/**
 * The logical lines of the text, in order. Blank lines are dropped. A BEGIN:VCARD inside a card
 * (vCard 2.1 nests AGENT cards) and everything up to its END go into the `nested` lines of the
 * property before it, so that the top-level lines are exactly the cards' own properties.
 */
export function contentLines(text: string): ContentLine[] {
  const physical = text.split(/\r\n|\n|\r/);
  const groups: Physical[] = [];
  for (const line of physical) {
    const last = groups[groups.length - 1];
    if (last && (line.startsWith(' ') || line.startsWith('\t'))) {
      // Folding inserts CRLF + one space or tab; unfolding removes both (RFC 6350 §3.2).
      last.raw.push(line);
      last.text += line.slice(1);
    } else if (last && continuesQuotedPrintable(last)) {
      last.raw.push(line);
      last.text = last.text.slice(0, -1) + line;
    } else if (line !== '') groups.push({ raw: [line], text: line });
  }
  const out: ContentLine[] = [];
  let depth = 0;
  for (const physical of groups) {
    const line = lineOf(physical);
    const raw = physical.raw;
    const value = line.colon < 0 ? '' : line.text.slice(line.colon + 1).trim().toUpperCase();
    const begins = line.name === 'BEGIN' && value === 'VCARD';
    const ends = line.name === 'END' && value === 'VCARD';
    const holder = out[out.length - 1];
    if (depth >= 2 || (depth === 1 && begins)) {
      // Inside a nested card: its lines belong to the property that holds it.
      if (holder) holder.nested.push(...raw);
      if (begins) depth++;
      if (ends) depth--;
      continue;
    }
    if (begins) depth++;
    if (ends) depth = Math.max(0, depth - 1);
    out.push(line);
  }
  return out;
}

function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Folds a logical line at 75 octets (RFC 6350 §3.2), never inside a UTF-8 sequence. */
export function foldLine(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = utf8Length(ch.codePointAt(0)!);
    const limit = out.length === 0 ? 75 : 74; // continuation lines begin with one space
    if (octets + size > limit) {
      out.push(out.length === 0 ? current : ` ${current}`);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(out.length === 0 ? current : ` ${current}`);
  return out;
}
