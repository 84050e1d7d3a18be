// The birthday calendar's events, from a vCard's BDAY and ANNIVERSARY: which dates a card gives and
// the VEVENT text of each, a yearly all-day event. Pure: the domain (src/domain/birthdays.ts)
// decides where the events are stored and when.
//
// The events have the shape Nextcloud's birthday calendar has given clients for years, so that
// what clients already understand applies: SUMMARY "🎂 Name (1980)" ("💍" for anniversaries; the
// year only when the card gives one), TRANSP:TRANSPARENT, and the X-NEXTCLOUD-BC-FIELD-TYPE,
// X-NEXTCLOUD-BC-UNKNOWN-YEAR and X-NEXTCLOUD-BC-YEAR properties (Nextcloud's calendar app shows
// the icon and the age from them). The year is in the summary too because most clients read no
// X-property: "(1980)" is the one way they can tell the age.
import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { buildEvent } from '../ical/eventBuilder.ts';

export type BirthdayField = 'BDAY' | 'ANNIVERSARY';

/** One date of a card that gets a yearly event. */
export interface BirthdayEntry {
  field: BirthdayField;
  /** The contact's name as shown (FN). */
  name: string;
  month: number;
  day: number;
  /** The year of birth (of the wedding); null when the card gives none. */
  year: number | null;
}

/** Where an anniversary may be: vCard 4's property first, then what vCard 3 writers use. */
const ANNIVERSARY_NAMES = ['anniversary', 'x-anniversary', 'x-evolution-anniversary'];

/**
 * A card that asks to stay out of the birthday calendar (Nextcloud's Contacts app writes this
 * property; honouring it costs nothing).
 */
const EXCLUDE = 'x-nc-exclude-from-birthday-calendar';

/**
 * iOS writes year 1604 for a birthday without a year (the Gregorian calendar's first full leap
 * cycle), with or without X-APPLE-OMIT-YEAR=1604.
 */
const APPLE_NO_YEAR = 1604;

/**
 * Years of birth before this are written as it in DTSTART (the year stays in the summary and in
 * X-NEXTCLOUD-BC-YEAR), as Nextcloud does: a series that starts in 1970 is one every client
 * expands without trouble, and the first instance of a birthday says nothing anyway.
 */
const EARLIEST_START_YEAR = 1970;

type JProp = [string, Record<string, unknown>, string, ...unknown[]];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysIn(month: number, year: number | null): number {
  if (month === 2) return year === null || isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * The month, day and year of a date-and-or-time value, or null for anything else: a text value
 * ("circa 1800"), a year or a month alone, a day without its month (---02), an impossible date.
 * ical.js hands values over in the extended form (1980-04-02, --04-02, 1980-04-02T10:30:00Z); the
 * basic form (19800402, --0402) is read too, for values it left as they were.
 */
export function parseDate(value: string, omitYear: string | null): { month: number; day: number; year: number | null } | null {
  const v = value.trim();
  let m = /^(\d{4})-?(\d{2})-?(\d{2})(?:T[\d:.,Z+-]*)?$/.exec(v);
  let year: number | null = null;
  let month: number;
  let day: number;
  if (m) {
    year = Number(m[1]);
    month = Number(m[2]);
    day = Number(m[3]);
    // Apple: X-APPLE-OMIT-YEAR names the placeholder year the date was written with.
    if (year === APPLE_NO_YEAR || (omitYear !== null && omitYear.trim() === m[1])) year = null;
  } else {
    m = /^--(\d{2})-?(\d{2})(?:T[\d:.,Z+-]*)?$/.exec(v);
    if (!m) return null;
    month = Number(m[1]);
    day = Number(m[2]);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return null;
  return { month, day, year };
}

function text(v: unknown): string {
  if (Array.isArray(v)) return v.map(text).filter(Boolean).join(' ');
  return typeof v === 'string' ? v.trim() : '';
}

/** The longest name an event takes: a card may be as large as an event may, and the event holds more than the name. */
const MAX_NAME_LENGTH = 500;

/** A name as a summary holds it: control characters (a line break in FN) as spaces, at most MAX_NAME_LENGTH characters. */
function cleanName(name: string): string {
  const flat = name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MAX_NAME_LENGTH ? `${[...flat].slice(0, MAX_NAME_LENGTH).join('').trimEnd()}…` : flat;
}

/** FN; a card without one (or with an empty one) is named from N, then ORG. */
function nameOf(props: JProp[]): string {
  return cleanName(rawNameOf(props));
}

function rawNameOf(props: JProp[]): string {
  const fn = props.find((p) => p[0] === 'fn');
  const full = fn ? text(fn.slice(3)) : '';
  if (full) return full;
  const n = props.find((p) => p[0] === 'n');
  if (n && Array.isArray(n[3])) {
    const parts = n[3] as unknown[];
    // N is family;given;additional;prefixes;suffixes: written given first.
    const name = [parts[3], parts[1], parts[2], parts[0], parts[4]].map(text).filter(Boolean).join(' ');
    if (name) return name;
  }
  const org = props.find((p) => p[0] === 'org');
  return org ? text(org.slice(3)) : '';
}

/** The first usable date among the properties named `names`, in that order of preference. */
function firstDate(props: JProp[], names: string[]): { month: number; day: number; year: number | null } | null {
  for (const name of names) {
    for (const p of props) {
      if (p[0] !== name || p[2] === 'text') continue;
      const omit = p[1]['x-apple-omit-year'];
      const date = parseDate(text(p[3]), typeof omit === 'string' ? omit : null);
      if (date) return date;
    }
  }
  return null;
}

/**
 * The dates of a card that get an event: its birthday and its anniversary, each at most once.
 * A card that cannot be read, has no name, or asks to be left out gives none.
 */
export function birthdayEntries(cardText: string): BirthdayEntry[] {
  let parsed: unknown;
  try {
    parsed = ICAL.parse(cardText);
  } catch {
    return [];
  }
  // One component comes back as ['vcard', props, []], several as a list of them: the first counts.
  const first: unknown = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed[0] : parsed;
  if (!Array.isArray(first) || first[0] !== 'vcard' || !Array.isArray(first[1])) return [];
  const props = (first[1] as unknown[]).filter((p): p is JProp => Array.isArray(p) && typeof p[0] === 'string');
  if (props.some((p) => p[0] === EXCLUDE)) return [];
  const name = nameOf(props);
  if (!name) return [];
  const out: BirthdayEntry[] = [];
  const bday = firstDate(props, ['bday']);
  if (bday) out.push({ field: 'BDAY', name, ...bday });
  const anniversary = firstDate(props, ANNIVERSARY_NAMES);
  if (anniversary) out.push({ field: 'ANNIVERSARY', name, ...anniversary });
  return out;
}

/** The event's title: "🎂 Name (1980)", "💍 Name", as Nextcloud writes them. */
export function birthdaySummary(e: BirthdayEntry): string {
  return `${e.field === 'BDAY' ? '🎂' : '💍'} ${e.name}${e.year !== null ? ` (${e.year})` : ''}`;
}

/**
 * The UID of a card's event for `field`: stable for as long as the card keeps its UID in its
 * address book (`scope`), so that turning the calendar off and on again, or rewriting the event,
 * gives clients the same event. The card's UID is hashed with its address book: two books may hold
 * cards with one UID (a contact copied), and a card's UID may be longer than a calendar UID may be.
 */
export function birthdayUid(scope: string, cardUid: string, field: BirthdayField): string {
  const hash = createHash('sha256').update(`${scope}\n${cardUid}`).digest('hex').slice(0, 32);
  return `${hash}-${field === 'BDAY' ? 'bday' : 'anniversary'}@birthdays.calendula`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * The VCALENDAR text of an entry's event: all day, every year, transparent. 29 February recurs on
 * the last day of February (BYMONTH=2;BYMONTHDAY=-1), since a plain yearly rule from a 29 February
 * skips three years in four (RFC 5545 §3.3.10: invalid dates are ignored). A date without a year
 * starts in 1970 (1972 for 29 February, a leap year, so that the start is an instance).
 */
export function birthdayEventText(e: BirthdayEntry, uid: string, stamp: number): string {
  const leapDay = e.month === 2 && e.day === 29;
  let startYear = e.year === null || e.year < EARLIEST_START_YEAR ? EARLIEST_START_YEAR : e.year;
  if (leapDay && !isLeap(startYear)) startYear += 4 - (startYear % 4);
  const start = new Date(Date.UTC(startYear, e.month - 1, e.day));
  const end = new Date(start.getTime() + 86_400_000);
  const day = (d: Date) => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const properties = [
    { name: 'X-NEXTCLOUD-BC-FIELD-TYPE', value: e.field },
    { name: 'X-NEXTCLOUD-BC-UNKNOWN-YEAR', value: e.year === null ? '1' : '0' },
  ];
  if (e.year !== null) properties.push({ name: 'X-NEXTCLOUD-BC-YEAR', value: String(e.year) });
  return buildEvent({
    prodId: '-//Calendula//Birthday calendar//EN',
    calscale: true,
    uid,
    stamp,
    start: { date: day(start) },
    end: { date: day(end) },
    summary: birthdaySummary(e),
    rrule: leapDay ? 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1' : 'FREQ=YEARLY',
    transparent: true,
    properties,
  });
}

/** The event of an entry as the domain stores it. */
export interface BirthdayEvent {
  field: BirthdayField;
  uid: string;
  text: string;
}

/** The events of a card (see birthdayEntries), for a card of UID `cardUid` in address book `scope`. */
export function birthdayEvents(cardText: string, cardUid: string, scope: string, stamp: number): BirthdayEvent[] {
  return birthdayEntries(cardText).map((e) => {
    const uid = birthdayUid(scope, cardUid, e.field);
    return { field: e.field, uid, text: birthdayEventText(e, uid, stamp) };
  });
}

/** Whether two event texts say the same, whenever they were made (DTSTAMP aside). */
export function sameBirthdayEvent(a: string, b: string): boolean {
  const strip = (s: string) => s.replace(/\r\nDTSTAMP:[^\r\n]*/g, '');
  return strip(a) === strip(b);
}
