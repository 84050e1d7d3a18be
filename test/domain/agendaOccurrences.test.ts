// The web views' read path at the domain's level: AgendaService.occurrences over the user's event
// calendars (the pool's threads each expanding a part of every batch), in start order, each
// occurrence with its own object; hidden calendars left out unless asked; the limit cuts the
// earliest; series whose indexed instances miss the window are not listed; the candidates are read
// as names and texts only (candidateTexts), as the full rows would narrow them.
import { describe, expect, it } from 'vitest';
import { earliest, partsOf } from '../../src/domain/agenda.ts';
import type { Actor, CalendarView } from '../../src/domain/calendars.ts';
import { useTestServer } from '../helpers/testServer.ts';

const at = (iso: string) => Date.parse(iso) / 1000;
const iso = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 16);
const calendar = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');
const oneOff = (uid: string, start: string, end: string, extra: string[] = []) =>
  calendar('BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `DTSTART:${start}`, `DTEND:${end}`, `SUMMARY:${uid}`, ...extra, 'END:VEVENT');
const MARCH = { start: at('2026-03-01T00:00:00Z'), end: at('2026-04-01T00:00:00Z') };

describe('the occurrences of the web views', { shuffle: false }, () => {
  const server = useTestServer();
  server.user('ola');
  let ola: Actor;
  let home: CalendarView;
  let work: CalendarView;

  it('lists every occurrence of the window in start order, each with the object it comes from', async () => {
    const u = await server.domain.users.require('ola');
    ola = { userId: u.id, username: 'ola', principaluri: u.principalUri };
    home = await server.domain.calendars.create(ola, ola.principaluri, { uri: 'home', displayname: 'Home', components: ['VEVENT'] });
    work = await server.domain.calendars.create(ola, ola.principaluri, { uri: 'work', displayname: 'Work', components: ['VEVENT'] });
    // Stored latest first, so that the order of the answer is not the order of the rows.
    for (let d = 28; d >= 1; d--) {
      const day = String(d).padStart(2, '0');
      await server.domain.objects.put(ola, home, `day-${day}.ics`, oneOff(`day-${day}`, `202603${day}T090000Z`, `202603${day}T100000Z`));
    }
    // Outside the window, before and after.
    await server.domain.objects.put(ola, home, 'february.ics', oneOff('february', '20260215T090000Z', '20260215T100000Z'));
    await server.domain.objects.put(ola, home, 'april.ics', oneOff('april', '20260402T090000Z', '20260402T100000Z'));
    await server.domain.objects.put(ola, home, 'cancelled.ics', oneOff('cancelled', '20260310T120000Z', '20260310T130000Z', ['STATUS:CANCELLED']));
    // Weekly from January, 12 times: in March on the 2nd, 9th (moved to the 11th), 16th and 23rd.
    await server.domain.objects.put(
      ola,
      home,
      'weekly.ics',
      calendar(
        'BEGIN:VEVENT', 'UID:weekly', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260105T070000Z', 'DTEND:20260105T073000Z', 'RRULE:FREQ=WEEKLY;COUNT=12', 'SUMMARY:weekly', 'END:VEVENT',
        'BEGIN:VEVENT', 'UID:weekly', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID:20260309T070000Z', 'DTSTART:20260311T070000Z', 'DTEND:20260311T073000Z', 'SUMMARY:weekly (moved)', 'END:VEVENT',
      ),
    );
    // A series that spans March without an instance in it (January and May): its indexed spans leave it out.
    await server.domain.objects.put(ola, home, 'gap.ics', calendar('BEGIN:VEVENT', 'UID:gap', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260110T090000Z', 'DTEND:20260110T100000Z', 'RDATE:20260510T090000Z', 'SUMMARY:gap', 'END:VEVENT'));
    await server.domain.objects.put(ola, work, 'review.ics', oneOff('review', '20260305T150000Z', '20260305T160000Z'));

    const { items, capped } = await server.domain.agenda.occurrences(ola, MARCH, 'UTC', 1000);
    expect(capped).toBe(false);
    expect(items.length).toBe(28 + 4 + 1);
    expect(items.map((o) => o.start)).toEqual([...items.map((o) => o.start)].sort((a, b) => a - b));
    // Each occurrence names its own object: the summary is the object's UID here.
    for (const o of items) expect(o.uri).toBe(`${o.uid}.ics`);
    expect(items.filter((o) => o.uid !== 'weekly' && o.uid !== 'review').map((o) => o.summary)).toEqual(Array.from({ length: 28 }, (_, i) => `day-${String(i + 1).padStart(2, '0')}`));
    expect(items.filter((o) => o.uid === 'weekly').map((o) => [o.summary, iso(o.start), o.recurrenceId])).toEqual([
      ['weekly', '2026-03-02T07:00', '20260302T070000Z'],
      ['weekly (moved)', '2026-03-11T07:00', '20260309T070000Z'],
      ['weekly', '2026-03-16T07:00', '20260316T070000Z'],
      ['weekly', '2026-03-23T07:00', '20260323T070000Z'],
    ]);
    expect(items.find((o) => o.uid === 'review')?.calendar.uri).toBe('work');
  });

  it('leaves a calendar hidden from the web views out, unless asked', async () => {
    await server.domain.calendars.setWebHidden(ola, work, true);
    const hidden = await server.domain.agenda.occurrences(ola, MARCH, 'UTC', 1000);
    expect(hidden.items.some((o) => o.uid === 'review')).toBe(false);
    expect(hidden.items.length).toBe(32);
    const all = await server.domain.agenda.occurrences(ola, MARCH, 'UTC', 1000, { includeHidden: true });
    expect(all.items.some((o) => o.uid === 'review')).toBe(true);
    await server.domain.calendars.setWebHidden(ola, work, false);
  });

  it('reads the calendars the caller passes (a view page has read them for its panel) as it reads its own', async () => {
    const calendars = await server.domain.calendars.listForPrincipal(ola.principaluri);
    const read = await server.domain.agenda.occurrences(ola, MARCH, 'UTC', 1000);
    expect(await server.domain.agenda.occurrences(ola, MARCH, 'UTC', 1000, { calendars })).toEqual(read);
    const onlyWork = await server.domain.agenda.occurrences(ola, MARCH, 'UTC', 1000, { calendars: calendars.filter((v) => v.uri === 'work') });
    expect(onlyWork.items.map((o) => o.uid)).toEqual(['review']);
  });

  it('cuts at the limit, keeping the earliest, and says so', async () => {
    const { items, capped } = await server.domain.agenda.occurrences(ola, MARCH, 'UTC', 3);
    expect(capped).toBe(true);
    expect(items.map((o) => o.summary)).toEqual(['day-01', 'weekly', 'day-02']);
  });

  it('keeps the earliest of the window whatever order the rows came in (the cut between batches)', () => {
    const o = (summary: string, start: number, end: number) => ({ uid: summary, summary, location: null, start, end, allDay: false, recurring: false, recurrenceId: null });
    const read = [o('late', 500, 600), o('b', 100, 300), o('a', 100, 300), o('short', 100, 200), o('first', 50, 60)];
    expect(earliest(read, 3).map((x) => x.summary)).toEqual(['first', 'short', 'a']);
    expect(earliest(read, 10).map((x) => x.summary)).toEqual(['first', 'short', 'a', 'b', 'late']);
    // Cutting batch by batch gives what one cut of everything gives.
    expect(earliest([...earliest(read.slice(0, 2), 3), ...read.slice(2)], 3)).toEqual(earliest(read, 3));
  });

  it('reads the candidates as names and texts only, narrowed and batched as the full rows are', async () => {
    const narrow = { componentType: 'VEVENT', range: MARCH, exact: true };
    const full: { uri: string; data: string }[] = [];
    for await (const b of server.domain.objects.candidates(home, narrow, 7)) full.push(...b.map((o) => ({ uri: o.uri, data: o.data })));
    const texts: { uri: string; data: string }[] = [];
    const sizes: number[] = [];
    for await (const b of server.domain.objects.candidateTexts(home, narrow, 7)) {
      sizes.push(b.length);
      texts.push(...b.map((o) => ({ uri: o.uri, data: o.data })));
    }
    expect(texts).toEqual(full);
    // Every day of March, the weekly series and the cancelled one; not the series whose instances miss March.
    expect(texts.length).toBe(28 + 2);
    expect(texts.some((o) => o.uri === 'gap.ics' || o.uri === 'february.ics')).toBe(false);
    expect(texts.find((o) => o.uri === 'weekly.ics')?.data).toContain('RRULE:FREQ=WEEKLY;COUNT=12');
    expect(sizes).toEqual([7, 7, 7, 7, 2]);
  });

  it('cuts a batch into one part per thread, in order', () => {
    expect(partsOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2, 3], [4, 5]]);
    expect(partsOf([1, 2, 3], 4)).toEqual([[1], [2], [3]]);
    expect(partsOf([], 2)).toEqual([]);
    expect(partsOf([1, 2], 0)).toEqual([[1, 2]]);
  });
});
