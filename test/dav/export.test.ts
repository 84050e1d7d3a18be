import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { D, Dav, parseErrorBody, parseMultistatus, syncCollection } from '../helpers/dav.ts';
import { calendar, event, todo, VTIMEZONE_BERLIN, WEEKLY_BERLIN } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/alice/work/';

describe('ICS export of a calendar', () => {
  let server: TestServer;
  let alice: Dav;
  const clock = new ManualClock(new Date('2026-01-01T12:00:00Z'));
  beforeAll(async () => {
    server = await startTestServer({ SYNC_LOG_RETENTION_DAYS: '30' }, { clock });
    await server.domain.users.create({ username: 'alice', password: 'alice-password' });
    alice = new Dav(server.url, 'alice', 'alice-password');
    await filled(CAL);
  });
  /** A calendar with a weekly series (and an override), a long-summary event and a task. Cases that change a calendar make their own. */
  const filled = async (path: string) => {
    const mk = await alice.request('MKCALENDAR', path, {
      body: '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop><d:displayname>Work: Team, Q1</d:displayname><a:calendar-color>#112233</a:calendar-color></d:prop></d:set></c:mkcalendar>',
    });
    expect(mk.status).toBe(201);
    expect((await alice.put(`${path}weekly.ics`, WEEKLY_BERLIN)).status).toBe(201);
    const second = calendar(event('second', ['DTSTART;TZID=Europe/Berlin:20260301T100000', `SUMMARY:${'Long summary '.repeat(10)}`]), { timezones: [VTIMEZONE_BERLIN] });
    expect((await alice.put(`${path}second.ics`, second)).status).toBe(201);
    expect((await alice.put(`${path}task.ics`, calendar(todo('task', ['SUMMARY:A task'])))).status).toBe(201);
  };
  afterAll(async () => {
    await server.close();
  });

  it('GET on the calendar (and ?export) gives one VCALENDAR: each VTIMEZONE once, X-WR-CALNAME, CRLF, folded at 75 octets', async () => {
    for (const path of [CAL, `${CAL}?export`]) {
      const res = await alice.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
      // The file name carries the date of the export (the test clock's).
      const day = clock.now().toISOString().slice(0, 10);
      expect(res.headers.get('content-disposition')).toContain(`attachment; filename="Work Team Q1-${day}.ics"`);
      expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
      const root = new ICAL.Component(ICAL.parse(res.text) as never);
      expect(root.getAllSubcomponents('vtimezone')).toHaveLength(1);
      expect(root.getAllSubcomponents('vevent')).toHaveLength(3);
      expect(root.getAllSubcomponents('vtodo')).toHaveLength(1);
      // X- properties default to TEXT (RFC 5545 §3.8.8.2), so the comma is escaped.
      expect(res.text).toContain('X-WR-CALNAME:Work: Team\\, Q1\r\n');
      const lines = res.text.split('\r\n');
      expect(lines.at(-1)).toBe('');
      expect(lines.every((l) => !l.includes('\n') && Buffer.byteLength(l) <= 75)).toBe(true);
    }
  });

  it('answers If-None-Match with 304 and HEAD without a body; the ETag changes with the calendar', async () => {
    const CAL = '/dav/calendars/alice/etags/';
    await filled(CAL);
    const first = await alice.request('GET', `${CAL}?export`);
    const etag = first.headers.get('etag')!;
    expect((await alice.request('GET', `${CAL}?export`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const head = await alice.request('HEAD', `${CAL}?export`);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    await alice.put(`${CAL}third.ics`, calendar(event('third', ['DTSTART:20260401T100000Z'])));
    expect((await alice.request('GET', `${CAL}?export`, { headers: { 'if-none-match': etag } })).status).toBe(200);
  });

  it("takes sabre's start, end, expand and componentType parameters", async () => {
    const jan = await alice.request('GET', `${CAL}?export&start=${Date.parse('2026-01-10T00:00:00Z') / 1000}&end=${Date.parse('2026-01-20T00:00:00Z') / 1000}`);
    const janRoot = new ICAL.Component(ICAL.parse(jan.text) as never);
    expect(janRoot.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('uid'))).toEqual(['weekly-1', 'weekly-1']);
    const expanded = await alice.request('GET', `${CAL}?export&expand=1&start=${Date.parse('2026-01-10T00:00:00Z') / 1000}&end=${Date.parse('2026-01-27T00:00:00Z') / 1000}`);
    const exRoot = new ICAL.Component(ICAL.parse(expanded.text) as never);
    expect(exRoot.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('dtstart')!.toString())).toEqual(['2026-01-12T09:00:00Z', '2026-01-26T14:00:00Z']);
    const tasks = await alice.request('GET', `${CAL}?export&componentType=VTODO`);
    const tRoot = new ICAL.Component(ICAL.parse(tasks.text) as never);
    expect(tRoot.getAllSubcomponents('vevent')).toHaveLength(0);
    expect(tRoot.getAllSubcomponents('vtodo')).toHaveLength(1);
  });

  it.each([
    ['start=yesterday', 'The start= parameter must contain a unix timestamp'],
    ['end=-5', 'The end= parameter must contain a unix timestamp'],
    ['expand=1&start=1', "If you'd like to expand recurrences, you must specify both a start= and end= parameter."],
    ['componentType=VFREEBUSY', 'You are not allowed to search for components of type: VFREEBUSY here'],
  ])('answers ?export&%s with 400 and sabre’s message', async (query, message) => {
    const res = await alice.request('GET', `${CAL}?export&${query}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
  });

  it('keeps the change log for SYNC_LOG_RETENTION_DAYS: older tokens get valid-sync-token, a fresh sync works', async () => {
    const CAL = '/dav/calendars/alice/retention/';
    await filled(CAL);
    const token = parseMultistatus((await alice.report(CAL, syncCollection(''))).text).syncToken!;
    await alice.put(`${CAL}later.ics`, calendar(event('later', ['DTSTART:20260501T100000Z'])));
    clock.advance(31 * 86400_000);
    await alice.put(`${CAL}much-later.ics`, calendar(event('much-later', ['DTSTART:20260601T100000Z'])));
    expect(await server.domain.objects.pruneChangeLog()).toBeGreaterThan(0);
    const old = await alice.report(CAL, syncCollection(token));
    expect(old.status).toBe(403);
    expect(parseErrorBody(old.text)).toContain(D('valid-sync-token'));
    const fresh = parseMultistatus((await alice.report(CAL, syncCollection(''))).text);
    // weekly, second, task, later and much-later.
    expect(fresh.members.size).toBe(5);
    const next = await alice.report(CAL, syncCollection(fresh.syncToken!));
    expect(next.status).toBe(207);
  });
});
