// The push engine end to end: synchronizations set up through the provisioning API, events written
// through CalDAV, pushed by the worker into real CalDAV targets on loopback (a second Calendula and
// Debian's Radicale), read back from the targets over CalDAV.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import ICAL from 'ical.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { createLogger } from '../../src/logger.ts';
import { SyncWorker } from '../../src/sync/worker.ts';
import { calendar, event, todo, VTIMEZONE_BERLIN } from '../fixtures/ical.ts';
import { calendarQuery, Dav, parseMultistatus, C, D, textIn } from '../helpers/dav.ts';
import { startProxy } from '../helpers/proxy.ts';
import { startRadicale, type Radicale } from '../helpers/radicale.ts';
import { basic, startTestServer, type TestServer } from '../helpers/server.ts';

const KEY = 'provisioning-admin-key-for-tests';
const SECRET_KEY = 'b'.repeat(64);
const HOUR = 3600_000;

/** What a target holds, read over CalDAV: href → {etag, data, uid}. */
interface TargetObject {
  etag: string;
  data: string;
  uid: string;
  summary: string;
  markers: Record<string, string>;
}

async function readTarget(collection: string, user: string, password: string): Promise<Map<string, TargetObject>> {
  const res = await fetch(collection, {
    method: 'REPORT',
    headers: { authorization: basic(user, password), depth: '1', 'content-type': 'application/xml; charset=utf-8' },
    body: calendarQuery('<c:comp-filter name="VCALENDAR"/>', '<d:getetag/><c:calendar-data/>'),
  });
  expect(res.status).toBe(207);
  const out = new Map<string, TargetObject>();
  for (const [href, m] of parseMultistatus(await res.text()).members) {
    const data = textIn(m.props.get(C('calendar-data'))?.el);
    if (!data) continue;
    const comp = new ICAL.Component(ICAL.parse(data));
    const first = comp.getAllSubcomponents().find((c) => c.name === 'vevent');
    const markers: Record<string, string> = {};
    for (const name of ['x-calendula-sync-id', 'x-calendula-instance-id', 'x-calendula-source-uid']) {
      const v = first?.getFirstPropertyValue(name);
      if (typeof v === 'string') markers[name] = v;
    }
    out.set(new URL(href, collection).pathname, {
      etag: textIn(m.props.get(D('getetag'))?.el),
      data,
      uid: String(first?.getFirstPropertyValue('uid') ?? ''),
      summary: String(first?.getFirstPropertyValue('summary') ?? ''),
      markers,
    });
  }
  return out;
}

interface Target {
  name: string;
  collection: string;
  user: string;
  password: string;
  /** Another collection of the same account (for tests that need a fresh one). */
  fresh(name: string): Promise<string>;
  close(): Promise<void>;
}

async function calendulaTarget(): Promise<Target> {
  const server = await startTestServer({ SYNC_WORKER: 'false' });
  const password = 'bob-target-password';
  await server.domain.users.create({ username: 'bob', password });
  const dav = new Dav(server.url, 'bob', password);
  return {
    name: 'a second Calendula',
    collection: `${server.url}/dav/calendars/bob/default/`,
    user: 'bob',
    password,
    async fresh(name) {
      const res = await dav.request('MKCALENDAR', `/dav/calendars/bob/${name}/`);
      expect(res.status).toBe(201);
      return `${server.url}/dav/calendars/bob/${name}/`;
    },
    close: () => server.close(),
  };
}

async function radicaleTarget(): Promise<Target> {
  const password = 'carol-target-password';
  const radicale: Radicale = await startRadicale({ carol: password });
  return {
    name: 'Radicale',
    collection: await radicale.mkcalendar('carol', 'work'),
    user: 'carol',
    password,
    fresh: (name) => radicale.mkcalendar('carol', name),
    close: () => radicale.close(),
  };
}

class Source {
  readonly clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
  server!: TestServer;
  worker!: SyncWorker;

  async start(): Promise<void> {
    // The in-server worker is off: the tests run the worker themselves, step by step.
    this.server = await startTestServer({ API_KEY: KEY, SECRET_KEY, SYNC_WORKER: 'false' }, { clock: this.clock });
    this.worker = new SyncWorker(this.server.domain, createLogger('silent'), this.clock, { maxBackoffMs: 60_000 });
  }

  async api(method: string, path: string, form?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.server.url}${path}`, {
      method,
      headers: { apiToken: KEY, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async user(name: string): Promise<Dav> {
    expect((await this.api('PUT', `/api/v0/users/${name}`, `password=${name}-source-password`)).status).toBe(201);
    return new Dav(this.server.url, name, `${name}-source-password`);
  }

  async sync(user: string, target: Target, collection = target.collection, extra = ''): Promise<number> {
    const form = `username=${user}&type=caldav&provisioning_url=${encodeURIComponent(collection)}&provisioning_username=${target.user}&provisioning_password=${encodeURIComponent(target.password)}${extra}`;
    const res = await this.api('PUT', '/api/v0/synchronizations', form);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.synchronization as { id: number }).id;
  }

  async status(id: number): Promise<Record<string, unknown>> {
    const res = await this.api('GET', `/api/v0/synchronizations/${id}`);
    return res.body.synchronization as Record<string, unknown>;
  }

  instanceId(): Promise<string> {
    return this.server.domain.synchronizations.instanceId();
  }
}

const at = (isoLocal: string) => `${isoLocal.replace(/[-:]/g, '')}`;

function simple(uid: string, summary: string, startUtc: string, extra: string[] = []): string {
  const s = new Date(startUtc);
  const e = new Date(s.getTime() + HOUR);
  const fmt = (d: Date) => `${d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`;
  return calendar(event(uid, [`DTSTART:${fmt(s)}`, `DTEND:${fmt(e)}`, `SUMMARY:${summary}`, ...extra]));
}

/** Weekly on Mondays 10:00 Berlin from `first`, 8 times, one date excluded and one moved. */
function weekly(uid: string, first: string, excluded: string, moved: string): string {
  return calendar(
    [
      ...event(uid, [
        `DTSTART;TZID=Europe/Berlin:${at(first)}`,
        `DTEND;TZID=Europe/Berlin:${at(first).replace('T10', 'T11')}`,
        'SUMMARY:Weekly lecture',
        'RRULE:FREQ=WEEKLY;COUNT=8',
        `EXDATE;TZID=Europe/Berlin:${at(excluded)}`,
        'ATTENDEE;CN=Student:mailto:student@example.org',
        'ORGANIZER:mailto:teacher@example.org',
      ]),
      ...event(uid, [
        `RECURRENCE-ID;TZID=Europe/Berlin:${at(moved)}`,
        `DTSTART;TZID=Europe/Berlin:${at(moved).replace('T10', 'T15')}`,
        `DTEND;TZID=Europe/Berlin:${at(moved).replace('T10', 'T16')}`,
        'SUMMARY:Weekly lecture (moved)',
      ]),
    ],
    { timezones: [VTIMEZONE_BERLIN] },
  );
}

describe.each([
  ['a second Calendula', calendulaTarget],
  ['Radicale', radicaleTarget],
])('pushing into %s', (_name, makeTarget) => {
  const source = new Source();
  let target: Target;

  beforeAll(async () => {
    await source.start();
    target = await makeTarget();
  });
  afterAll(async () => {
    await source.server?.close();
    await target?.close();
  });

  /**
   * Each case has a source user and a target collection of its own, the collection holding the
   * target's own event, which no synchronization may touch.
   */
  const scenario = async (name: string) => {
    const alice = await source.user(name);
    const coll = await target.fresh(name);
    const put = await fetch(`${coll}own-event.ics`, {
      method: 'PUT',
      headers: { authorization: basic(target.user, target.password), 'content-type': 'text/calendar; charset=utf-8' },
      body: simple('own-event', 'My own dentist appointment', '2026-06-10T08:00:00Z'),
    });
    expect(put.status).toBe(201);
    const read = () => readTarget(coll, target.user, target.password);
    const own = async () => (await read()).get(new URL(`${coll}own-event.ics`).pathname);
    const ownEtag = (await own())!.etag;
    const home = `/dav/calendars/${name}/`;
    return { name, alice, coll, read, own, ownEtag, home };
  };
  const summaries = async (read: () => Promise<Map<string, TargetObject>>) => [...(await read()).values()].map((o) => o.summary).sort();

  it('a new synchronization pushes the existing events in its first resync, marked and with derived UIDs', async () => {
    const { name, alice, coll, read, own, ownEtag, home } = await scenario('first');
    expect((await alice.put(`${home}default/exam.ics`, simple('exam-1', 'Exam', '2026-06-15T09:00:00Z'))).status).toBe(201);
    const id = await source.sync(name, target, coll);
    expect((await source.status(id)).status).toBe('PENDING');
    await source.worker.drain();
    const status = await source.status(id);
    expect(status.status).toBe('OK');
    expect(status.lastResync).toBe(source.clock.now().getTime());
    const objects = [...(await read()).values()];
    const instance = await source.instanceId();
    const exam = objects.find((o) => o.summary === 'Exam');
    expect(exam?.uid).toBe(`exam-1-${id}@${instance}`);
    expect(exam?.markers).toEqual({ 'x-calendula-sync-id': String(id), 'x-calendula-instance-id': instance, 'x-calendula-source-uid': 'exam-1' });
    expect(objects).toHaveLength(2);
    expect((await own())!.etag).toBe(ownEtag);
  });

  it('creates, updates, deletes and recurring events arrive; the target’s own event is untouched', async () => {
    const { name, alice, coll, read, own, ownEtag, home } = await scenario('changes');
    expect((await alice.put(`${home}default/exam.ics`, simple('exam-1', 'Exam', '2026-06-15T09:00:00Z'))).status).toBe(201);
    await source.sync(name, target, coll);
    await source.worker.drain();
    await alice.put(`${home}default/lecture.ics`, weekly('lecture-1', '2026-06-08T10:00:00', '2026-06-22T10:00:00', '2026-06-29T10:00:00'));
    await alice.put(`${home}default/party.ics`, simple('party-1', 'Party', '2026-07-01T18:00:00Z'));
    await source.worker.drain();
    let objects = [...(await read()).values()];
    expect(objects.map((o) => o.summary).sort()).toEqual(['Exam', 'My own dentist appointment', 'Party', 'Weekly lecture']);
    const lecture = new ICAL.Component(ICAL.parse(objects.find((o) => o.summary === 'Weekly lecture')!.data));
    const [master, override] = lecture.getAllSubcomponents('vevent');
    expect(master!.getFirstPropertyValue('rrule')?.toString()).toBe('FREQ=WEEKLY;COUNT=8');
    expect(String(master!.getFirstPropertyValue('exdate'))).toBe('2026-06-22T10:00:00');
    expect(override!.getFirstProperty('recurrence-id')?.getParameter('tzid')).toBe('Europe/Berlin');
    expect(override!.getFirstPropertyValue('summary')).toBe('Weekly lecture (moved)');
    // The target must not invite the attendees again.
    expect(master!.getFirstProperty('attendee')?.getParameter('schedule-agent')).toBe('CLIENT');

    // An update, and a delete.
    await alice.put(`${home}default/exam.ics`, simple('exam-1', 'Exam (room 101)', '2026-06-15T09:00:00Z'));
    expect((await alice.request('DELETE', `${home}default/party.ics`)).status).toBe(204);
    await source.worker.drain();
    objects = [...(await read()).values()];
    expect(objects.map((o) => o.summary).sort()).toEqual(['Exam (room 101)', 'My own dentist appointment', 'Weekly lecture']);
    expect((await own())!.etag).toBe(ownEtag);
  });

  it('a resync of unchanged events writes nothing; a copy deleted in the target is pushed again', async () => {
    const { name, alice, coll, read, home } = await scenario('resync');
    await alice.put(`${home}default/exam.ics`, simple('exam-1', 'Exam (room 101)', '2026-06-15T09:00:00Z'));
    await alice.put(`${home}default/lecture.ics`, weekly('lecture-1', '2026-06-08T10:00:00', '2026-06-22T10:00:00', '2026-06-29T10:00:00'));
    const id = await source.sync(name, target, coll);
    await source.worker.drain();
    const before = await read();
    source.clock.advance(7 * HOUR);
    await source.worker.drain();
    expect(await read()).toEqual(before);
    expect((await source.status(id)).lastResync).toBe(source.clock.now().getTime());

    const exam = [...before.entries()].find(([, o]) => o.summary.startsWith('Exam'))!;
    const del = await fetch(new URL(exam[0], coll), { method: 'DELETE', headers: { authorization: basic(target.user, target.password) } });
    expect([200, 204]).toContain(del.status);
    source.clock.advance(7 * HOUR);
    await source.worker.drain();
    expect(await summaries(read)).toEqual(['Exam (room 101)', 'My own dentist appointment', 'Weekly lecture']);
  });

  it('all event calendars are pushed by default, one with provisioning_source; tasks never', async () => {
    const { name, alice, coll, read, home } = await scenario('calendars');
    await alice.put(`${home}default/exam.ics`, simple('exam-1', 'Exam (room 101)', '2026-06-15T09:00:00Z'));
    await alice.put(`${home}default/lecture.ics`, weekly('lecture-1', '2026-06-08T10:00:00', '2026-06-22T10:00:00', '2026-06-29T10:00:00'));
    expect((await alice.request('MKCALENDAR', `${home}private/`)).status).toBe(201);
    const mkTasks = await alice.request('MKCALENDAR', `${home}tasks/`, {
      body: '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(mkTasks.status).toBe(201);
    await source.sync(name, target, coll);
    const onlyDefaultColl = await target.fresh('only-default');
    const id = await source.sync(name, target, onlyDefaultColl, '&provisioning_source=default');
    await alice.put(`${home}private/secret.ics`, simple('secret-1', 'Private thing', '2026-06-20T09:00:00Z'));
    await alice.put(`${home}tasks/t.ics`, calendar(todo('task-1', ['SUMMARY:Grade exams', 'DUE:20260620T090000Z'])));
    await source.worker.drain();
    const onlyDefault = [...(await readTarget(onlyDefaultColl, target.user, target.password)).values()];
    expect(onlyDefault.map((o) => o.summary).sort()).toEqual(['Exam (room 101)', 'Weekly lecture']);
    expect(onlyDefault.every((o) => o.markers['x-calendula-sync-id'] === String(id))).toBe(true);
    expect(await summaries(read)).toEqual(['Exam (room 101)', 'My own dentist appointment', 'Private thing', 'Weekly lecture']);
    const raw = await fetch(coll, { method: 'PROPFIND', headers: { authorization: basic(target.user, target.password), depth: '1' } });
    expect(await raw.text()).not.toContain('task-1');
  });
});

describe('unlink modes (against a second Calendula)', () => {
  const source = new Source();
  let target: Target;
  let alice: Dav;

  beforeAll(async () => {
    await source.start();
    target = await calendulaTarget();
    alice = await source.user('alice');
    // Now is 2026-06-01 12:00 UTC: one past event, one future event, and a series that began in the past.
    await alice.put('/dav/calendars/alice/default/past.ics', simple('past-1', 'Past', '2026-05-20T09:00:00Z'));
    await alice.put('/dav/calendars/alice/default/future.ics', simple('future-1', 'Future', '2026-06-20T09:00:00Z'));
    await alice.put('/dav/calendars/alice/default/series.ics', weekly('series-1', '2026-05-04T10:00:00', '2026-05-11T10:00:00', '2026-05-18T10:00:00'));
  });
  afterAll(async () => {
    await source.server?.close();
    await target?.close();
  });

  async function pushedInto(name: string): Promise<{ id: number; collection: string }> {
    const collection = await target.fresh(name);
    await fetch(`${collection}own.ics`, {
      method: 'PUT',
      headers: { authorization: basic(target.user, target.password), 'content-type': 'text/calendar' },
      body: simple('own', 'Own', '2026-06-25T09:00:00Z'),
    });
    const id = await source.sync('alice', target, collection);
    await source.worker.drain();
    expect(await summaries(collection)).toEqual(['Future', 'Own', 'Past', 'Weekly lecture']);
    return { id, collection };
  }

  const summaries = async (collection: string) => [...(await readTarget(collection, target.user, target.password)).values()].map((o) => o.summary).sort();

  it('UNLINK_ONLY leaves every pushed event, and later changes are no longer pushed', async () => {
    const { id, collection } = await pushedInto('unlink-only');
    expect((await source.api('DELETE', `/api/v0/synchronizations/${id}?unlinkMode=UNLINK_ONLY`)).status).toBe(204);
    await source.worker.drain();
    await alice.put('/dav/calendars/alice/default/future.ics', simple('future-1', 'Future (changed)', '2026-06-20T09:00:00Z'));
    await alice.put('/dav/calendars/alice/default/extra.ics', simple('extra-1', 'Extra', '2026-06-21T09:00:00Z'));
    await source.worker.drain();
    expect(await summaries(collection)).toEqual(['Future', 'Own', 'Past', 'Weekly lecture']);
    await alice.put('/dav/calendars/alice/default/future.ics', simple('future-1', 'Future', '2026-06-20T09:00:00Z'));
    await alice.request('DELETE', '/dav/calendars/alice/default/extra.ics');
    await source.worker.drain();
  });

  it('DELETE_FUTURE_EVENTS removes the events starting after now (a series that began counts as past)', async () => {
    const { id, collection } = await pushedInto('delete-future');
    expect((await source.api('DELETE', `/api/v0/synchronizations/${id}?unlinkMode=DELETE_FUTURE_EVENTS`)).status).toBe(204);
    await source.worker.drain();
    expect(await summaries(collection)).toEqual(['Own', 'Past', 'Weekly lecture']);
    // The clock decides what "future" is: the same events a month later are all past.
    const later = await pushedInto('delete-future-later');
    source.clock.advance(30 * 24 * HOUR);
    await source.api('DELETE', `/api/v0/synchronizations/${later.id}?unlinkMode=DELETE_FUTURE_EVENTS`);
    await source.worker.drain();
    expect(await summaries(later.collection)).toEqual(['Future', 'Own', 'Past', 'Weekly lecture']);
  });

  it('DELETE_ALL_EVENTS removes every event of this synchronization, and only those', async () => {
    const { id, collection } = await pushedInto('delete-all');
    // A second synchronization into the same collection (say, another user's) must keep its events.
    await source.user('erin');
    const erin = new Dav(source.server.url, 'erin', 'erin-source-password');
    await erin.put('/dav/calendars/erin/default/e.ics', simple('erin-1', 'Erin’s event', '2026-06-12T09:00:00Z'));
    const other = await source.sync('erin', target, collection);
    await source.worker.drain();
    expect((await source.api('DELETE', `/api/v0/synchronizations/${id}?unlinkMode=DELETE_ALL_EVENTS`)).status).toBe(204);
    await source.worker.drain();
    expect(await summaries(collection)).toEqual(['Erin’s event', 'Own']);
    expect((await source.api('GET', `/api/v0/synchronizations/${id}`)).status).toBe(404);
    expect((await source.status(other)).status).toBe('OK');
    const ledger = await source.server.running.db.em().execute<{ n: string }[]>('select count(*) as n from sync_ledger where synchronization_id = ?', [id]);
    expect(Number(ledger[0]!.n)).toBe(0);
    await source.api('DELETE', '/api/v0/users/erin?unlinkMode=UNLINK_ONLY');
  });

  it('CLEANUP removes what this instance pushed under any synchronization id, and nothing else', async () => {
    const { id, collection } = await pushedInto('cleanup');
    const second = await source.sync('alice', target, collection);
    await source.worker.drain();
    expect(await summaries(collection)).toEqual(['Future', 'Future', 'Own', 'Past', 'Past', 'Weekly lecture', 'Weekly lecture']);
    // An event pushed by another Calendula instance (its own marker) stays.
    const foreign = simple('foreign', 'Foreign push', '2026-06-26T09:00:00Z', ['X-CALENDULA-SYNC-ID:1', 'X-CALENDULA-INSTANCE-ID:some-other-instance', 'X-CALENDULA-SOURCE-UID:x']);
    await fetch(`${collection}foreign.ics`, { method: 'PUT', headers: { authorization: basic(target.user, target.password), 'content-type': 'text/calendar' }, body: foreign });
    expect((await source.api('DELETE', `/api/v0/synchronizations/${id}?unlinkMode=CLEANUP`)).status).toBe(204);
    await source.worker.drain();
    expect(await summaries(collection)).toEqual(['Foreign push', 'Own']);
    // The second synchronization lives on: its next resync finds its copies gone and pushes them again.
    source.clock.advance(7 * HOUR);
    await source.worker.drain();
    expect(await summaries(collection)).toEqual(['Foreign push', 'Future', 'Own', 'Past', 'Weekly lecture']);
    expect((await source.status(second)).status).toBe('OK');
  });

  it('DELETE /users/{u}?unlinkMode=DELETE_ALL_EVENTS unlinks after the user is gone', async () => {
    await source.user('frank');
    const frank = new Dav(source.server.url, 'frank', 'frank-source-password');
    await frank.put('/dav/calendars/frank/default/f.ics', simple('frank-1', 'Frank’s event', '2026-06-12T09:00:00Z'));
    const collection = await target.fresh('frank');
    await source.sync('frank', target, collection);
    await source.worker.drain();
    expect(await summaries(collection)).toEqual(['Frank’s event']);
    expect((await source.api('DELETE', '/api/v0/users/frank?unlinkMode=DELETE_ALL_EVENTS')).status).toBe(204);
    await source.worker.drain();
    expect(await summaries(collection)).toEqual([]);
    const left = await source.server.running.db.em().execute<{ n: string }[]>("select count(*) as n from synchronizations where user_id is null");
    expect(Number(left[0]!.n)).toBe(0);
  });
});

describe('faults', () => {
  const source = new Source();
  let target: Target;
  let alice: Dav;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    await source.start();
    target = await calendulaTarget();
    alice = await source.user('alice');
    await alice.put('/dav/calendars/alice/default/a.ics', simple('a-1', 'A', '2026-06-15T09:00:00Z'));
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  afterAll(async () => {
    await source.server?.close();
    await target?.close();
  });

  it('a target that is down: status ERROR, retried with backoff, and it recovers when the target is back', async () => {
    const proxy = await startProxy(new URL(target.collection).origin);
    cleanups.push(() => proxy.close());
    const collection = await target.fresh('down');
    await proxy.down();
    const id = await source.sync('alice', target, collection.replace(new URL(collection).origin, proxy.url));
    await source.worker.drain();
    const failed = await source.status(id);
    expect(failed.status).toBe('ERROR');
    // The error is kept for the operator; credentials never appear in it.
    const row = await source.server.running.db.em().execute<{ last_error: string }[]>('select last_error from synchronizations where id = ?', [id]);
    expect(row[0]!.last_error).toMatch(/fetch failed|ECONNREFUSED/);
    expect(row[0]!.last_error).not.toContain(target.password);
    // Not yet due: nothing runs.
    expect(await source.worker.drain()).toBe(0);
    await proxy.up();
    source.clock.advance(60_000);
    await source.worker.drain();
    expect((await source.status(id)).status).toBe('OK');
    expect((await readTarget(collection, target.user, target.password)).size).toBe(1);
  });

  it('an unlink while the target is down shows ERROR on the synchronization’s URL and finishes when it is back', async () => {
    const proxy = await startProxy(new URL(target.collection).origin);
    cleanups.push(() => proxy.close());
    const collection = await target.fresh('unlink-down');
    const id = await source.sync('alice', target, collection.replace(new URL(collection).origin, proxy.url));
    await source.worker.drain();
    expect((await readTarget(collection, target.user, target.password)).size).toBe(1);
    await proxy.down();
    expect((await source.api('DELETE', `/api/v0/synchronizations/${id}?unlinkMode=DELETE_ALL_EVENTS`)).status).toBe(204);
    await source.worker.drain();
    expect(await source.status(id)).toMatchObject({ status: 'ERROR', unlinkMode: 'DELETE_ALL_EVENTS' });
    await proxy.up();
    source.clock.advance(60_000);
    await source.worker.drain();
    expect((await source.api('GET', `/api/v0/synchronizations/${id}`)).status).toBe(404);
    expect((await readTarget(collection, target.user, target.password)).size).toBe(0);
  });

  it('wrong credentials: status AUTH_FAILED', async () => {
    const collection = await target.fresh('wrong-password');
    const wrong = { ...target, password: 'not-the-password' };
    const id = await source.sync('alice', wrong, collection);
    await source.worker.drain();
    expect((await source.status(id)).status).toBe('AUTH_FAILED');
    expect((await readTarget(collection, target.user, target.password)).size).toBe(0);
    await source.api('DELETE', `/api/v0/synchronizations/${id}?unlinkMode=UNLINK_ONLY`);
    await source.worker.drain();
  });

  it('a target that redirects: status ERROR, and the credentials do not follow the redirect', async () => {
    const seen: (string | undefined)[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200).end();
    });
    const redirector = createServer((_req, res) => res.writeHead(301, { location: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/cal/` }).end());
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      elsewhere.close();
      redirector.close();
    });
    const id = await source.sync('alice', target, `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/cal/`);
    await source.worker.drain();
    expect((await source.status(id)).status).toBe('ERROR');
    expect(seen).toEqual([]);
    const row = await source.server.running.db.em().execute<{ last_error: string }[]>('select last_error from synchronizations where id = ?', [id]);
    expect(row[0]!.last_error).toContain('redirects');
    await source.api('DELETE', `/api/v0/synchronizations/${id}?unlinkMode=UNLINK_ONLY`);
    await source.worker.drain();
  });

  it('a target collection that does not exist: status ERROR', async () => {
    const id = await source.sync('alice', target, `${new URL(target.collection).origin}/dav/calendars/bob/missing/`);
    await source.worker.drain();
    expect((await source.status(id)).status).toBe('ERROR');
    await source.api('DELETE', `/api/v0/synchronizations/${id}?unlinkMode=UNLINK_ONLY`);
    await source.worker.drain();
  });
});
