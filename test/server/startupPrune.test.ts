// A restart forgets what is past keeping (the change log beyond SYNC_LOG_RETENTION_DAYS, and the
// rest of the periodic prune) once it listens, not before: the sweep is not on a restart's path.
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/boot/server.ts';
import { createLogger } from '../../src/logger.ts';
import { calendar, event } from '../fixtures/ical.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/database.ts';
import { parseErrorBody, parseMultistatus, syncCollection } from '../helpers/dav.ts';
import { ADMIN_PASSWORD, basic } from '../helpers/server.ts';

const CAL = '/dav/calendars/admin/default/';
const DAY = 86_400_000;

describe('the prune at start-up', () => {
  let database: FreshDatabase;
  const clock = new ManualClock(new Date('2026-03-01T09:00:00Z'));
  const start = async (): Promise<RunningServer> => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', INITIAL_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'silent', SYNC_LOG_RETENTION_DAYS: '30', ...database.env });
    return startServer(config, createLogger('silent'), { clock, shutdownGraceMs: 2000 });
  };
  const dav = (server: RunningServer, method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method, headers: { authorization: basic('admin', ADMIN_PASSWORD), ...headers }, body });
  afterAll(async () => {
    await database?.drop();
  });

  it('forgets the change log past SYNC_LOG_RETENTION_DAYS after the server listens: the old token gets valid-sync-token, a fresh sync works', async () => {
    database = await freshDatabase();
    const first = await start();
    let oldToken: string;
    try {
      const initial = await dav(first, 'REPORT', CAL, syncCollection(''), { 'content-type': 'application/xml', depth: '1' });
      oldToken = parseMultistatus(await initial.text()).syncToken!;
      expect((await dav(first, 'PUT', `${CAL}kept.ics`, calendar(event('kept', ['DTSTART:20260305T100000Z', 'DURATION:PT1H', 'SUMMARY:Kept'])), { 'content-type': 'text/calendar' })).status).toBe(201);
      const changed = await dav(first, 'REPORT', CAL, syncCollection(oldToken), { 'content-type': 'application/xml', depth: '1' });
      expect(changed.status).toBe(207);
    } finally {
      await first.close();
    }
    clock.advance(60 * DAY);
    const second = await start();
    try {
      // The prune runs beside the first requests; it is done within moments.
      let status = 0;
      let body = '';
      for (let i = 0; i < 100 && status !== 403; i++) {
        const res = await dav(second, 'REPORT', CAL, syncCollection(oldToken), { 'content-type': 'application/xml', depth: '1' });
        status = res.status;
        body = await res.text();
        if (status !== 403) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(403);
      expect(parseErrorBody(body)).toContain('{DAV:}valid-sync-token');
      const fresh = await dav(second, 'REPORT', CAL, syncCollection(''), { 'content-type': 'application/xml', depth: '1' });
      expect([...parseMultistatus(await fresh.text()).members.keys()]).toEqual([`${CAL}kept.ics`]);
    } finally {
      await second.close();
    }
  });
});
