import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { Dav, parseMultistatus, syncCollection } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/alice/default/';

describe('concurrent writes', () => {
  const server = useTestServer();
  const alice = server.user('alice');

  it('8 concurrent PUTs of one object with the same If-Match: exactly one succeeds, the rest get 412', async () => {
    const created = await alice.put(`${CAL}race.ics`, calendar(event('race', ['DTSTART:20260101T100000Z', 'SUMMARY:v0'])));
    const etag = created.headers.get('etag')!;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        alice.put(`${CAL}race.ics`, calendar(event('race', ['DTSTART:20260101T100000Z', `SUMMARY:writer ${i}`])), { 'if-match': etag }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(7);
    const winner = results.find((r) => r.status === 204)!;
    const now = await alice.request('GET', `${CAL}race.ics`);
    expect(now.headers.get('etag')).toBe(winner.headers.get('etag'));
  });

  it('8 clients creating objects at once: every change gets its own sync token and the change log is complete', async () => {
    const start = parseMultistatus((await alice.report(CAL, syncCollection(''))).text).syncToken!;
    const startN = Number(start.split('/').pop());
    await Promise.all(
      Array.from({ length: 8 }, async (_, client) => {
        const me = new Dav(server.url, 'alice', 'alice-password');
        for (let i = 0; i < 10; i++) {
          const res = await me.put(`${CAL}c${client}-${i}.ics`, calendar(event(`c${client}-${i}`, ['DTSTART:20260102T100000Z'])), { 'if-none-match': '*' });
          expect(res.status).toBe(201);
        }
      }),
    );
    const after = parseMultistatus((await alice.report(CAL, syncCollection(start))).text);
    expect([...after.members.keys()].filter((h) => /\/c\d-\d\.ics$/.test(h))).toHaveLength(80);
    expect(Number(after.syncToken!.split('/').pop())).toBe(startN + 80);
    const rows = await server.running.db
      .em()
      .execute<{ synctoken: number }[]>(
        "select synctoken from calendarchanges c join calendarinstances i on i.calendarid = c.calendarid where i.principaluri = 'principals/alice' and i.uri = 'default' and c.synctoken >= ?",
        [startN],
      );
    const tokens = rows.map((r) => r.synctoken);
    expect(new Set(tokens).size).toBe(80);
    expect(Math.min(...tokens)).toBe(startN);
    expect(Math.max(...tokens)).toBe(startN + 79);
  });
});
