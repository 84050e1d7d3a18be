import { describe, expect, it } from 'vitest';
import { matchesFilter, type CompFilter, type PropFilter } from '../../src/ical/filter.ts';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { calendar, event, todo, utc, WEEKLY_BERLIN } from '../fixtures/ical.ts';

const comp = (name: string, o: Partial<CompFilter> = {}): CompFilter => ({ name, isNotDefined: false, propFilters: [], compFilters: [], ...o });
const prop = (name: string, o: Partial<PropFilter> = {}): PropFilter => ({ name, isNotDefined: false, paramFilters: [], ...o });
const range = (a: string, b?: string) => ({ start: utc(a), end: b ? utc(b) : undefined });
const opts = { floatingZone: undefined, maxInstances: 1000 };
const matches = (text: string, f: CompFilter) => matchesFilter(parseCalendarObject(text).root, f, opts);

describe('calendar-query filters', () => {
  it('matches a recurring series by any instance, honouring EXDATE and moved overrides', () => {
    const q = (a: string, b: string) => matches(WEEKLY_BERLIN, comp('VCALENDAR', { compFilters: [comp('VEVENT', { timeRange: range(a, b) })] }));
    expect(q('2026-02-02T08:00:00Z', '2026-02-02T10:00:00Z')).toBe(true); // an ordinary instance
    expect(q('2026-01-19T08:00:00Z', '2026-01-19T11:00:00Z')).toBe(false); // EXDATE
    expect(q('2026-01-26T08:00:00Z', '2026-01-26T11:00:00Z')).toBe(false); // moved away from 10:00
    expect(q('2026-01-26T13:30:00Z', '2026-01-26T14:30:00Z')).toBe(true); // moved to 15:00 Berlin
    expect(q('2026-03-16T00:00:00Z', '2026-04-01T00:00:00Z')).toBe(false); // after COUNT=10
  });

  it('treats an open-ended time-range (start only, as DAVx5 sends) as reaching forever', () => {
    const f = comp('VCALENDAR', { compFilters: [comp('VEVENT', { timeRange: range('2026-03-01T00:00:00Z') })] });
    expect(matches(WEEKLY_BERLIN, f)).toBe(true);
    expect(matches(calendar(event('old', ['DTSTART:20200101T000000Z'])), f)).toBe(false);
  });

  it('selects by component type and is-not-defined', () => {
    const t = calendar(todo('t', ['SUMMARY:x']));
    expect(matches(t, comp('VCALENDAR', { compFilters: [comp('VTODO')] }))).toBe(true);
    expect(matches(t, comp('VCALENDAR', { compFilters: [comp('VEVENT')] }))).toBe(false);
    // tasks.org / DAVx5: open tasks are those without COMPLETED
    const open = comp('VCALENDAR', { compFilters: [comp('VTODO', { propFilters: [prop('COMPLETED', { isNotDefined: true })] })] });
    expect(matches(t, open)).toBe(true);
    expect(matches(calendar(todo('t', ['COMPLETED:20260101T000000Z'])), open)).toBe(false);
  });

  it('text-match: substring under i;ascii-casemap (default), i;octet and i;unicode-casemap, with negate', () => {
    const text = calendar(event('e', ['DTSTART:20260101T100000Z', 'SUMMARY:Straße Meeting']));
    const tm = (value: string, collation: 'i;ascii-casemap' | 'i;octet' | 'i;unicode-casemap', negate = false) =>
      matches(text, comp('VCALENDAR', { compFilters: [comp('VEVENT', { propFilters: [prop('SUMMARY', { textMatch: { value, collation, negate } })] })] }));
    expect(tm('meeting', 'i;ascii-casemap')).toBe(true);
    expect(tm('meeting', 'i;octet')).toBe(false);
    expect(tm('Meeting', 'i;octet')).toBe(true);
    expect(tm('STRASSE', 'i;unicode-casemap')).toBe(true);
    expect(tm('STRASSE', 'i;ascii-casemap')).toBe(false);
    expect(tm('meeting', 'i;ascii-casemap', true)).toBe(false);
    expect(tm('lunch', 'i;ascii-casemap', true)).toBe(true);
  });

  it('param-filter on ATTENDEE PARTSTAT', () => {
    const text = calendar(event('e', ['DTSTART:20260101T100000Z', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:a@example.org']));
    const pf = (value: string) =>
      matches(
        text,
        comp('VCALENDAR', {
          compFilters: [comp('VEVENT', { propFilters: [prop('ATTENDEE', { paramFilters: [{ name: 'PARTSTAT', isNotDefined: false, textMatch: { value, collation: 'i;ascii-casemap', negate: false } }] })] })],
        }),
      );
    expect(pf('needs-action')).toBe(true);
    expect(pf('accepted')).toBe(false);
  });

  it('time-range on VALARM: the trigger of some instance falls in the range', () => {
    const text = calendar(event('a', ['DTSTART:20260110T100000Z', 'DTEND:20260110T110000Z', 'RRULE:FREQ=DAILY;COUNT=3', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:x', 'TRIGGER:-PT15M', 'END:VALARM']));
    const q = (a: string, b: string) =>
      matches(text, comp('VCALENDAR', { compFilters: [comp('VEVENT', { compFilters: [comp('VALARM', { timeRange: range(a, b) })] })] }));
    expect(q('2026-01-11T09:40:00Z', '2026-01-11T09:50:00Z')).toBe(true); // 09:45 on the second day
    expect(q('2026-01-11T09:50:00Z', '2026-01-11T10:00:00Z')).toBe(false);
    expect(q('2026-01-13T09:40:00Z', '2026-01-13T09:50:00Z')).toBe(false); // after COUNT=3
  });

  it('time-range on a property (DTSTAMP, LAST-MODIFIED)', () => {
    const text = calendar(event('p', ['DTSTART:20260110T100000Z', 'LAST-MODIFIED:20260105T120000Z']));
    const q = (a: string, b: string) =>
      matches(text, comp('VCALENDAR', { compFilters: [comp('VEVENT', { propFilters: [prop('LAST-MODIFIED', { timeRange: range(a, b) })] })] }));
    expect(q('2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z')).toBe(true);
    expect(q('2026-01-06T00:00:00Z', '2026-01-07T00:00:00Z')).toBe(false);
  });

  it('reads floating and all-day times in the calendar time zone', () => {
    const text = calendar(event('f', ['DTSTART:20260110T230000', 'DURATION:PT30M']));
    const f = comp('VCALENDAR', { compFilters: [comp('VEVENT', { timeRange: range('2026-01-10T21:00:00Z', '2026-01-10T23:00:00Z') })] });
    expect(matchesFilter(parseCalendarObject(text).root, f, { floatingZone: undefined, maxInstances: 10 })).toBe(false);
    // 23:00 in Berlin is 22:00Z
    expect(matchesFilter(parseCalendarObject(text).root, f, { floatingZone: 'Europe/Berlin', maxInstances: 10 })).toBe(true);
  });
});
