import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../helpers/database.ts';
import { spawnCalendula } from '../helpers/process.ts';
import { C, D, Dav, parseMultistatus, syncCollection, textIn } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

const LISTEN = /listening on (http:\/\/[^\s/]+)/;
const CAL = '/dav/calendars/admin/default/';

describe('killed during a bulk upload (SIGKILL)', () => {
  let db: FreshDatabase | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  it('keeps every write that was answered 2xx, and nothing half-written', async () => {
    db = await freshDatabase();
    const env = { ...db.env, PORT: '0', INITIAL_PASSWORD: 'crash-test-password' };
    const first = spawnCalendula(['serve'], env);
    const [, url] = await first.waitFor(LISTEN);
    const dav = new Dav(url!, 'admin', 'crash-test-password');
    const acknowledged = new Map<string, string>();
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}.ics`;
        const body = calendar(event(`w${w}-${i}`, ['DTSTART:20260101T100000Z', `DESCRIPTION:${'payload '.repeat(50)}`]));
        try {
          const res = await dav.put(`${CAL}${name}`, body, { 'if-none-match': '*' });
          if (res.status === 201) acknowledged.set(name, res.headers.get('etag')!);
        } catch {
          return; // the connection died with the server
        }
      }
    });
    while (acknowledged.size < 60) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await first.exited;

    const second = spawnCalendula(['serve'], env);
    try {
      const [, url2] = await second.waitFor(LISTEN, 60_000);
      const dav2 = new Dav(url2!, 'admin', 'crash-test-password');
      const listing = parseMultistatus((await dav2.propfind(CAL, '<d:getetag/>', '1')).text);
      const stored = new Map([...listing.members].filter(([h]) => h !== CAL).map(([h, m]) => [h.slice(CAL.length), textIn(m.props.get(D('getetag'))!.el)]));
      for (const [name, etag] of acknowledged) expect(stored.get(name), name).toBe(etag);
      // Whatever is stored is whole: its ETag is the hash of the content served.
      const multiget = `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>${[...stored.keys()].map((n) => `<d:href>${CAL}${n}</d:href>`).join('')}</c:calendar-multiget>`;
      const bodies = parseMultistatus((await dav2.report(CAL, multiget)).text);
      for (const m of bodies.members.values()) {
        const data = m.props.get(C('calendar-data'))!.el.text;
        expect(data).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*END:VCALENDAR\r\n$/);
        expect(textIn(m.props.get(D('getetag'))!.el)).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
      }
      // The sync state agrees with the objects.
      const sync = parseMultistatus((await dav2.report(CAL, syncCollection(''))).text);
      expect(sync.members.size).toBe(stored.size);
      expect(Number(sync.syncToken!.split('/').pop())).toBe(stored.size + 1);
      expect((await dav2.put(`${CAL}after.ics`, calendar(event('after', ['DTSTART:20260101T100000Z'])))).status).toBe(201);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
