import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { birthdayEntries, birthdayEventText, birthdayEvents, birthdayUid, parseDate, sameBirthdayEvent, type BirthdayEntry } from '../../src/vcard/birthdays.ts';

function card(version: '3.0' | '4.0', ...lines: string[]): string {
  return ['BEGIN:VCARD', `VERSION:${version}`, 'UID:c1', 'FN:Ada Lovelace', ...lines, 'END:VCARD', ''].join('\r\n');
}

/** The VEVENT's properties by name (first value), as a client reads them. */
function eventOf(text: string): ICAL.Component {
  const cal = new ICAL.Component(ICAL.parse(text));
  return cal.getFirstSubcomponent('vevent') as ICAL.Component;
}

function lineOf(text: string, name: string): string | undefined {
  return text.split('\r\n').find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
}

describe('birthday entries from a card', () => {
  it.each([
    ['vCard 3 extended date', '3.0', 'BDAY:1980-04-02', { month: 4, day: 2, year: 1980 }],
    ['vCard 3 basic date with VALUE=date', '3.0', 'BDAY;VALUE=date:19800402', { month: 4, day: 2, year: 1980 }],
    ['vCard 3 date-time', '3.0', 'BDAY:1980-04-02T00:00:00Z', { month: 4, day: 2, year: 1980 }],
    ['vCard 4 basic date', '4.0', 'BDAY:19800402', { month: 4, day: 2, year: 1980 }],
    ['vCard 4 without a year', '4.0', 'BDAY:--0402', { month: 4, day: 2, year: null }],
    ['vCard 4 date-time', '4.0', 'BDAY:19800402T103000Z', { month: 4, day: 2, year: 1980 }],
    ['Apple X-APPLE-OMIT-YEAR', '3.0', 'BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-02', { month: 4, day: 2, year: null }],
    ['Apple X-APPLE-OMIT-YEAR with another placeholder', '3.0', 'BDAY;X-APPLE-OMIT-YEAR=1900;VALUE=date:1900-04-02', { month: 4, day: 2, year: null }],
    ['iOS 1604 without the parameter', '3.0', 'BDAY:1604-04-02', { month: 4, day: 2, year: null }],
  ] as const)('%s', (_what, version, line, date) => {
    expect(birthdayEntries(card(version, line))).toEqual([{ field: 'BDAY', name: 'Ada Lovelace', ...date }]);
  });

  it.each([
    ['a text value', 'BDAY;VALUE=text:circa 1800'],
    ['a year alone', 'BDAY:1980'],
    ['a day without its month', 'BDAY:---02'],
    ['an impossible date', 'BDAY:1981-02-29'],
    ['month 13', 'BDAY:1980-13-01'],
    ['an empty value', 'BDAY:'],
  ])('skips %s', (_what, line) => {
    expect(birthdayEntries(card('4.0', line))).toEqual([]);
  });

  it('takes the first usable BDAY and the anniversary, from vCard 4 or vCard 3 X- properties', () => {
    expect(birthdayEntries(card('4.0', 'BDAY;VALUE=text:unknown', 'BDAY:--1231', 'ANNIVERSARY:20050611'))).toEqual([
      { field: 'BDAY', name: 'Ada Lovelace', month: 12, day: 31, year: null },
      { field: 'ANNIVERSARY', name: 'Ada Lovelace', month: 6, day: 11, year: 2005 },
    ]);
    expect(birthdayEntries(card('3.0', 'X-ANNIVERSARY:2005-06-11'))).toEqual([{ field: 'ANNIVERSARY', name: 'Ada Lovelace', month: 6, day: 11, year: 2005 }]);
  });

  it('names the contact from FN (unescaped), else from N, and skips a card left out or unreadable', () => {
    const escaped = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:Smith\\, John\r\nBDAY:1980-04-02\r\nEND:VCARD\r\n';
    expect(birthdayEntries(escaped)[0]?.name).toBe('Smith, John');
    const fromN = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:\r\nN:Lovelace;Ada;;;\r\nBDAY:1980-04-02\r\nEND:VCARD\r\n';
    expect(birthdayEntries(fromN)[0]?.name).toBe('Ada Lovelace');
    expect(birthdayEntries(card('4.0', 'BDAY:1980-04-02', 'X-NC-EXCLUDE-FROM-BIRTHDAY-CALENDAR:TRUE'))).toEqual([]);
    expect(birthdayEntries('not a card')).toEqual([]);
    expect(birthdayEntries(card('4.0'))).toEqual([]);
  });

  it('writes a name with line breaks on one line, and a very long one cut short', () => {
    const broken = 'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:Ada\\nLovelace\r\nBDAY:1980-04-02\r\nEND:VCARD\r\n';
    expect(birthdayEntries(broken)[0]?.name).toBe('Ada Lovelace');
    const long = birthdayEntries(card('4.0', 'BDAY:1980-04-02').replace('FN:Ada Lovelace', `FN:${'ü'.repeat(5000)}`))[0]!.name;
    expect(long).toBe(`${'ü'.repeat(500)}…`);
  });

  it('reads dates in either form', () => {
    expect(parseDate('--04-02', null)).toEqual({ month: 4, day: 2, year: null });
    expect(parseDate('--0229', null)).toEqual({ month: 2, day: 29, year: null });
    expect(parseDate('2000-02-29', null)).toEqual({ month: 2, day: 29, year: 2000 });
    expect(parseDate('1900-02-29', null)).toBeNull();
  });
});

describe('the birthday event', () => {
  const ada: BirthdayEntry = { field: 'BDAY', name: 'Ada Lovelace', month: 4, day: 2, year: 1980 };
  const stamp = Date.UTC(2026, 11, 7, 12) / 1000;

  it('is a yearly all-day transparent event with the year kept as Nextcloud writes it', () => {
    const text = birthdayEventText(ada, 'u1', stamp);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(lineOf(text, 'DTSTART')).toBe('DTSTART;VALUE=DATE:19800402');
    expect(lineOf(text, 'DTEND')).toBe('DTEND;VALUE=DATE:19800403');
    expect(lineOf(text, 'RRULE')).toBe('RRULE:FREQ=YEARLY');
    expect(lineOf(text, 'TRANSP')).toBe('TRANSP:TRANSPARENT');
    expect(lineOf(text, 'UID')).toBe('UID:u1');
    expect(lineOf(text, 'DTSTAMP')).toBe('DTSTAMP:20261207T120000Z');
    const ev = eventOf(text);
    expect(ev.getFirstPropertyValue('summary')).toBe('🎂 Ada Lovelace (1980)');
    expect(ev.getFirstPropertyValue('x-nextcloud-bc-field-type')).toBe('BDAY');
    expect(ev.getFirstPropertyValue('x-nextcloud-bc-unknown-year')).toBe('0');
    expect(ev.getFirstPropertyValue('x-nextcloud-bc-year')).toBe('1980');
  });

  it('starts a date without a year in 1970 and says the year is unknown; an anniversary gets a ring', () => {
    const text = birthdayEventText({ field: 'ANNIVERSARY', name: 'Ada', month: 12, day: 31, year: null }, 'u2', stamp);
    expect(lineOf(text, 'DTSTART')).toBe('DTSTART;VALUE=DATE:19701231');
    expect(lineOf(text, 'DTEND')).toBe('DTEND;VALUE=DATE:19710101');
    const ev = eventOf(text);
    expect(ev.getFirstPropertyValue('summary')).toBe('💍 Ada');
    expect(ev.getFirstPropertyValue('x-nextcloud-bc-field-type')).toBe('ANNIVERSARY');
    expect(ev.getFirstPropertyValue('x-nextcloud-bc-unknown-year')).toBe('1');
    expect(ev.hasProperty('x-nextcloud-bc-year')).toBe(false);
  });

  it('puts 29 February on the last day of February in common years', () => {
    const known = birthdayEventText({ ...ada, month: 2, day: 29, year: 1984 }, 'u3', stamp);
    expect(lineOf(known, 'DTSTART')).toBe('DTSTART;VALUE=DATE:19840229');
    expect(lineOf(known, 'DTEND')).toBe('DTEND;VALUE=DATE:19840301');
    expect(lineOf(known, 'RRULE')).toBe('RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1');
    const unknown = birthdayEventText({ ...ada, month: 2, day: 29, year: null }, 'u4', stamp);
    expect(lineOf(unknown, 'DTSTART')).toBe('DTSTART;VALUE=DATE:19720229');
    // Born 1960: the series starts in the first leap year from 1970.
    const early = birthdayEventText({ ...ada, month: 2, day: 29, year: 1960 }, 'u5', stamp);
    expect(lineOf(early, 'DTSTART')).toBe('DTSTART;VALUE=DATE:19720229');
    expect(eventOf(early).getFirstPropertyValue('x-nextcloud-bc-year')).toBe('1960');
    // ical.js, as a client would, expands the rule to 28 February in 2027 and 29 February in 2028.
    const ev = new ICAL.Event(eventOf(known));
    const it = ev.iterator();
    const days: string[] = [];
    for (let next = it.next(); next && days.length < 48; next = it.next()) days.push(next.toString());
    expect(days).toContain('2027-02-28');
    expect(days).toContain('2028-02-29');
    expect(days).not.toContain('2028-02-28');
  });

  it('folds and escapes long names; the UID is stable per book, card and field', () => {
    const long = birthdayEventText({ ...ada, name: 'Müller, Jürgen; '.repeat(10).trim() }, 'u6', stamp);
    for (const l of long.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(eventOf(long).getFirstPropertyValue('summary')).toBe(`🎂 ${'Müller, Jürgen; '.repeat(10).trim()} (1980)`);
    expect(birthdayUid('7', 'c1', 'BDAY')).toBe(birthdayUid('7', 'c1', 'BDAY'));
    expect(birthdayUid('7', 'c1', 'BDAY')).not.toBe(birthdayUid('8', 'c1', 'BDAY'));
    expect(birthdayUid('7', 'c1', 'BDAY')).not.toBe(birthdayUid('7', 'c1', 'ANNIVERSARY'));
    expect(birthdayUid('7', 'x'.repeat(1000), 'ANNIVERSARY').length).toBeLessThan(100);
  });

  it('gives one event per date of a card, equal whenever made', () => {
    const text = card('4.0', 'BDAY:19800402', 'ANNIVERSARY:--0611');
    const now = birthdayEvents(text, 'c1', '7', stamp);
    const later = birthdayEvents(text, 'c1', '7', stamp + 86400);
    expect(now.map((e) => e.field)).toEqual(['BDAY', 'ANNIVERSARY']);
    expect(now[0]?.text).not.toBe(later[0]?.text);
    expect(sameBirthdayEvent(now[0]!.text, later[0]!.text)).toBe(true);
    expect(sameBirthdayEvent(now[0]!.text, now[1]!.text)).toBe(false);
  });
});
