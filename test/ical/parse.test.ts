import { describe, expect, it } from 'vitest';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { calendar, crlf, event, journal, todo, WEEKLY_BERLIN } from '../fixtures/ical.ts';

const fails = (body: string | Uint8Array) => {
  try {
    parseCalendarObject(body);
  } catch (e) {
    return (e as { failure: string }).failure;
  }
  return 'accepted';
};

describe('parseCalendarObject', () => {
  it('accepts a recurring event with an override and reads its type and UID', () => {
    const p = parseCalendarObject(WEEKLY_BERLIN);
    expect(p.componentType).toBe('VEVENT');
    expect(p.uid).toBe('weekly-1');
    expect(p.components).toHaveLength(2);
    expect(p.text).toBe(WEEKLY_BERLIN);
  });

  it('accepts tasks with DUE only, DTSTART only or neither, and notes without DTSTART', () => {
    expect(fails(calendar(todo('t1', ['DUE;VALUE=DATE:20260110', 'SUMMARY:Buy milk'])))).toBe('accepted');
    expect(fails(calendar(todo('t2', ['DTSTART:20260110T090000Z'])))).toBe('accepted');
    expect(fails(calendar(todo('t3', ['SUMMARY:Someday'])))).toBe('accepted');
    expect(fails(calendar(journal('j1', ['SUMMARY:Idea', 'DESCRIPTION:line one\\nline two'])))).toBe('accepted');
  });

  it('accepts LF line ends, a byte-order mark and folded lines', () => {
    const text = calendar(event('e1', ['DTSTART:20260101T100000Z', 'SUMMARY:A long', '  folded summary'])).replace(/\r\n/g, '\n');
    expect(fails(`\ufeff${text}`)).toBe('accepted');
  });

  it.each([
    ['an empty body', ''],
    ['whitespace only', ' \r\n'],
    ['free text', 'hello world'],
    ['JSON', '{"a":1}'],
    ['a mismatched END', crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', ...event('x', ['DTSTART:20260101T100000Z']), 'END:VEVENT'])],
    ['two VCALENDARs', calendar(event('a', ['DTSTART:20260101T100000Z'])) + calendar(event('b', ['DTSTART:20260101T100000Z']))],
    ['a BEGIN never closed', crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:x', 'DTSTART:20260101T100000Z', 'END:VCALENDAR'])],
    ['content outside the VCALENDAR', `SUMMARY:x\r\n${calendar(event('a', ['DTSTART:20260101T100000Z']))}`],
    ['an unreadable DTSTART', calendar(event('a', ['DTSTART:2026-13-45T99']))],
    ['an RRULE without FREQ', calendar(event('a', ['DTSTART:20260101T100000Z', 'RRULE:COUNT=3']))],
    ['an RRULE with an unknown FREQ', calendar(event('a', ['DTSTART:20260101T100000Z', 'RRULE:FREQ=FORTNIGHTLY']))],
    ['bytes that are not UTF-8', new Uint8Array([...Buffer.from('BEGIN:VCALENDAR\r\nSUMMARY:'), 0xff, 0xfe, ...Buffer.from('\r\nEND:VCALENDAR\r\n')])],
    ['a line without a colon', crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'garbage', 'END:VCALENDAR'])],
  ])('refuses %s as valid-calendar-data', (_name, body) => {
    expect(fails(body)).toBe('valid-calendar-data');
  });

  it.each([
    ['no component', calendar([])],
    ['only a VTIMEZONE', calendar(['BEGIN:VTIMEZONE', 'TZID:X', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0000', 'END:STANDARD', 'END:VTIMEZONE'])],
    ['several UIDs', calendar([...event('a', ['DTSTART:20260101T100000Z']), ...event('b', ['DTSTART:20260102T100000Z', 'RECURRENCE-ID:20260102T100000Z'])])],
    ['mixed component types', calendar([...event('a', ['DTSTART:20260101T100000Z']), ...todo('a', [])])],
    ['a VEVENT without DTSTART', calendar(event('a', ['SUMMARY:when?']))],
    ['a VEVENT without UID', calendar(['BEGIN:VEVENT', 'DTSTART:20260101T100000Z', 'END:VEVENT'])],
    ['two masters', calendar([...event('a', ['DTSTART:20260101T100000Z']), ...event('a', ['DTSTART:20260102T100000Z'])])],
    ['a repeated RECURRENCE-ID', calendar([...event('a', ['DTSTART:20260101T100000Z', 'RRULE:FREQ=DAILY', 'RECURRENCE-ID:20260102T100000Z']), ...event('a', ['DTSTART:20260102T120000Z', 'RECURRENCE-ID:20260102T100000Z'])])],
    ['DTEND together with DURATION', calendar(event('a', ['DTSTART:20260101T100000Z', 'DTEND:20260101T110000Z', 'DURATION:PT1H']))],
    ['a METHOD property (RFC 4791 §4.1)', calendar(['METHOD:REQUEST', ...event('a', ['DTSTART:20260101T100000Z'])])],
  ])('refuses %s as valid-calendar-object-resource', (_name, body) => {
    expect(fails(body)).toBe('valid-calendar-object-resource');
  });

  it('refuses a VFREEBUSY object as an unsupported component', () => {
    expect(fails(calendar(['BEGIN:VFREEBUSY', 'UID:f', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260101T000000Z', 'DTEND:20260102T000000Z', 'END:VFREEBUSY']))).toBe(
      'supported-calendar-component',
    );
  });
});
