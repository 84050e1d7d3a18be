import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { calendarDataFor, type CompSelection } from '../../src/ical/calendarData.ts';
import { mergeCalendars, foldLine } from '../../src/ical/export.ts';
import { busyPeriods, freeBusyCalendar } from '../../src/ical/freebusy.ts';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { calendar, event, utc, VTIMEZONE_BERLIN, WEEKLY_BERLIN } from '../fixtures/ical.ts';

const opts = { floatingZone: undefined, maxInstances: 1000 };
const parse = (t: string) => new ICAL.Component(ICAL.parse(t) as never);

describe('calendar-data', () => {
  it('returns the stored text byte for byte when nothing is selected', () => {
    expect(calendarDataFor(WEEKLY_BERLIN, {}, opts)).toBe(WEEKLY_BERLIN);
  });

  it('expand: one component per instance in the range, in UTC, with RECURRENCE-ID and no RRULE/EXDATE/VTIMEZONE', () => {
    const out = calendarDataFor(WEEKLY_BERLIN, { expand: { start: utc('2026-01-10T00:00:00Z'), end: utc('2026-02-03T00:00:00Z') } }, opts);
    const root = parse(out);
    expect(root.getAllSubcomponents('vtimezone')).toHaveLength(0);
    const events = root.getAllSubcomponents('vevent');
    expect(events.map((e) => e.getFirstPropertyValue('dtstart')!.toString())).toEqual([
      '2026-01-12T09:00:00Z',
      '2026-01-26T14:00:00Z',
      '2026-02-02T09:00:00Z',
    ]);
    expect(events.map((e) => e.getFirstPropertyValue('recurrence-id')!.toString())).toEqual([
      '2026-01-12T09:00:00Z',
      '2026-01-26T09:00:00Z',
      '2026-02-02T09:00:00Z',
    ]);
    expect(events.every((e) => !e.hasProperty('rrule') && !e.hasProperty('exdate'))).toBe(true);
    expect(events[1]!.getFirstPropertyValue('summary')).toBe('Team meeting (moved)');
    expect(out).toMatch(/\r\n$/);
    expect(out).not.toMatch(/[^\r]\n/);
  });

  it('limit-recurrence-set keeps the master and only the overrides that touch the range', () => {
    const out = calendarDataFor(WEEKLY_BERLIN, { limitRecurrenceSet: { start: utc('2026-02-01T00:00:00Z'), end: utc('2026-03-01T00:00:00Z') } }, opts);
    const events = parse(out).getAllSubcomponents('vevent');
    expect(events).toHaveLength(1);
    expect(events[0]!.hasProperty('rrule')).toBe(true);
  });

  it('comp and prop selection keeps only what was asked', () => {
    const select: CompSelection = {
      name: 'VCALENDAR',
      allProps: false,
      props: [{ name: 'VERSION', noValue: false }],
      allComps: false,
      comps: [{ name: 'VEVENT', allProps: false, props: [{ name: 'SUMMARY', noValue: false }, { name: 'UID', noValue: false }], allComps: false, comps: [] }],
    };
    const root = parse(calendarDataFor(WEEKLY_BERLIN, { select }, opts));
    expect(root.getAllProperties().map((p) => p.name)).toEqual(['version']);
    expect(root.getAllSubcomponents('vtimezone')).toHaveLength(0);
    const first = root.getAllSubcomponents('vevent')[0]!;
    expect(first.getAllProperties().map((p) => p.name).sort()).toEqual(['summary', 'uid']);
  });
});

describe('free-busy', () => {
  it('lists busy and tentative periods, skipping transparent and cancelled events, merged and clipped', () => {
    const objects = [
      calendar(event('a', ['DTSTART:20260105T090000Z', 'DTEND:20260105T100000Z'])),
      calendar(event('b', ['DTSTART:20260105T093000Z', 'DTEND:20260105T110000Z'])),
      calendar(event('c', ['DTSTART:20260105T120000Z', 'DTEND:20260105T130000Z', 'STATUS:TENTATIVE'])),
      calendar(event('d', ['DTSTART:20260105T140000Z', 'DTEND:20260105T150000Z', 'TRANSP:TRANSPARENT'])),
      calendar(event('e', ['DTSTART:20260105T160000Z', 'DTEND:20260105T170000Z', 'STATUS:CANCELLED'])),
      calendar(event('f', ['DTSTART:20260105T230000Z', 'DTEND:20260106T010000Z'])),
    ];
    const range = { start: utc('2026-01-05T00:00:00Z'), end: utc('2026-01-06T00:00:00Z') };
    const periods = objects.flatMap((o) => busyPeriods(parseCalendarObject(o).root, range, undefined, 100));
    const text = freeBusyCalendar(periods, range, utc('2026-01-01T00:00:00Z'), '-//Calendula//EN');
    const fb = parse(text).getFirstSubcomponent('vfreebusy')!;
    const lines = fb.getAllProperties('freebusy').map((p) => `${p.getParameter('fbtype') ?? 'BUSY'} ${p.getFirstValue()!.toString()}`);
    expect(lines).toEqual([
      'BUSY 2026-01-05T09:00:00Z/2026-01-05T11:00:00Z',
      'BUSY 2026-01-05T23:00:00Z/2026-01-06T00:00:00Z',
      'BUSY-TENTATIVE 2026-01-05T12:00:00Z/2026-01-05T13:00:00Z',
    ]);
  });
});

describe('export', () => {
  it('merges objects into one VCALENDAR with each VTIMEZONE once and a calendar name', () => {
    const second = calendar(event('x', ['DTSTART;TZID=Europe/Berlin:20260110T100000', 'SUMMARY:x']), { timezones: [VTIMEZONE_BERLIN] });
    const out = mergeCalendars([WEEKLY_BERLIN, second], { prodId: '-//Calendula//EN', properties: ['X-WR-CALNAME:Work'] });
    const root = parse(out);
    expect(root.getAllSubcomponents('vtimezone')).toHaveLength(1);
    expect(root.getAllSubcomponents('vevent')).toHaveLength(3);
    expect(root.getFirstPropertyValue('x-wr-calname')).toBe('Work');
    expect(out.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
  });

  it('folds at 75 octets without splitting a UTF-8 character, and unfolds back to the same line', () => {
    const line = `SUMMARY:${'ä'.repeat(60)}😀${'x'.repeat(40)}`;
    const folded = foldLine(line);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(line);
  });
});
