// Editing part of a series through the domain, as the web face does: the objects stored after each
// scope ("this", "this and following", deleted ones), the split's two writes committed together or
// not at all, an ETag that no longer matches changing nothing, and moving an event between calendars.
import { describe, expect, it } from 'vitest';
import type { Actor, CalendarView } from '../../src/domain/calendars.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { THUNDERBIRD_SERIES } from '../fixtures/itip.ts';
import { useTestServer } from '../helpers/testServer.ts';

const SERIES_URI = 'standup.ics';
const UID = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
// Written by the organizer herself: no scheduling messages are asked of this test.
const SERIES = THUNDERBIRD_SERIES.replace(/^(ORGANIZER|ATTENDEE)[^\r]*\r\n( [^\r]*\r\n)*/gm, '');
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

async function refused(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

describe('editing part of a series', () => {
  // Three objects at most per calendar: a split that would be the fourth fails after its first write.
  const server = useTestServer({ env: { MAX_OBJECTS_PER_CALENDAR: '3' } });
  server.user('bea');
  server.user('cyd');

  const actor = async (username: string): Promise<Actor> => {
    const u = await server.domain.users.require(username);
    return { userId: u.id, username, principaluri: u.principalUri };
  };
  /** A fresh calendar of bea's holding the Thunderbird series. */
  const withSeries = async (uri: string, components: ('VEVENT' | 'VTODO')[] = ['VEVENT']): Promise<{ bea: Actor; view: CalendarView; etag: string }> => {
    const bea = await actor('bea');
    const view = await server.domain.calendars.create(bea, bea.principaluri, { uri, components });
    const { etag } = await server.domain.objects.put(bea, view, SERIES_URI, SERIES, { ifNoneMatch: ['*'] });
    return { bea, view, etag };
  };
  const objects = async (view: CalendarView): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for await (const batch of server.domain.objects.listMeta(view)) {
      for (const m of batch) out[m.uri] = unfold((await server.domain.objects.get(view, m.uri))!.data);
    }
    return out;
  };
  const token = async (view: CalendarView) => (await server.domain.calendars.get(view.principaluri, view.uri))!.synctoken;

  it('reads one occurrence, and refuses one the series does not have', async () => {
    const { view } = await withSeries('read');
    const read = await server.domain.agenda.readEvent(view, SERIES_URI, 'Asia/Tokyo', '20270111T093000');
    expect(read).toMatchObject({ uid: UID, recurring: true, occurrence: '20270111T093000', event: { summary: 'Stand-up (longer)', zone: 'Europe/Berlin', startTime: '14:00' } });
    const whole = await server.domain.agenda.readEvent(view, SERIES_URI, 'Asia/Tokyo');
    expect(whole).toMatchObject({ recurring: true, occurrence: null, otherAlarms: 0, event: { startDate: '2027-01-04', reminders: [5] } });
    expect((await refused(server.domain.agenda.readEvent(view, SERIES_URI, 'UTC', '20270118T093000'))).kind).toBe('NotFound');
  });

  it('"this": one override written; a stale ETag changes nothing', async () => {
    const { bea, view, etag } = await withSeries('this');
    const read = await server.domain.agenda.readEvent(view, SERIES_URI, 'UTC', '20270201T093000');
    const stale = await refused(server.domain.agenda.editOccurrences(bea, view, SERIES_URI, { ...read.event, summary: 'x' }, 'not-the-etag', { scope: 'this', occurrence: '20270201T093000' }));
    expect(stale.kind).toBe('PreconditionFailed');
    expect(await objects(view)).toEqual({ [SERIES_URI]: unfold(SERIES) });
    const done = await server.domain.agenda.editOccurrences(bea, view, SERIES_URI, { ...read.event, summary: 'Demo day', reminders: [] }, etag, { scope: 'this', occurrence: '20270201T093000' });
    expect(done).toEqual({ uri: SERIES_URI });
    const stored = (await objects(view))[SERIES_URI]!;
    expect(stored).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20270201T093000');
    expect(stored).toContain('SUMMARY:Demo day');
    expect(stored.match(/BEGIN:VEVENT/g)).toHaveLength(3);
    // The occurrence reads back as changed; the series around it is not.
    expect((await server.domain.agenda.readEvent(view, SERIES_URI, 'UTC', '20270201T093000')).event).toMatchObject({ summary: 'Demo day', reminders: [] });
    expect((await server.domain.agenda.readEvent(view, SERIES_URI, 'UTC', '20270208T093000')).event).toMatchObject({ summary: 'Stand-up', reminders: [5] });
  });

  it('"this and following": the old series ends with UNTIL and a new one (new UID, RELATED-TO) holds the rest, in one change of the calendar', async () => {
    const { bea, view, etag } = await withSeries('following');
    const before = await token(view);
    const read = await server.domain.agenda.readEvent(view, SERIES_URI, 'UTC', '20270201T093000');
    const { uri } = await server.domain.agenda.editOccurrences(bea, view, SERIES_URI, { ...read.event, summary: 'New stand-up' }, etag, { scope: 'following', occurrence: '20270201T093000' });
    expect(uri).not.toBe(SERIES_URI);
    const stored = await objects(view);
    expect(Object.keys(stored).sort()).toEqual([SERIES_URI, uri].sort());
    expect(stored[SERIES_URI]).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270201T082959Z');
    const next = stored[uri]!;
    expect(next).toContain(`RELATED-TO;RELTYPE=SIBLING:${UID}`);
    expect(next).toContain('RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO');
    expect(next).toContain('SUMMARY:New stand-up');
    expect(next).not.toContain(`UID:${UID}`);
    // Both writes are in the calendar's change log, one token step each.
    const changes = await server.domain.objects.changesSince(view, before);
    expect(changes.changed.map((m) => m.uri).sort()).toEqual([SERIES_URI, uri].sort());
    expect(changes.token).toBe(before + 2);
    // The new series' occurrences read from the new object.
    expect((await server.domain.agenda.readEvent(view, uri, 'UTC', '20270208T093000')).event.summary).toBe('New stand-up');
  });

  it('the split is all or nothing: when the new series cannot be stored, the old one is not shortened', async () => {
    const { bea, view, etag } = await withSeries('full');
    // Two more objects fill the calendar (three at most): the new series would be the fourth.
    for (const n of [1, 2]) {
      await server.domain.objects.put(bea, view, `filler${n}.ics`, SERIES.replaceAll(UID, `filler-${n}`), { ifNoneMatch: ['*'] });
    }
    const read = await server.domain.agenda.readEvent(view, SERIES_URI, 'UTC', '20270201T093000');
    const before = await objects(view);
    const tokenBefore = await token(view);
    const e = await refused(server.domain.agenda.editOccurrences(bea, view, SERIES_URI, { ...read.event, summary: 'New' }, etag, { scope: 'following', occurrence: '20270201T093000' }));
    expect(e.kind).toBe('Forbidden');
    expect(await objects(view)).toEqual(before);
    expect(await token(view)).toBe(tokenBefore);
    // A stale ETag is refused before anything is written, too.
    const stale = await refused(server.domain.agenda.editOccurrences(bea, view, SERIES_URI, read.event, 'stale', { scope: 'following', occurrence: '20270125T093000' }));
    expect(stale.kind).toBe('PreconditionFailed');
    expect(await objects(view)).toEqual(before);
  });

  it('"this and following" from the first occurrence replaces the object by the new series', async () => {
    const { bea, view, etag } = await withSeries('first');
    const read = await server.domain.agenda.readEvent(view, SERIES_URI, 'UTC', '20270104T093000');
    const { uri } = await server.domain.agenda.editOccurrences(bea, view, SERIES_URI, { ...read.event, location: 'Room 3' }, etag, { scope: 'following', occurrence: '20270104T093000' });
    const stored = await objects(view);
    expect(Object.keys(stored)).toEqual([uri]);
    expect(stored[uri]).toContain('LOCATION:Room 3');
    expect(stored[uri]).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20270111T093000');
  });

  it('deletes one occurrence (EXDATE), this and following (UNTIL), and the whole object when nothing is left', async () => {
    const { bea, view, etag } = await withSeries('delete');
    await server.domain.agenda.deleteOccurrences(bea, view, SERIES_URI, etag, { scope: 'this', occurrence: '20270111T093000' });
    let stored = (await objects(view))[SERIES_URI]!;
    expect(stored).toContain('EXDATE;TZID=Europe/Berlin:20270111T093000');
    expect(stored.match(/BEGIN:VEVENT/g)).toHaveLength(1);
    const second = (await server.domain.objects.get(view, SERIES_URI))!.etag;
    expect((await refused(server.domain.agenda.deleteOccurrences(bea, view, SERIES_URI, etag, { scope: 'following', occurrence: '20270201T093000' }))).kind).toBe('PreconditionFailed');
    await server.domain.agenda.deleteOccurrences(bea, view, SERIES_URI, second, { scope: 'following', occurrence: '20270201T093000' });
    stored = (await objects(view))[SERIES_URI]!;
    expect(stored).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270201T082959Z');
    expect((await refused(server.domain.agenda.deleteOccurrences(bea, view, SERIES_URI, second, { scope: 'this', occurrence: '20270208T093000' }))).kind).toBe('NotFound');
    const third = (await server.domain.objects.get(view, SERIES_URI))!.etag;
    await server.domain.agenda.deleteOccurrences(bea, view, SERIES_URI, third, { scope: 'following', occurrence: '20270104T093000' });
    expect(await objects(view)).toEqual({});
  });

  it('moves an event to another calendar; not into one without events or one shared read-only', async () => {
    const { bea, view, etag } = await withSeries('from');
    const to = await server.domain.calendars.create(bea, bea.principaluri, { uri: 'to', components: ['VEVENT', 'VTODO'] });
    const tasks = await server.domain.calendars.create(bea, bea.principaluri, { uri: 'tasks-only', components: ['VTODO'] });
    expect((await refused(server.domain.agenda.moveEvent(bea, view, SERIES_URI, tasks, etag))).kind).toBe('Invalid');
    // cyd shares a calendar with bea, read-only.
    const cyd = await actor('cyd');
    const theirs = await server.domain.calendars.create(cyd, cyd.principaluri, { uri: 'team', components: ['VEVENT'] });
    await server.domain.sharing.share('cyd', theirs.instanceId, 'bea', false);
    const shared = (await server.domain.calendars.listForPrincipal(bea.principaluri)).find((v) => v.calendarId === theirs.calendarId)!;
    expect((await refused(server.domain.agenda.moveEvent(bea, view, SERIES_URI, shared, etag))).kind).toBe('Forbidden');
    expect((await refused(server.domain.agenda.moveEvent(bea, view, SERIES_URI, to, 'stale'))).kind).toBe('PreconditionFailed');
    expect(Object.keys(await objects(view))).toEqual([SERIES_URI]);
    const moved = await server.domain.agenda.moveEvent(bea, view, SERIES_URI, to, etag);
    expect(moved).toEqual({ uri: SERIES_URI });
    expect(await objects(view)).toEqual({});
    expect(Object.keys(await objects(to))).toEqual([SERIES_URI]);
    expect((await objects(to))[SERIES_URI]).toContain(`UID:${UID}`);
  });
});
