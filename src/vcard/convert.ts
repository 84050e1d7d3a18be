// Converting a card between vCard 3.0 (RFC 2426) and 4.0 (RFC 6350), for address-data asked in
// the other version than the stored one (RFC 6352 §10.4 and the supported-address-data-conversion
// precondition of §8.6). DAVx5 asks every card in 4.0 once the server lists 4.0, and fails its
// sync when a card comes back without address-data; iOS and macOS write 3.0. The mapping follows
// what sabre/vobject's VCardConverter does (the server side of Baïkal, Davis and Nextcloud), so
// that clients see what they see there; the code is our own.
//
// The card is read line by line (src/vcard/contentLines.ts), never through ical.js, which cannot
// read Apple's `PHOTO;BASE64:` and would rewrite every value: a property the conversion does not
// touch keeps its value, parameters (in their order and case; a parameter list is written
// unquoted, TYPE=cell,voice) and group. The output has CRLF line ends, VERSION right after BEGIN,
// and lines folded at 75 octets. Nothing here throws: a property that cannot be converted is kept
// as written. Conversion works on the card's text only, so the card's ETag is the stored one.
//
// Only vCard 3.0 and 4.0 are converted (what the store holds); 2.1 and text without VERSION come
// back unchanged.
// Both ways:
// - VERSION is replaced (and moved to right after BEGIN, where 4.0 wants it); a card already in
//   the asked version is returned byte for byte.
// - Kept as written: UID, FN, N, EMAIL, TEL (text), ADR, ORG, NOTE, URL, PRODID, groups (item1.),
//   X- properties (X-ABLabel and the other Apple ones), and every parameter not named below.
// 3.0 → 4.0:
// - TYPE=PREF (any case, alone or in a list) → PREF=1; the other TYPE values stay.
// - Bare parameters (vCard 2.1 style, Apple's `PHOTO;BASE64:`) are named: ENCODING=… or TYPE=….
// - PHOTO, LOGO, SOUND, KEY with ENCODING=b/BASE64 → data: URIs (data:image/jpeg;base64,…); the
//   media type comes from TYPE (JPEG, PNG, GIF, … or a type/subtype), else
//   application/octet-stream; TYPE values that are not a format stay. The base64 text is kept as
//   is (whitespace removed), so the bytes are the same. VALUE=URI is dropped (URI is 4.0's default).
// - ENCODING=QUOTED-PRINTABLE values are decoded; ENCODING and CHARSET are dropped (4.0 has neither).
// - BDAY, ANNIVERSARY, DEATHDATE: ISO 8601 extended forms → basic (1985-04-12 → 19850412,
//   1953-10-15T23:10:00Z → 19531015T231000Z); with X-APPLE-OMIT-YEAR equal to the year
//   (Apple's 1604) the year goes (--0412); X-APPLE-OMIT-YEAR is dropped either way, as sabre does.
//   REV likewise to the basic timestamp (a date alone gets T000000Z).
// - X-ADDRESSBOOKSERVER-KIND:group (and individual, org, location) → KIND; X-ABSHOWAS:COMPANY →
//   KIND:org (sabre); X-ADDRESSBOOKSERVER-MEMBER → MEMBER. Only the first KIND is written.
// - X-ANNIVERSARY → ANNIVERSARY; Apple's itemN.X-ABDATE whose itemN.X-ABLabel is
//   _$!<Anniversary>!$_ → ANNIVERSARY (without the group) and that label goes; an anniversary
//   already written with the same date is not repeated (as sabre).
// - GEO:lat;lon → GEO:geo:lat,lon. TZ:-05:00 → TZ;VALUE=utc-offset:-0500; TZ;VALUE=text drops VALUE.
// - LABEL → the LABEL parameter of the ADR it belongs to, when that is plain: the one ADR whose
//   TYPE values (pref aside) are the LABEL's, or the only ADR when the card has one ADR and one
//   LABEL. Otherwise it is dropped (4.0 has no LABEL property; sabre always drops it).
// - SORT-STRING → SORT-AS on N when N has none, else dropped.
// - Dropped: NAME, MAILER, CLASS, AGENT (with a nested 2.1 card if any), PROFILE (4.0 lacks them).
// 4.0 → 3.0:
// - PREF=1 → TYPE=pref; other PREF values are dropped (3.0 has only "preferred"), as sabre does.
// - TYPE="a,b" (4.0 quoted list) is written TYPE=a,b.
// - PHOTO, LOGO, SOUND, KEY with a data: URI → ENCODING=b;TYPE=<format> (image/jpeg → JPEG, …);
//   a data: URI without ;base64 has its percent-encoded bytes base64-encoded; MEDIATYPE goes.
//   PHOTO, LOGO, SOUND with another URI get VALUE=uri (3.0's default there is binary).
// - TEL;VALUE=uri:tel:+1-555 → TEL:+1-555 (3.0's TEL is text); an ;ext= becomes " x<ext>".
// - BDAY, ANNIVERSARY, DEATHDATE, REV: basic → extended forms; --MMDD → 1604-MM-DD with
//   X-APPLE-OMIT-YEAR=1604 (Apple's form, which sabre writes too). Reduced dates with no 3.0 form
//   (a year alone, --MM, ---DD) and VALUE=text dates are kept as written.
// - KIND:group → X-ADDRESSBOOKSERVER-KIND:group; KIND:org → X-ABSHOWAS:COMPANY; KIND:individual
//   is dropped (it is the default); other KIND values are kept (sabre keeps them).
//   MEMBER → X-ADDRESSBOOKSERVER-MEMBER.
// - ANNIVERSARY → X-ANNIVERSARY plus itemN.X-ABDATE and itemN.X-ABLabel:_$!<Anniversary>!$_ in a
//   group not used in the card (what sabre writes, so both Outlook's and Apple's forms are there).
// - GEO:geo:lat,lon → GEO:lat;lon. TZ;VALUE=utc-offset:-0500 → TZ:-05:00; a TZ text (a zone name,
//   4.0's default) gets VALUE=text.
// - ADR;LABEL="…" → the ADR without the parameter and a LABEL property with the ADR's TYPE values
//   right after it.
// - N;SORT-AS="…" → SORT-STRING with the first sort value (the parameter goes).
// - Kept as written, as sabre keeps them: GENDER, LANG, CLIENTPIDMAP, RELATED, XML, and the 4.0
//   parameters 3.0 lacks (ALTID, PID, CALSCALE, …): 3.0 parsers skip what they do not know, and
//   the names are IANA-registered tokens, which RFC 2426's grammar allows.
import { contentLines, foldLine, type ContentLine } from './contentLines.ts';
import { decodeQuotedPrintable, splitUnquoted } from './properties.ts';

export type ConvertibleVersion = '3.0' | '4.0';

interface Param {
  /** As written (its case kept); empty for a bare parameter not yet named. */
  name: string;
  /** The values as written, quotes removed, escapes kept; a comma list gives each value. */
  values: string[];
}

interface Prop {
  /** As written, or null. */
  group: string | null;
  /** As written. */
  name: string;
  params: Param[];
  /** The value as written (escaped, unfolded). */
  value: string;
}

/** A parsed line, or the line to keep as written when it has no value. */
type Item = { prop: Prop; line: ContentLine } | { raw: ContentLine };

const ENCODINGS = new Set(['BASE64', 'B', 'QUOTED-PRINTABLE', '8BIT', '7BIT']);
const BINARY = new Set(['PHOTO', 'LOGO', 'SOUND', 'KEY']);
const DATES = new Set(['BDAY', 'ANNIVERSARY', 'DEATHDATE']);
const ANNIVERSARY_LABEL = '_$!<Anniversary>!$_';

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function propOf(line: ContentLine): Prop {
  const head = line.text.slice(0, line.colon);
  const parts = splitUnquoted(head, ';');
  const fullName = (parts[0] ?? '').trim();
  const dot = fullName.lastIndexOf('.');
  const params: Param[] = [];
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (part.trim()) params.push({ name: '', values: [part.trim()] });
      continue;
    }
    const name = part.slice(0, eq).trim();
    const upper = name.toUpperCase();
    const values = splitUnquoted(part.slice(eq + 1), ',').flatMap((v) => {
      const inner = unquote(v.trim());
      // A quoted TYPE list ("work,voice") is a list in 4.0 (RFC 6350 §5.6).
      return upper === 'TYPE' ? inner.split(',') : [inner];
    });
    params.push({ name, values });
  }
  return { group: dot < 0 ? null : fullName.slice(0, dot), name: fullName.slice(dot + 1), params, value: line.text.slice(line.colon + 1) };
}

function quoteIfNeeded(v: string): string {
  return /[:;,]/.test(v) && !v.includes('"') ? `"${v}"` : v;
}

function lineText(p: Prop): string {
  const params = p.params
    .filter((x) => x.values.length > 0)
    .map((x) => (x.name === '' ? `;${x.values.join(',')}` : `;${x.name}=${x.values.map(quoteIfNeeded).join(',')}`))
    .join('');
  return `${p.group !== null ? `${p.group}.` : ''}${p.name}${params}:${p.value}`;
}

const upperName = (p: Param) => p.name.toUpperCase();

function paramValues(p: Prop, name: string): string[] {
  return p.params.filter((x) => upperName(x) === name).flatMap((x) => x.values);
}

function dropParam(p: Prop, name: string): void {
  p.params = p.params.filter((x) => upperName(x) !== name);
}

/** Names bare parameters as vCard 2.1 meant them (an encoding keyword, else a type). */
function nameBareParams(p: Prop): void {
  for (const x of p.params) {
    if (x.name === '') x.name = ENCODINGS.has((x.values[0] ?? '').toUpperCase()) ? 'ENCODING' : 'TYPE';
  }
}

/** The TYPE values of a property, lower case, without pref: what says which address a label is for. */
function typeSet(p: Prop): string {
  return paramValues(p, 'TYPE')
    .map((t) => t.toLowerCase())
    .filter((t) => t !== 'pref')
    .sort()
    .join(',');
}

// ---- text helpers ----

/** RFC 6350 §3.4 escapes undone. */
function unescapeText(s: string): string {
  return s.replace(/\\([\\,;nN:])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

function escapeText(s: string): string {
  return s.replace(/[\\,;]/g, (c) => `\\${c}`).replace(/\r\n|\n|\r/g, '\\n');
}

/** A parameter value in 4.0, with RFC 6868's caret escapes for what a parameter cannot hold. */
function caretEncode(s: string): string {
  return s.replace(/\^/g, '^^').replace(/\r\n|\n|\r/g, '^n').replace(/"/g, "^'");
}

function caretDecode(s: string): string {
  return s.replace(/\^([n'^])/g, (_, c: string) => (c === 'n' ? '\n' : c === "'" ? '"' : '^')).replace(/\\n/gi, '\n');
}

// ---- media types of binary values ----

const FORMAT_TO_MEDIA: Record<string, string> = {
  JPEG: 'image/jpeg',
  JPG: 'image/jpeg',
  PNG: 'image/png',
  GIF: 'image/gif',
  BMP: 'image/bmp',
  TIFF: 'image/tiff',
  WEBP: 'image/webp',
  HEIC: 'image/heic',
  WAVE: 'audio/wav',
  WAV: 'audio/wav',
  AIFF: 'audio/aiff',
  BASIC: 'audio/basic',
  MP3: 'audio/mpeg',
  OGG: 'audio/ogg',
  AAC: 'audio/aac',
  PGP: 'application/pgp-keys',
  X509: 'application/pkix-cert',
};

function formatOf(mediaType: string): string {
  const media = mediaType.toLowerCase();
  for (const [format, m] of Object.entries(FORMAT_TO_MEDIA)) if (m === media) return format;
  const sub = media.split('/')[1] ?? media;
  return sub.replace(/^x-/, '').toUpperCase();
}

// ---- dates ----

/** 3.0 (either ISO 8601 form) → 4.0 basic. Null: not a form this knows. */
function dateTo40(value: string, omitYear: string | undefined): string | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})(?::?(\d{2}))?(?:[.,]\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, zone] = m;
  const date = omitYear !== undefined && y === omitYear ? `--${mo}${d}` : `${y}${mo}${d}`;
  if (h === undefined) return date;
  return `${date}T${h}${mi}${s ?? '00'}${zone ? zone.toUpperCase().replace(':', '') : ''}`;
}

/** 4.0 basic → 3.0 extended; `omit`: the date had no year and 1604 stands in. Null: no 3.0 form. */
function dateTo30(value: string): { value: string; omit: boolean } | null {
  const v = value.trim();
  const full = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})(?::?(\d{2}))?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i.exec(v);
  const noYear = /^--(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})(?::?(\d{2}))?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i.exec(v);
  if (!full && !noYear) return null;
  const [y, mo, d, h, mi, s, zone] = full ? full.slice(1) : ['1604', ...noYear!.slice(1)];
  let out = `${y}-${mo}-${d}`;
  if (h !== undefined) {
    const z = zone ? (zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone.length === 3 ? `${zone}:00` : zone) : '';
    out += `T${h}:${mi}:${s ?? '00'}${z}`;
  }
  return { value: out, omit: !full };
}

// ---- the two directions ----

/**
 * What a property's conversion needs to know of the others, gathered once: looking through the
 * card for each property would be quadratic, and a card may hold tens of thousands of lines.
 */
interface CardIndex {
  /** ADRs by their TYPE values (typeSet). */
  adrsByTypes: Map<string, number>;
  adrCount: number;
  /** LABEL values by their TYPE values. */
  labelsByTypes: Map<string, string[]>;
  labelCount: number;
  firstLabel: string | null;
  /** The first X-ABLabel of each group (upper case), unescaped. */
  abLabels: Map<string, string>;
  /** Groups (upper case) whose X-ABDATE has a date 4.0 can hold. */
  abDateGroups: Set<string>;
  sortString: string | null;
}

function indexOf(props: Prop[]): CardIndex {
  const index: CardIndex = { adrsByTypes: new Map(), adrCount: 0, labelsByTypes: new Map(), labelCount: 0, firstLabel: null, abLabels: new Map(), abDateGroups: new Set(), sortString: null };
  for (const p of props) {
    const name = p.name.toUpperCase();
    const group = p.group?.toUpperCase();
    if (name === 'ADR') {
      index.adrCount++;
      const types = typeSet(p);
      index.adrsByTypes.set(types, (index.adrsByTypes.get(types) ?? 0) + 1);
    } else if (name === 'LABEL') {
      index.labelCount++;
      index.firstLabel ??= p.value;
      const types = typeSet(p);
      index.labelsByTypes.set(types, [...(index.labelsByTypes.get(types) ?? []), p.value].slice(0, 2));
    } else if (name === 'X-ABLABEL' && group !== undefined && !index.abLabels.has(group)) index.abLabels.set(group, unescapeText(p.value));
    else if (name === 'X-ABDATE' && group !== undefined && dateTo40(p.value, undefined) !== null) index.abDateGroups.add(group);
    else if (name === 'SORT-STRING') index.sortString ??= p.value;
  }
  return index;
}

interface Context {
  out: string[];
  index: CardIndex;
  kindWritten: boolean;
  anniversaries: Set<string>;
  /** Upper-case groups in use, for new itemN groups. */
  groups: Set<string>;
  /** The next itemN to try for a new group. */
  nextItem: number;
}

/**
 * foldLine, with a fast way for ASCII lines: a base64 PHOTO of megabytes is one line, and folding
 * it character by character costs a second of the event loop.
 */
function fold(line: string): string[] {
  if (!/^[\x00-\x7f]*$/.test(line)) return foldLine(line);
  if (line.length <= 75) return [line];
  const out = [line.slice(0, 75)];
  for (let i = 75; i < line.length; i += 74) out.push(` ${line.slice(i, i + 74)}`);
  return out;
}

/** Appends without spreading: a folded PHOTO can be more lines than a call takes arguments. */
function pushAll(out: string[], lines: string[]): void {
  for (const line of lines) out.push(line);
}

function emit(ctx: Context, p: Prop): void {
  pushAll(ctx.out, fold(lineText(p)));
}

function to40(ctx: Context, p: Prop): void {
  const name = p.name.toUpperCase();
  if (['NAME', 'MAILER', 'CLASS', 'AGENT', 'PROFILE', 'LABEL', 'SORT-STRING'].includes(name)) return; // see header; LABEL/SORT-STRING are moved elsewhere
  nameBareParams(p);
  const encodings = paramValues(p, 'ENCODING').map((e) => e.toUpperCase());
  if (encodings.includes('QUOTED-PRINTABLE')) p.value = escapeQuotedText(decodeQuotedPrintable(p.value), name);
  dropParam(p, 'CHARSET');

  if (BINARY.has(name) && (encodings.includes('B') || encodings.includes('BASE64'))) {
    let media = 'application/octet-stream';
    const rest: string[] = [];
    for (const t of paramValues(p, 'TYPE')) {
      const known = FORMAT_TO_MEDIA[t.toUpperCase()];
      if (media === 'application/octet-stream' && (known || t.includes('/'))) media = known ?? t.toLowerCase();
      else rest.push(t);
    }
    p.params = p.params.filter((x) => !['TYPE', 'ENCODING', 'VALUE'].includes(upperName(x)));
    if (rest.length) p.params.push({ name: 'TYPE', values: rest });
    p.value = `data:${media};base64,${p.value.replace(/\s+/g, '')}`;
  } else if (BINARY.has(name) && paramValues(p, 'VALUE').some((v) => v.toUpperCase() === 'URI')) {
    dropParam(p, 'VALUE');
  }
  dropParam(p, 'ENCODING');

  // TYPE=PREF → PREF=1 (RFC 6350 §5.3).
  let pref = false;
  for (const x of p.params) {
    if (upperName(x) !== 'TYPE') continue;
    const kept = x.values.filter((v) => v.toUpperCase() !== 'PREF');
    if (kept.length !== x.values.length) pref = true;
    x.values = kept;
  }
  if (pref && paramValues(p, 'PREF').length === 0) p.params.push({ name: 'PREF', values: ['1'] });

  if (DATES.has(name) || name === 'X-ANNIVERSARY') {
    const omit = paramValues(p, 'X-APPLE-OMIT-YEAR')[0];
    const converted = dateTo40(p.value, omit);
    if (converted !== null) p.value = converted;
    dropParam(p, 'X-APPLE-OMIT-YEAR');
  } else if (name === 'REV') {
    const converted = dateTo40(p.value, undefined);
    if (converted !== null) p.value = converted.includes('T') ? converted : `${converted}T000000Z`;
  }

  switch (name) {
    case 'X-ADDRESSBOOKSERVER-KIND': {
      const kind = p.value.trim().toLowerCase();
      if (!['group', 'individual', 'org', 'location'].includes(kind)) break;
      if (ctx.kindWritten) return;
      ctx.kindWritten = true;
      emit(ctx, { group: p.group, name: 'KIND', params: p.params, value: p.value });
      return;
    }
    case 'X-ABSHOWAS':
      if (p.value.trim().toUpperCase() !== 'COMPANY') break;
      if (ctx.kindWritten) return;
      ctx.kindWritten = true;
      emit(ctx, { group: null, name: 'KIND', params: [], value: 'org' });
      return;
    case 'KIND':
      if (ctx.kindWritten) return;
      ctx.kindWritten = true;
      break;
    case 'X-ADDRESSBOOKSERVER-MEMBER':
      p.name = 'MEMBER';
      break;
    case 'X-ANNIVERSARY':
    case 'ANNIVERSARY':
      if (ctx.anniversaries.has(p.value)) return;
      ctx.anniversaries.add(p.value);
      p.name = 'ANNIVERSARY';
      break;
    case 'X-ABDATE': {
      if (p.group === null || ctx.index.abLabels.get(p.group.toUpperCase()) !== ANNIVERSARY_LABEL) break;
      const converted = dateTo40(p.value, paramValues(p, 'X-APPLE-OMIT-YEAR')[0]);
      if (converted === null) break;
      if (!ctx.anniversaries.has(converted)) {
        ctx.anniversaries.add(converted);
        emit(ctx, { group: null, name: 'ANNIVERSARY', params: [], value: converted });
      }
      return;
    }
    case 'X-ABLABEL':
      // The label goes with the X-ABDATE it names, when that became an ANNIVERSARY.
      if (unescapeText(p.value) === ANNIVERSARY_LABEL && p.group !== null && ctx.index.abDateGroups.has(p.group.toUpperCase())) return;
      break;
    case 'GEO': {
      const m = /^\s*(-?[\d.]+)\s*(?:;|\\;|,)\s*(-?[\d.]+)\s*$/.exec(p.value);
      if (m) p.value = `geo:${m[1]},${m[2]}`;
      break;
    }
    case 'TZ': {
      const m = /^([+-])(\d{2}):?(\d{2})$/.exec(p.value.trim());
      dropParam(p, 'VALUE');
      if (m) {
        p.params.push({ name: 'VALUE', values: ['utc-offset'] });
        p.value = `${m[1]}${m[2]}${m[3]}`;
      }
      break;
    }
    case 'ADR': {
      const label = labelFor(ctx.index, p);
      if (label !== null && paramValues(p, 'LABEL').length === 0) p.params.push({ name: 'LABEL', values: [caretEncode(unescapeText(label))] });
      break;
    }
    case 'N': {
      const sort = ctx.index.sortString;
      if (sort !== null && paramValues(p, 'SORT-AS').length === 0) p.params.push({ name: 'SORT-AS', values: [caretEncode(unescapeText(sort))] });
      break;
    }
  }
  emit(ctx, p);
}

/** A quoted-printable value decoded, written as 4.0 text (structured values keep their separators). */
function escapeQuotedText(text: string, name: string): string {
  if (['N', 'ADR', 'ORG', 'CATEGORIES', 'NICKNAME', 'GEO'].includes(name)) return text.replace(/\r\n|\n|\r/g, '\\n');
  return escapeText(text);
}

/** The 3.0 LABEL that plainly belongs to this ADR (see the header), or null. */
function labelFor(index: CardIndex, adr: Prop): string | null {
  if (index.labelCount === 0) return null;
  if (index.adrCount === 1 && index.labelCount === 1) return index.firstLabel;
  const types = typeSet(adr);
  if (index.adrsByTypes.get(types) !== 1) return null;
  const matching = index.labelsByTypes.get(types) ?? [];
  return matching.length === 1 ? matching[0]! : null;
}

function unusedGroup(ctx: Context): string {
  while (ctx.groups.has(`ITEM${ctx.nextItem}`)) ctx.nextItem++;
  const n = ctx.nextItem++;
  ctx.groups.add(`ITEM${n}`);
  return `item${n}`;
}

function to30(ctx: Context, p: Prop): void {
  const name = p.name.toUpperCase();
  // PREF=1 → TYPE=pref; other preference levels have no 3.0 form.
  const prefs = paramValues(p, 'PREF');
  if (prefs.length) {
    dropParam(p, 'PREF');
    if (prefs.some((v) => v.trim() === '1')) {
      // As Apple writes it: a TYPE parameter of its own, spelled like the card's others.
      p.params.push({ name: p.params.find((x) => upperName(x) === 'TYPE')?.name ?? 'TYPE', values: ['pref'] });
    }
  }

  if (BINARY.has(name)) {
    const data = /^data:([^,;]*)((?:;[^,;]*)*?)(;base64)?,(.*)$/is.exec(p.value.trim());
    if (data) {
      const [, media, , base64, payload] = data;
      const b64 = base64 ? (payload ?? '').replace(/\s+/g, '') : percentToBase64(payload ?? '');
      const types = paramValues(p, 'TYPE');
      const mediaType = (media || paramValues(p, 'MEDIATYPE')[0] || '').trim();
      p.params = p.params.filter((x) => !['TYPE', 'VALUE', 'MEDIATYPE', 'ENCODING'].includes(upperName(x)));
      p.params.unshift({ name: 'ENCODING', values: ['b'] }, { name: 'TYPE', values: [...(mediaType ? [formatOf(mediaType)] : []), ...types] });
      p.value = b64;
    } else if (name !== 'KEY' && paramValues(p, 'VALUE').length === 0) {
      p.params.push({ name: 'VALUE', values: ['uri'] });
    }
  } else if (name === 'TEL' && /^tel:/i.test(p.value.trim()) && paramValues(p, 'VALUE').every((v) => v.toLowerCase() === 'uri')) {
    dropParam(p, 'VALUE');
    const [number, ...uriParams] = p.value.trim().slice(4).split(';');
    const ext = uriParams.find((x) => x.toLowerCase().startsWith('ext='));
    p.value = escapeText(safeDecode(number ?? '') + (ext ? ` x${safeDecode(ext.slice(4))}` : ''));
  } else if (DATES.has(name) || name === 'REV') {
    const converted = paramValues(p, 'VALUE').some((v) => v.toLowerCase() === 'text') ? null : dateTo30(p.value);
    if (converted) {
      p.value = converted.value;
      if (converted.omit) p.params.push({ name: 'X-APPLE-OMIT-YEAR', values: ['1604'] });
      // 4.0's date-and-or-time has no 3.0 counterpart.
      p.params = p.params.filter((x) => !(upperName(x) === 'VALUE' && x.values.every((v) => v.toLowerCase() === 'date-and-or-time')));
    }
  }

  switch (name) {
    case 'KIND': {
      const kind = p.value.trim().toLowerCase();
      if (kind === 'individual') return;
      if (kind === 'group') p.name = 'X-ADDRESSBOOKSERVER-KIND';
      else if (kind === 'org') {
        p.name = 'X-ABSHOWAS';
        p.value = 'COMPANY';
      }
      break;
    }
    case 'MEMBER':
      p.name = 'X-ADDRESSBOOKSERVER-MEMBER';
      break;
    case 'ANNIVERSARY': {
      p.name = 'X-ANNIVERSARY';
      emit(ctx, p);
      // Apple's form only for a date it can read (not a VALUE=text anniversary).
      if (!/^\d{4}-\d{2}-\d{2}/.test(p.value)) return;
      const group = unusedGroup(ctx);
      const omit = paramValues(p, 'X-APPLE-OMIT-YEAR');
      emit(ctx, { group, name: 'X-ABDATE', params: omit.length ? [{ name: 'X-APPLE-OMIT-YEAR', values: omit }] : [], value: p.value });
      emit(ctx, { group, name: 'X-ABLabel', params: [], value: ANNIVERSARY_LABEL });
      return;
    }
    case 'GEO': {
      const m = /^geo:\s*(-?[\d.]+)\\?,(-?[\d.]+)/i.exec(p.value.trim()); // some writers escape the comma (ical.js)
      if (m) p.value = `${m[1]};${m[2]}`;
      break;
    }
    case 'TZ': {
      const offset = paramValues(p, 'VALUE').some((v) => v.toLowerCase() === 'utc-offset');
      const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(p.value.trim());
      if (offset || m) {
        dropParam(p, 'VALUE');
        if (m) p.value = `${m[1]}${m[2]}:${m[3] ?? '00'}`;
      } else if (paramValues(p, 'VALUE').length === 0) p.params.push({ name: 'VALUE', values: ['text'] });
      break;
    }
    case 'ADR': {
      const label = paramValues(p, 'LABEL')[0];
      if (label === undefined) break;
      dropParam(p, 'LABEL');
      emit(ctx, p);
      const types = paramValues(p, 'TYPE').filter((t) => t.toLowerCase() !== 'pref');
      emit(ctx, { group: p.group, name: 'LABEL', params: types.length ? [{ name: 'TYPE', values: types }] : [], value: escapeText(caretDecode(label)) });
      return;
    }
    case 'N': {
      const sort = paramValues(p, 'SORT-AS')[0];
      if (sort === undefined) break;
      dropParam(p, 'SORT-AS');
      emit(ctx, p);
      emit(ctx, { group: null, name: 'SORT-STRING', params: [], value: escapeText(caretDecode(sort)) });
      return;
    }
  }
  emit(ctx, p);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The bytes of a percent-encoded data: URI payload, base64-encoded. */
function percentToBase64(payload: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < payload.length; i++) {
    const hex = payload.slice(i + 1, i + 3);
    if (payload[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...encoder.encode(payload[i]!));
  }
  return Buffer.from(bytes).toString('base64');
}

/** The VERSION of the card's own properties, or null. */
function versionOfLines(lines: ContentLine[]): string | null {
  const v = lines.find((l) => l.name === 'VERSION' && l.colon >= 0);
  return v ? v.text.slice(v.colon + 1).trim() : null;
}

/**
 * The card in `to`'s version (see the header for what changes). A card already in that version,
 * or text that is not a vCard 3.0 or 4.0 (2.1, no VERSION, no BEGIN:VCARD), comes back unchanged.
 */
export function convertCard(text: string, to: ConvertibleVersion): string {
  const lines = contentLines(text);
  const from = versionOfLines(lines);
  // Only what the store holds is converted; anything else (2.1, no VERSION) is left alone.
  if ((from !== '3.0' && from !== '4.0') || from === to) return text;
  const begin = lines.findIndex((l) => l.name === 'BEGIN' && l.group === null);
  if (begin < 0) return text;
  const items: Item[] = [];
  let end = lines.length;
  for (let i = begin + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.name === 'END' && line.group === null) {
      end = i;
      break;
    }
    items.push(line.colon < 0 ? { raw: line } : { prop: propOf(line), line });
  }
  const props = items.flatMap((it) => ('prop' in it ? [it.prop] : []));
  const ctx: Context = {
    out: [],
    index: indexOf(props),
    nextItem: 1,
    kindWritten: false,
    anniversaries: new Set(),
    groups: new Set(props.flatMap((p) => (p.group !== null ? [p.group.toUpperCase()] : []))),
  };
  pushAll(ctx.out, [...lines.slice(0, begin + 1).flatMap((l) => fold(l.text)), `VERSION:${to}`]);
  for (const item of items) {
    if (!('prop' in item)) {
      pushAll(ctx.out, fold(item.raw.text));
      continue;
    }
    if (item.prop.name.toUpperCase() === 'VERSION') continue;
    try {
      const copy: Prop = { ...item.prop, params: item.prop.params.map((x) => ({ ...x, values: [...x.values] })) };
      // Lines nested in a property (a 2.1 AGENT card) are not written: only AGENT holds them, and 4.0 drops it.
      if (to === '4.0') to40(ctx, copy);
      else to30(ctx, copy);
    } catch {
      pushAll(ctx.out, fold(item.line.text)); // never throw: keep what cannot be converted as written
    }
  }
  pushAll(ctx.out, lines.slice(end).flatMap((l) => fold(l.text)));
  return `${ctx.out.join('\r\n')}\r\n`;
}
