// The vCards the web face writes: a new card from the contact form, an edited card, and the cards
// of an import file; and the reading of a card into what the form and the contact page show.
//
// Editing works on the card's own content lines, not on a re-serialised ical.js component: only
// the lines of the properties the form shows (FN, N, ORG, EMAIL, TEL, ADR, BDAY, NOTE) are
// written, and only when their value changed; every other line (PHOTO, X- properties, Apple's
// item1.X-ABLabel groups, REV, CATEGORIES, …) is kept byte for byte. ical.js reads each line's
// value (ICAL.parse.property) and writes the changed ones (ICAL.stringify.property), since
// re-serialising a whole component rewrites lines it never touched (it escapes the comma of a
// `data:` URI and turns a vCard 3 `BDAY:1985-04-12` into `BDAY;VALUE=DATE:19850412`).
import { createHash } from 'node:crypto';
import ICAL from 'ical.js';

export interface PostalAddress {
  street: string;
  locality: string;
  region: string;
  postalCode: string;
  country: string;
}

/** What the contact form edits. */
export interface ContactFields {
  /** FN; when empty it is made from the names, the organisation or the first e-mail. */
  formattedName: string;
  givenName: string;
  familyName: string;
  organization: string;
  emails: string[];
  phones: string[];
  addresses: PostalAddress[];
  /** `YYYY-MM-DD`, `--MM-DD` (no year, as vCard 4 allows) or empty. */
  birthday: string;
  note: string;
}

export interface Typed<T> {
  value: T;
  /** The TYPE parameters (home, work, cell, …) as written, lower-cased. */
  types: string[];
}

/** What the contact page shows: the form's fields with their types, and the photo. */
export interface Contact extends ContactFields {
  version: '3.0' | '4.0';
  uid: string;
  emailTypes: string[][];
  phoneTypes: string[][];
  addressTypes: string[][];
  /**
   * The photo as an address the browser may load: a data: URI of a PNG, JPEG, GIF or WebP
   * (vCard 3's inline base64 becomes one), or an http(s) URL. Null when there is none or it is
   * anything else.
   */
  photo: string | null;
}

const MANAGED = new Set(['FN', 'N', 'ORG', 'EMAIL', 'TEL', 'ADR', 'BDAY', 'NOTE']);

interface Line {
  /** The line as it came, folds and all (without the line break). */
  raw: string;
  /** Unfolded. */
  text: string;
  /** Upper-cased, without the group. */
  name: string;
}

/** The logical lines of a text (RFC 6350 §3.2 unfolding), each with its raw form kept. */
function linesOf(text: string): Line[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const out: Line[] = [];
  for (const p of physical) {
    const last = out[out.length - 1];
    if ((p.startsWith(' ') || p.startsWith('\t')) && last) {
      last.raw += `\r\n${p}`;
      last.text += p.slice(1);
      continue;
    }
    if (p === '') continue;
    out.push({ raw: p, text: p, name: nameOf(p) });
  }
  return out;
}

function nameOf(text: string): string {
  const m = /^([A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)[;:]/.exec(text);
  return (m?.[2] ?? '').toUpperCase();
}

type JProp = [string, Record<string, string | string[]>, string, ...unknown[]];

type DesignSet = ReturnType<typeof ICAL.design.getDesignSet>;

function designOf(version: string): DesignSet {
  return ICAL.design.getDesignSet(version === '3.0' ? 'vcard3' : 'vcard');
}

function parseLine(line: Line, version: string): JProp | null {
  try {
    return ICAL.parse.property(line.text, designOf(version)) as unknown as JProp;
  } catch {
    return null;
  }
}

const str = (v: unknown): string => (Array.isArray(v) ? v.map(str).join(', ') : typeof v === 'string' ? v : v == null ? '' : String(v));
/** The components of a structured value (N, ADR, ORG), each flattened to text. */
const parts = (p: JProp): string[] => {
  const v = p[3];
  return Array.isArray(v) ? v.map(str) : [str(v)];
};
const typesOf = (p: JProp): string[] => {
  const t = p[1].type;
  return (Array.isArray(t) ? t : t ? [t] : []).flatMap((x) => x.split(',')).map((x) => x.toLowerCase()).filter((x) => x && x !== 'internet' && x !== 'voice');
};

function phoneText(p: JProp): string {
  const v = str(p[3]);
  return p[2] === 'uri' ? v.replace(/^tel:/i, '') : v;
}

/** A birthday as the form shows it, from vCard 3 or 4 (`1985-04-12`, `19850412`, `--0412`). */
function birthdayText(value: string): string {
  const full = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(value);
  if (full) return `${full[1]}-${full[2]}-${full[3]}`;
  const noYear = /^--(\d{2})-?(\d{2})/.exec(value);
  return noYear ? `--${noYear[1]}-${noYear[2]}` : '';
}

export const BIRTHDAY = /^(\d{4}-\d{2}-\d{2}|--\d{2}-\d{2})$/;

const PHOTO_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };

/** A photo the contact page may show: raster data: URIs and http(s) URLs, nothing else. */
function photoOf(p: JProp): string | null {
  const value = str(p[3]).trim();
  const encoding = str(p[1].encoding).toLowerCase();
  if (encoding === 'b' || encoding === 'base64') {
    const mime = PHOTO_TYPES[str(p[1].type).toLowerCase().replace(/^image\//, '')];
    return mime && /^[A-Za-z0-9+/=\s]+$/.test(value) ? `data:${mime};base64,${value.replace(/\s/g, '')}` : null;
  }
  if (/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/i.test(value)) return value;
  if (/^https?:\/\//i.test(value)) {
    try {
      const u = new URL(value);
      return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
    } catch {
      return null;
    }
  }
  return null;
}

function versionOf(lines: Line[]): '3.0' | '4.0' {
  const v = lines.find((l) => l.name === 'VERSION')?.text.split(':')[1]?.trim();
  return v === '3.0' ? '3.0' : '4.0';
}

/** The first card of a text, read into the form's fields and what the page shows. */
export function readContact(text: string): Contact {
  const lines = cardLines(text);
  const version = versionOf(lines);
  const c: Contact = {
    version,
    uid: '',
    formattedName: '',
    givenName: '',
    familyName: '',
    organization: '',
    emails: [],
    phones: [],
    addresses: [],
    birthday: '',
    note: '',
    emailTypes: [],
    phoneTypes: [],
    addressTypes: [],
    photo: null,
  };
  for (const line of lines) {
    if (!MANAGED.has(line.name) && line.name !== 'UID' && line.name !== 'PHOTO') continue;
    const p = parseLine(line, version);
    if (!p) continue;
    switch (line.name) {
      case 'UID':
        c.uid = str(p[3]);
        break;
      case 'FN':
        if (!c.formattedName) c.formattedName = str(p[3]);
        break;
      case 'N': {
        const [family = '', given = ''] = parts(p);
        c.familyName = family;
        c.givenName = given;
        break;
      }
      case 'ORG':
        if (!c.organization) c.organization = parts(p)[0] ?? '';
        break;
      case 'EMAIL':
        c.emails.push(str(p[3]));
        c.emailTypes.push(typesOf(p));
        break;
      case 'TEL':
        c.phones.push(phoneText(p));
        c.phoneTypes.push(typesOf(p));
        break;
      case 'ADR':
        c.addresses.push(addressOf(p));
        c.addressTypes.push(typesOf(p));
        break;
      case 'BDAY':
        if (!c.birthday) c.birthday = birthdayText(str(p[3]));
        break;
      case 'NOTE':
        if (!c.note) c.note = str(p[3]);
        break;
      case 'PHOTO':
        c.photo ??= photoOf(p);
        break;
    }
  }
  return c;
}

function addressOf(p: JProp): PostalAddress {
  const [, , street = '', locality = '', region = '', postalCode = '', country = ''] = parts(p);
  return { street, locality, region, postalCode, country };
}

const sameAddress = (a: PostalAddress, b: PostalAddress) =>
  a.street === b.street && a.locality === b.locality && a.region === b.region && a.postalCode === b.postalCode && a.country === b.country;
export const emptyAddress = (a: PostalAddress) => !a.street && !a.locality && !a.region && !a.postalCode && !a.country;

/** The lines of the first BEGIN:VCARD … END:VCARD in a text (nested cards of vCard 2.1 AGENT stay inside). */
function cardLines(text: string): Line[] {
  const all = linesOf(text);
  const out: Line[] = [];
  let depth = 0;
  for (const l of all) {
    const upper = l.text.toUpperCase();
    if (upper === 'BEGIN:VCARD') depth++;
    if (depth > 0) out.push(l);
    if (upper === 'END:VCARD' && --depth === 0) break;
  }
  return out;
}

/** FN as written: the form's, else the names, the organisation or the first e-mail. */
export function displayNameOf(f: ContactFields): string {
  return f.formattedName.trim() || [f.givenName, f.familyName].map((x) => x.trim()).filter(Boolean).join(' ') || f.organization.trim() || f.emails.find((e) => e.trim())?.trim() || '';
}

/**
 * One content line, written by ical.js with the card's version's rules, as the property's default
 * value type (so no VALUE parameter is added; a phone number stays `TEL:+1 555 0100`).
 */
function write(version: string, name: string, params: Record<string, string | string[]>, value: unknown): string {
  const design = designOf(version);
  const type = design.property[name.toLowerCase()]?.defaultType ?? 'unknown';
  return ICAL.stringify.property([name.toLowerCase(), params, type, value], design, false);
}

function birthdayLine(version: string, params: Record<string, string | string[]>, day: string): string {
  // Written by hand: vCard 3 wants the extended form (RFC 2426 §3.1.5), vCard 4 the basic one
  // (RFC 6350 §4.3.1), and a birthday without a year is `--MMDD` in vCard 4.
  const value = version === '3.0' ? day : day.startsWith('--') ? `--${day.slice(2).replace('-', '')}` : day.replace(/-/g, '');
  const withoutValue = Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'value'));
  const head = write(version, 'X-BDAY', withoutValue, 'x').replace('X-BDAY', 'BDAY').replace(/:x$/, '');
  return `${head}:${value}`;
}

const paramsWithout = (p: JProp, ...drop: string[]) => Object.fromEntries(Object.entries(p[1]).filter(([k]) => !drop.includes(k)));

/**
 * A new vCard 4.0 from the form, with the given UID. Empty fields write no line; FN is always
 * written (vCard requires it).
 */
export function newCard(fields: ContactFields, uid: string, prodid = '-//Calendula//Web//EN'): string {
  const v = '4.0';
  const out = ['BEGIN:VCARD', 'VERSION:4.0', write(v, 'PRODID', {}, prodid), write(v, 'UID', {}, uid)];
  out.push(...lineFor(v, 'FN', fields, null));
  out.push(...lineFor(v, 'N', fields, null));
  out.push(...lineFor(v, 'ORG', fields, null));
  for (const e of fields.emails.map((x) => x.trim()).filter(Boolean)) out.push(write(v, 'EMAIL', {}, e));
  for (const t of fields.phones.map((x) => x.trim()).filter(Boolean)) out.push(write(v, 'TEL', {}, t));
  for (const a of fields.addresses.filter((x) => !emptyAddress(x))) out.push(write(v, 'ADR', {}, adrValue(['', ''], a)));
  out.push(...lineFor(v, 'BDAY', fields, null));
  out.push(...lineFor(v, 'NOTE', fields, null));
  out.push('END:VCARD');
  return `${out.join('\r\n')}\r\n`;
}

function adrValue(keep: string[], a: PostalAddress): string[] {
  return [keep[0] ?? '', keep[1] ?? '', a.street.trim(), a.locality.trim(), a.region.trim(), a.postalCode.trim(), a.country.trim()];
}

/** The line for a single-valued property from the form (none when empty), over an old one when given. */
function lineFor(version: string, name: 'FN' | 'N' | 'ORG' | 'BDAY' | 'NOTE', f: ContactFields, old: JProp | null): string[] {
  const params = old ? paramsWithout(old, 'value') : {};
  switch (name) {
    case 'FN':
      return [write(version, 'FN', params, displayNameOf(f))];
    case 'N': {
      if (!f.givenName.trim() && !f.familyName.trim() && !old) return version === '3.0' ? [write(version, 'N', {}, ['', '', '', '', ''])] : [];
      const keep = old ? parts(old) : [];
      return [write(version, 'N', params, [f.familyName.trim(), f.givenName.trim(), keep[2] ?? '', keep[3] ?? '', keep[4] ?? ''])];
    }
    case 'ORG': {
      if (!f.organization.trim()) return [];
      const keep = old ? parts(old).slice(1) : [];
      return [write(version, 'ORG', params, [f.organization.trim(), ...keep])];
    }
    case 'BDAY':
      return f.birthday ? [birthdayLine(version, params, f.birthday)] : [];
    case 'NOTE':
      return f.note.trim() ? [write(version, 'NOTE', params, f.note.replace(/\r\n?/g, '\n').trim())] : [];
  }
}

/**
 * The card with the form's fields applied: a property whose value the form leaves as it was keeps
 * its line exactly; a changed one is rewritten with its group and parameters; rows emptied in the
 * form drop their line; new rows are added before END:VCARD. The rows of e-mails, phones and
 * addresses are matched to the card's lines by position (the form lists them in the card's order).
 */
export function editCard(text: string, fields: ContactFields): string {
  const lines = cardLines(text);
  const version = versionOf(lines);
  const before = readContact(text);
  const out: string[] = [];
  const seen = { EMAIL: 0, TEL: 0, ADR: 0 };
  const single = new Set<string>();
  const keepOrRewrite = (line: Line, same: boolean, rewrite: () => string[]) => {
    if (same) out.push(line.raw);
    else out.push(...rewrite());
  };
  for (const line of lines) {
    if (line.text.toUpperCase() === 'END:VCARD') break;
    if (!MANAGED.has(line.name)) {
      out.push(line.raw);
      continue;
    }
    const p = parseLine(line, version);
    if (!p) {
      out.push(line.raw);
      continue;
    }
    const name = line.name as 'FN' | 'N' | 'ORG' | 'EMAIL' | 'TEL' | 'ADR' | 'BDAY' | 'NOTE';
    if (name === 'EMAIL' || name === 'TEL' || name === 'ADR') {
      const i = seen[name]++;
      if (name === 'EMAIL') {
        const now = (fields.emails[i] ?? '').trim();
        if (now) keepOrRewrite(line, now === before.emails[i], () => [write(version, 'EMAIL', paramsWithout(p, 'value'), now)]);
      } else if (name === 'TEL') {
        const now = (fields.phones[i] ?? '').trim();
        if (now) keepOrRewrite(line, now === before.phones[i], () => [write(version, 'TEL', paramsWithout(p, 'value'), now)]);
      } else {
        const now = fields.addresses[i];
        if (now && !emptyAddress(now)) keepOrRewrite(line, sameAddress(now, addressOf(p)), () => [write(version, 'ADR', paramsWithout(p, 'value'), adrValue(parts(p), now))]);
      }
      continue;
    }
    // A single-valued property: the first line is the form's; repeats (rare) are kept as they are.
    if (single.has(name)) {
      out.push(line.raw);
      continue;
    }
    single.add(name);
    const same =
      name === 'FN'
        ? displayNameOf(fields) === before.formattedName
        : name === 'N'
          ? fields.givenName.trim() === before.givenName && fields.familyName.trim() === before.familyName
          : name === 'ORG'
            ? fields.organization.trim() === before.organization
            : name === 'BDAY'
              ? fields.birthday === before.birthday
              : fields.note.replace(/\r\n?/g, '\n').trim() === before.note.trim();
    keepOrRewrite(line, same, () => lineFor(version, name, fields, p));
  }
  for (const name of ['FN', 'N', 'ORG', 'BDAY', 'NOTE'] as const) if (!single.has(name)) out.push(...lineFor(version, name, fields, null));
  for (const e of fields.emails.slice(seen.EMAIL).map((x) => x.trim()).filter(Boolean)) out.push(write(version, 'EMAIL', {}, e));
  for (const t of fields.phones.slice(seen.TEL).map((x) => x.trim()).filter(Boolean)) out.push(write(version, 'TEL', {}, t));
  for (const a of fields.addresses.slice(seen.ADR).filter((x) => !emptyAddress(x))) out.push(write(version, 'ADR', {}, adrValue(['', ''], a)));
  out.push('END:VCARD');
  return `${out.join('\r\n')}\r\n`;
}

/** One card of an import file, as it will be written. */
export interface ImportedCard {
  text: string;
  uid: string;
  /** FN, for the report. */
  name: string | null;
  /** Whether the UID was added (the file's card had none). */
  uidAdded: boolean;
}

export interface SplitResult {
  cards: ImportedCard[];
  /** Why the file is not a vCard file at all (nothing is imported then); null when it is one. */
  problem: string | null;
}

/**
 * The cards of a .vcf file, each its own content lines joined with CRLF. A card without a UID
 * (many address-book exports have none) gets one made from a hash of its text, written after
 * VERSION: importing the same file again replaces those cards instead of doubling them.
 */
export function splitCards(text: string, maxCards: number): SplitResult {
  const cards: ImportedCard[] = [];
  let current: Line[] | null = null;
  let depth = 0;
  for (const l of linesOf(text)) {
    const upper = l.text.toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      depth++;
      if (depth === 1) current = [];
    } else if (depth === 0) {
      return { cards: [], problem: `content outside BEGIN:VCARD … END:VCARD: ${l.text.slice(0, 60)}` };
    }
    current?.push(l);
    if (upper === 'END:VCARD') {
      depth--;
      if (depth < 0) return { cards: [], problem: 'END:VCARD without BEGIN:VCARD' };
      if (depth === 0 && current) {
        if (cards.length >= maxCards) return { cards: [], problem: `more than ${maxCards} cards` };
        cards.push(finish(current));
        current = null;
      }
    }
  }
  if (depth !== 0) return { cards: [], problem: 'BEGIN:VCARD without END:VCARD' };
  if (cards.length === 0) return { cards: [], problem: 'no BEGIN:VCARD' };
  return { cards, problem: null };
}

function finish(lines: Line[]): ImportedCard {
  const version = versionOf(lines);
  let uid = '';
  let name: string | null = null;
  for (const l of lines) {
    if (l.name !== 'UID' && l.name !== 'FN') continue;
    const p = parseLine(l, version);
    if (p && l.name === 'UID' && !uid) uid = str(p[3]).trim();
    if (p && l.name === 'FN' && name === null) name = str(p[3]);
  }
  const raw = lines.map((l) => l.raw);
  if (uid) return { text: `${raw.join('\r\n')}\r\n`, uid, name, uidAdded: false };
  const hash = createHash('sha256').update(raw.join('\r\n')).digest('hex');
  uid = `urn:uuid:${hash.slice(0, 8)}-${hash.slice(8, 12)}-5${hash.slice(13, 16)}-a${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
  const at = Math.max(1, raw.findIndex((_, i) => lines[i]?.name === 'VERSION') + 1);
  raw.splice(at, 0, `UID:${uid}`);
  return { text: `${raw.join('\r\n')}\r\n`, uid, name, uidAdded: true };
}

/** A card's resource name from its UID when the UID is a plain token, else from a hash of it. */
export function cardUriFor(uid: string): string {
  const bare = uid.replace(/^urn:uuid:/i, '');
  if (/^[A-Za-z0-9._@-]{1,150}$/.test(bare) && !bare.startsWith('.')) return `${bare}.vcf`;
  return `${createHash('sha256').update(uid).digest('hex').slice(0, 32)}.vcf`;
}
