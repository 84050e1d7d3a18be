// The properties of a vCard as text, for matching (addressbook-query): name, group, parameters
// and the value as the card wrote it, unescaped. Read from the content lines rather than through
// ical.js, which refuses cards that clients really send: Apple's Address Book writes
// `PHOTO;BASE64:` (a bare vCard 2.1 parameter) in vCard 3.0 cards, as in CalDAVTester's own
// CardDAV report data, and ical.js stops at it ("Missing parameter value"). ical.js also rewrites
// dates into another form ("1985-04-12" for BDAY:19850412), where a text-match must see the text.
import { contentLines, type ContentLine } from './contentLines.ts';

export interface CardProperty {
  /** Upper case, without the group. */
  name: string;
  /** Upper case, or null when the property has no group prefix. */
  group: string | null;
  /**
   * The value as text with the backslash escapes of RFC 6350 §3.4 undone: a structured value (N,
   * ADR) is its whole text, components joined by ";" and list items by ",".
   */
  text: string;
  /** Parameter values by upper-case name; a list (TYPE=work,pref or TYPE=work;TYPE=pref) gives each value. */
  params: Map<string, string[]>;
}

/** Splits on `sep` outside double quotes. */
export function splitUnquoted(s: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (c === sep && !quoted) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** RFC 6868: ^n is a newline, ^' a double quote, ^^ a caret. */
function caretDecode(s: string): string {
  return s.replace(/\^([n'^])/g, (_, c: string) => (c === 'n' ? '\n' : c === "'" ? '"' : '^'));
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** vCard 2.1 writes bare parameters: an encoding keyword, or else a type. */
const ENCODINGS = new Set(['BASE64', 'B', 'QUOTED-PRINTABLE', '8BIT', '7BIT']);

function parametersOf(line: ContentLine): Map<string, string[]> {
  const head = line.text.slice(0, line.colon < 0 ? line.text.length : line.colon);
  const params = new Map<string, string[]>();
  const add = (name: string, values: string[]) => params.set(name, [...(params.get(name) ?? []), ...values]);
  for (const part of splitUnquoted(head, ';').slice(1)) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      const bare = part.trim().toUpperCase();
      if (bare) add(ENCODINGS.has(bare) ? 'ENCODING' : 'TYPE', [part.trim()]);
      continue;
    }
    const name = part.slice(0, eq).trim().toUpperCase();
    // Values are listed with commas; a quoted TYPE list ("work,voice", vCard 4) is a list too.
    const values = splitUnquoted(part.slice(eq + 1), ',').flatMap((v) => {
      const inner = unquote(v);
      return name === 'TYPE' ? inner.split(',') : [inner];
    });
    add(name, values.map((v) => caretDecode(v.trim())));
  }
  return params;
}

/** Quoted-printable (vCard 2.1) to text, read as UTF-8 whatever CHARSET says. */
export function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...encoder.encode(s[i]!));
  }
  return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
}

/** RFC 6350 §3.4 (and RFC 2426 §4): \\ \, \; and \n (or \N) stand for themselves and a newline. */
function unescapeValue(s: string): string {
  return s.replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

function propertyOf(line: ContentLine): CardProperty {
  const params = parametersOf(line);
  let value = line.colon < 0 ? '' : line.text.slice(line.colon + 1);
  if (params.get('ENCODING')?.some((e) => e.toUpperCase() === 'QUOTED-PRINTABLE')) value = decodeQuotedPrintable(value);
  return { name: line.name, group: line.group, text: unescapeValue(value), params };
}

/**
 * The properties of the first card in the text (without its BEGIN and END lines), or null when
 * the text holds no card.
 */
export function cardProperties(cardText: string): CardProperty[] | null {
  const lines = contentLines(cardText);
  const begin = lines.findIndex((l) => l.name === 'BEGIN' && l.colon >= 0 && l.text.slice(l.colon + 1).trim().toUpperCase() === 'VCARD');
  if (begin < 0) return null;
  const out: CardProperty[] = [];
  for (const line of lines.slice(begin + 1)) {
    if (line.name === 'END') break;
    if (line.colon < 0) continue; // not a content line
    out.push(propertyOf(line));
  }
  return out;
}

/** The line with each bare parameter named (`;BASE64` → `;ENCODING=BASE64`, `;WORK` → `;TYPE=WORK`). */
function nameParameters(line: ContentLine): string {
  const end = line.colon < 0 ? line.text.length : line.colon;
  const parts = splitUnquoted(line.text.slice(0, end), ';');
  const named = parts.map((part, i) => {
    if (i === 0 || part.includes('=') || part.trim() === '') return part;
    return `${ENCODINGS.has(part.trim().toUpperCase()) ? 'ENCODING' : 'TYPE'}=${part.trim()}`;
  });
  return named.join(';') + line.text.slice(end);
}

/**
 * The card with every bare parameter named, unfolded, for a parser that needs `name=value`
 * parameters: ical.js stops at Apple's `PHOTO;BASE64:` and vCard 2.1's `TEL;WORK;VOICE:`
 * ("Missing parameter value"). Values are untouched; the text is for reading only, never to store.
 */
export function withNamedParameters(cardText: string): string {
  return contentLines(cardText)
    .flatMap((line) => [nameParameters(line), ...line.nested])
    .map((l) => `${l}\r\n`)
    .join('');
}
