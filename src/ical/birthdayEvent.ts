// The birthday calendar's event text: a yearly all-day event for a date of a card (which dates a
// card gives is src/vcard/birthdays.ts). Pure.
//
// The events have the shape Nextcloud's birthday calendar has given clients for years, so that
// what clients already understand applies: SUMMARY "🎂 Name (1980)" ("💍" for anniversaries; the
// year only when the card gives one), TRANSP:TRANSPARENT, and the X-NEXTCLOUD-BC-FIELD-TYPE,
// X-NEXTCLOUD-BC-UNKNOWN-YEAR and X-NEXTCLOUD-BC-YEAR properties (Nextcloud's calendar app shows
// the icon and the age from them). The year is in the summary too because most clients read no
// X-property: "(1980)" is the one way they can tell the age.
import { buildEvent } from './eventBuilder.ts';

/** A date of a contact that recurs every year (the shape of src/vcard/birthdays.ts's entries). */
export interface BirthdayDate {
  field: 'BDAY' | 'ANNIVERSARY';
  /** The contact's name as shown. */
  name: string;
  month: number;
  day: number;
  /** The year of birth (of the wedding); null when unknown. */
  year: number | null;
}

/**
 * Years of birth before this are written as it in DTSTART (the year stays in the summary and in
 * X-NEXTCLOUD-BC-YEAR), as Nextcloud does: a series that starts in 1970 is one every client
 * expands without trouble, and the first instance of a birthday says nothing anyway.
 */
const EARLIEST_START_YEAR = 1970;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** The event's title: "🎂 Name (1980)", "💍 Name", as Nextcloud writes them. */
export function birthdaySummary(e: BirthdayDate): string {
  return `${e.field === 'BDAY' ? '🎂' : '💍'} ${e.name}${e.year !== null ? ` (${e.year})` : ''}`;
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
export function birthdayEventText(e: BirthdayDate, uid: string, stamp: number): string {
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

/** Whether two event texts say the same, whenever they were made (DTSTAMP aside). */
export function sameBirthdayEvent(a: string, b: string): boolean {
  const strip = (s: string) => s.replace(/\r\nDTSTAMP:[^\r\n]*/g, '');
  return strip(a) === strip(b);
}
