// Two server processes on one PostgreSQL: a client whose requests alternate between them syncs as
// with one, because nothing a request needs is kept in process memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDAVClient, type DAVCalendar } from 'tsdav';
import { freshDatabase, testEngine, type FreshDatabase } from '../helpers/database.ts';
import { spawnCalendula, type Spawned } from '../helpers/process.ts';
import { calendar, event } from '../fixtures/ical.ts';

const LISTEN = /listening on (http:\/\/[^\s/]+)/;

describe.runIf(testEngine() === 'postgres')('two server processes on one PostgreSQL (PostgreSQL only: the embedded database is one process)', () => {
  let db: FreshDatabase;
  const procs: Spawned[] = [];
  const urls: string[] = [];
  beforeAll(async () => {
    db = await freshDatabase();
    for (let i = 0; i < 2; i++) {
      const p = spawnCalendula(['serve'], { ...db.env, PORT: '0', INITIAL_PASSWORD: 'two-process-password' });
      procs.push(p);
      urls.push((await p.waitFor(LISTEN))[1]!);
    }
  });
  afterAll(async () => {
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await db.drop();
  });

  it('passes the tsdav sync scenario with requests alternating between the processes', async () => {
    const credentials = { username: 'admin', password: 'two-process-password' };
    const [a, b] = await Promise.all(urls.map((u) => createDAVClient({ serverUrl: `${u}/`, credentials, authMethod: 'Basic', defaultAccountType: 'caldav' })));
    const on = (i: number) => (i % 2 === 0 ? a! : b!);
    const cal = async (i: number): Promise<DAVCalendar> => (await on(i).fetchCalendars())[0]!;

    let step = 0;
    const first = await cal(step++);
    expect((await on(step++).createCalendarObject({ calendar: first, filename: 'one.ics', iCalString: calendar(event('one', ['DTSTART:20260110T100000Z'])) })).status).toBe(201);
    const seen = await cal(step++);
    expect(seen.syncToken).not.toBe(first.syncToken);
    const objects = await on(step++).fetchCalendarObjects({ calendar: seen });
    const collection = { ...seen, objects, objectMultiGet: on(step).calendarMultiGet };
    expect((await on(step++).createCalendarObject({ calendar: seen, filename: 'two.ics', iCalString: calendar(event('two', ['DTSTART:20260111T100000Z'])) })).status).toBe(201);
    const upd = await on(step++).updateCalendarObject({ calendarObject: { ...objects[0]!, data: calendar(event('one', ['DTSTART:20260110T100000Z', 'SUMMARY:changed'])) } });
    expect(upd.status).toBe(204);
    // A stale ETag is refused whichever process answers.
    expect((await on(step++).updateCalendarObject({ calendarObject: objects[0]! })).status).toBe(412);
    const synced = await on(step++).smartCollectionSync({ collection, method: 'webdav', detailedResult: true });
    expect((synced.objects?.created ?? []).map((o) => o.url.split('/').pop())).toEqual(['two.ics']);
    expect((synced.objects?.updated ?? []).map((o) => o.url.split('/').pop())).toEqual(['one.ics']);
    const afterSync = await on(step++).smartCollectionSync({ collection: { ...collection, syncToken: synced.syncToken, objects: [] }, method: 'webdav', detailedResult: true });
    expect(afterSync.objects?.created ?? []).toEqual([]);
  });
});
