import { describe, expect, it } from 'vitest';
import { birthdayEntries, parseDate } from '../../src/vcard/birthdays.ts';

function card(version: '3.0' | '4.0', ...lines: string[]): string {
  return ['BEGIN:VCARD', `VERSION:${version}`, 'UID:c1', 'FN:Ada Lovelace', ...lines, 'END:VCARD', ''].join('\r\n');
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
