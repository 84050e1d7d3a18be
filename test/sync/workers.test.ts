// The push worker as processes: a server killed (SIGKILL) in the middle of a push, `calendula
// worker --once`, and two workers sharing one PostgreSQL queue.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { startServer } from '../../src/boot/server.ts';
import { SyncWorker } from '../../src/sync/worker.ts';
import { calendar, event } from '../fixtures/ical.ts';
import { freshDatabase, testEngine } from '../helpers/database.ts';
import { C, calendarQuery, Dav, parseMultistatus, textIn } from '../helpers/dav.ts';
import { runCalendula, spawnCalendula, type Spawned } from '../helpers/process.ts';
import { startProxy, type Proxy } from '../helpers/proxy.ts';
import { basic, startTestServer, type TestServer } from '../helpers/server.ts';

const KEY = 'provisioning-admin-key-for-tests';
const SECRET_KEY = 'c'.repeat(64);
const LISTEN = /listening on (http:\/\/[^\s/]+)/;
const TARGET_PASSWORD = 'bob-target-password';

const ev = (uid: string, day: number) => calendar(event(uid, [`DTSTART:202607${String(day).padStart(2, '0')}T090000Z`, 'DURATION:PT1H', `SUMMARY:Event ${uid}`]));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function targetUids(collection: string): Promise<string[]> {
  const res = await fetch(collection, {
    method: 'REPORT',
    headers: { authorization: basic('bob', TARGET_PASSWORD), depth: '1', 'content-type': 'application/xml' },
    body: calendarQuery('<c:comp-filter name="VCALENDAR"/>', '<c:calendar-data/>'),
  });
  const uids: string[] = [];
  for (const m of parseMultistatus(await res.text()).members.values()) {
    const data = textIn(m.props.get(C('calendar-data'))?.el);
    const uid = /\r?\nX-CALENDULA-SOURCE-UID:([^\r\n]+)/.exec(data)?.[1];
    if (uid) uids.push(uid);
  }
  return uids.sort();
}

async function api(base: string, method: string, path: string, form?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { apiToken: KEY, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('the push worker as a process', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  async function target(): Promise<{ server: TestServer; proxy: Proxy; collection: string; proxied: string }> {
    const server = await startTestServer({ SYNC_WORKER: 'false' });
    closers.push(() => server.close());
    await server.domain.users.create({ username: 'bob', password: TARGET_PASSWORD });
    const proxy = await startProxy(server.url);
    closers.push(() => proxy.close());
    return { server, proxy, collection: `${server.url}/dav/calendars/bob/default/`, proxied: `${proxy.url}/dav/calendars/bob/default/` };
  }

  const syncForm = (collection: string) =>
    `username=alice&type=caldav&provisioning_url=${encodeURIComponent(collection)}&provisioning_username=bob&provisioning_password=${TARGET_PASSWORD}`;

  it('a server killed (SIGKILL) mid-push pushes the job again after restart: nothing lost, nothing duplicated', async () => {
    const t = await target();
    const db = await freshDatabase();
    closers.push(() => db.drop());
    const env = { ...db.env, PORT: '0', API_KEY: KEY, SECRET_KEY, SYNC_LEASE_SECONDS: '2', INITIAL_PASSWORD: 'admin-password-1' };
    const spawned: Spawned[] = [];
    closers.push(async () => {
      for (const s of spawned) if (s.child.exitCode === null) s.child.kill('SIGKILL');
      await Promise.all(spawned.map((s) => s.exited));
    });

    const first = spawnCalendula(['serve'], env);
    spawned.push(first);
    const [, url] = await first.waitFor(LISTEN, 60_000);
    expect((await api(url!, 'PUT', '/api/v0/users/alice', 'password=alice-password-1')).status).toBe(201);
    const alice = new Dav(url!, 'alice', 'alice-password-1');
    for (const i of [1, 2, 3]) expect((await alice.put(`/dav/calendars/alice/default/e${i}.ics`, ev(`e${i}`, i))).status).toBe(201);
    const sync = await api(url!, 'PUT', '/api/v0/synchronizations', syncForm(t.proxied));
    const id = (sync.body.synchronization as { id: number }).id;
    await until('the first resync', async () => (await targetUids(t.collection)).length === 3);

    // The next push is caught at the target's door; the server dies while it waits for the answer.
    const held = t.proxy.hold('PUT');
    expect((await alice.put('/dav/calendars/alice/default/e4.ics', ev('e4', 4))).status).toBe(201);
    await held;
    first.child.kill('SIGKILL');
    await first.exited;
    t.proxy.release(); // the PUT reaches the target after all: the target has the copy, the dead server never recorded it
    await until('the orphaned PUT to land', async () => (await targetUids(t.collection)).includes('e4'));
    const before = t.proxy.requests.length;

    const second = spawnCalendula(['serve'], env);
    spawned.push(second);
    const [, url2] = await second.waitFor(LISTEN, 60_000);
    // The job's lease runs out and it runs again: it finds the copy (412 on If-None-Match) and overwrites it.
    await until('the push to run again', async () => t.proxy.requests.slice(before).some((r) => r.method === 'PUT' && r.path.includes('e4-')), 30_000);
    const alice2 = new Dav(url2!, 'alice', 'alice-password-1');
    expect((await alice2.put('/dav/calendars/alice/default/e5.ics', ev('e5', 5))).status).toBe(201);
    await until('e5 to arrive', async () => (await targetUids(t.collection)).includes('e5'));
    expect(await targetUids(t.collection)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    const status = await api(url2!, 'GET', `/api/v0/synchronizations/${id}`);
    expect((status.body.synchronization as { status: string }).status).toBe('OK');
  });

  it('`calendula worker --once` runs the waiting jobs and exits', async () => {
    const t = await target();
    const source = await startTestServer({ API_KEY: KEY, SECRET_KEY, SYNC_WORKER: 'false' });
    let closed = false;
    closers.push(async () => {
      if (!closed) await source.close();
      else await source.database.drop();
    });
    await api(source.url, 'PUT', '/api/v0/users/alice', 'password=alice-password-1');
    const alice = new Dav(source.url, 'alice', 'alice-password-1');
    for (const i of [1, 2]) await alice.put(`/dav/calendars/alice/default/e${i}.ics`, ev(`e${i}`, i));
    expect((await api(source.url, 'PUT', '/api/v0/synchronizations', syncForm(t.collection))).status).toBe(200);
    await source.running.close();
    closed = true;
    const out = await runCalendula(['worker', '--once'], { ...source.database.env, SECRET_KEY, LOG_LEVEL: 'warn' });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('Ran 3 jobs; 0 waiting for later.\n');
    expect(await targetUids(t.collection)).toEqual(['e1', 'e2']);
  });

  it.runIf(testEngine() === 'postgres')('two workers on one PostgreSQL never run the same job twice (PostgreSQL only: the embedded database admits one process)', async () => {
    const t = await target();
    const source = await startTestServer({ API_KEY: KEY, SECRET_KEY, SYNC_WORKER: 'false' });
    closers.push(() => source.close());
    // A second server process's worth of domain on the same database.
    const other = await startServer(source.config, createLogger('silent'));
    closers.push(() => other.close());
    await api(source.url, 'PUT', '/api/v0/users/alice', 'password=alice-password-1');
    const alice = new Dav(source.url, 'alice', 'alice-password-1');
    const N = 40;
    await Promise.all(Array.from({ length: N }, (_, i) => alice.put(`/dav/calendars/alice/default/e${i}.ics`, ev(`e${i}`, (i % 28) + 1))));
    await api(source.url, 'PUT', '/api/v0/synchronizations', syncForm(t.proxied));
    const log = createLogger('silent');
    const a = new SyncWorker(source.domain, log, source.domain.clock);
    const b = new SyncWorker(other.domain, log, other.domain.clock);
    expect(await a.runOnce()).toBe(true); // the first resync queues one push per event
    expect(await source.domain.jobs.pending()).toBe(N);
    const [ranA, ranB] = await Promise.all([a.drain(), b.drain()]);
    expect(ranA + ranB).toBe(N);
    expect(ranA).toBeGreaterThan(0);
    expect(ranB).toBeGreaterThan(0);
    const puts = t.proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
    expect(puts).toHaveLength(N);
    expect(new Set(puts).size).toBe(N);
    expect(await targetUids(t.collection)).toHaveLength(N);
  });
});
