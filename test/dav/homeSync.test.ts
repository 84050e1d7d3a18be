// sync-collection on the calendar home (RFC 6578), as Apple Calendar uses it: the home has a token
// of its own, readable with PROPFIND, and a sync from a token reports exactly the calendars
// created or changed since (200) and those removed (404); tokens it never gave are refused.
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { D, Dav, parseErrorBody, parseMultistatus, syncCollection, textIn } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/"';

describe('sync-collection on the calendar home', () => {
  const server = useTestServer();
  const sam = server.user('sam');
  let n = 0;
  /** Each case works in a home of its own (a fresh user), so that other cases' calendars do not show. */
  let home: string;
  let dav: Dav;

  beforeEach(async () => {
    const name = `user${++n}`;
    await server.domain.users.create({ username: name, password: `${name}-password` });
    dav = new Dav(server.url, name, `${name}-password`);
    home = `/dav/calendars/${name}/`;
  });

  const mkcalendar = async (name: string) => expect((await dav.request('MKCALENDAR', `${home}${name}/`)).status).toBe(201);
  const sync = async (token: string, who = dav, path = home) => {
    const res = await who.report(path, syncCollection(token, '<d:resourcetype/><d:displayname/>'));
    expect(res.status).toBe(207);
    return parseMultistatus(res.text);
  };
  /** The answer as `href status`, sorted. */
  const listing = (ms: ReturnType<typeof parseMultistatus>) =>
    [...ms.members.values()].map((m) => `${m.href} ${m.status ?? m.props.get(D('resourcetype'))?.status}`).sort();
  const homeToken = async (who = dav, path = home) => {
    const res = await who.propfind(path, '<d:sync-token/>', '0');
    expect(res.status).toBe(207);
    const prop = parseMultistatus(res.text).members.get(path)!.props.get(D('sync-token'))!;
    expect(prop.status).toBe(200);
    return textIn(prop.el);
  };

  it('has a DAV:sync-token readable with PROPFIND, the one an initial sync returns (RFC 6578 §4)', async () => {
    const token = await homeToken();
    expect(token).toMatch(/^https?:\/\/\S+$/);
    const first = await sync('');
    expect(first.syncToken).toBe(token);
    // The default calendar and the birthday calendar every user has (issue #28).
    expect(listing(first)).toEqual([`${home}birthdays/ 200`, `${home}default/ 200`]);
    // Depth 1 lists it too, beside the calendars' own tokens.
    const all = parseMultistatus((await dav.propfind(home, '<d:sync-token/>', '1')).text);
    expect(textIn(all.members.get(home)!.props.get(D('sync-token'))!.el)).toBe(token);
  });

  it('reports exactly the calendars created, changed (properties or content) and removed since a token', async () => {
    await mkcalendar('work');
    await mkcalendar('old');
    await mkcalendar('quiet');
    const t0 = (await sync('')).syncToken!;
    expect(listing(await sync(t0))).toEqual([]);

    await mkcalendar('new');
    const t1 = (await sync(t0)).syncToken!;
    expect(listing(await sync(t0))).toEqual([`${home}new/ 200`]);

    const patch = await dav.request('PROPPATCH', `${home}work/`, {
      body: `<d:propertyupdate ${NS}><d:set><d:prop><a:calendar-color>#FF0000</a:calendar-color></d:prop></d:set></d:propertyupdate>`,
    });
    expect(patch.status).toBe(207);
    expect(listing(await sync(t1))).toEqual([`${home}work/ 200`]);

    expect((await dav.put(`${home}default/e.ics`, calendar(event(`${home}-e`, ['DTSTART:20260101T100000Z'])))).status).toBe(201);
    expect((await dav.request('DELETE', `${home}old/`)).status).toBe(204);
    const fromT1 = await sync(t1);
    expect(listing(fromT1)).toEqual([`${home}default/ 200`, `${home}old/ 404`, `${home}work/ 200`]);

    // The oldest token still answers, exactly: nothing about the calendar that stayed quiet.
    expect(listing(await sync(t0))).toEqual([`${home}default/ 200`, `${home}new/ 200`, `${home}old/ 404`, `${home}work/ 200`]);
    expect(listing(await sync(fromT1.syncToken!))).toEqual([]);
    expect(await homeToken()).toBe(fromT1.syncToken);
  });

  it('moves the token on a property change of a calendar (PROPPATCH displayname), not on a request that changes nothing', async () => {
    const before = await homeToken();
    expect((await dav.propfind(`${home}default/`, '<d:displayname/>', '1')).status).toBe(207);
    expect(await homeToken()).toBe(before);
    const patch = await dav.request('PROPPATCH', `${home}default/`, {
      body: `<d:propertyupdate ${NS}><d:set><d:prop><d:displayname>Renamed</d:displayname></d:prop></d:set></d:propertyupdate>`,
    });
    expect(patch.status).toBe(207);
    const after = await homeToken();
    expect(after).not.toBe(before);
    const changed = await sync(before);
    expect(listing(changed)).toEqual([`${home}default/ 200`]);
    expect(textIn(changed.members.get(`${home}default/`)!.props.get(D('displayname'))!.el)).toBe('Renamed');
  });

  it('reports a calendar deleted and made again under the same name as changed, not removed', async () => {
    await mkcalendar('again');
    const t0 = await homeToken();
    expect((await dav.request('DELETE', `${home}again/`)).status).toBe(204);
    const t1 = await homeToken();
    expect(listing(await sync(t0))).toEqual([`${home}again/ 404`]);
    await mkcalendar('again');
    expect(listing(await sync(t1))).toEqual([`${home}again/ 200`]);
    expect(listing(await sync(t0))).toEqual([`${home}again/ 200`]);
  });

  it('refuses tokens it never gave for this home with 403 <D:valid-sync-token/>', async () => {
    const current = await homeToken();
    const calendarToken = textIn(parseMultistatus((await dav.propfind(`${home}default/`, '<d:sync-token/>', '0')).text).members.get(`${home}default/`)!.props.get(D('sync-token'))!.el);
    const ahead = current.replace(/\d+$/, (d) => String(Number(d) + 1000));
    for (const bad of [ahead, calendarToken, 'http://calendula.dev/ns/sync/home-0123456789abcdef0123456789abcdef01234567', 'http://sabre.io/ns/sync/3', 'garbage']) {
      const res = await dav.report(home, syncCollection(bad));
      expect(res.status, bad).toBe(403);
      expect(parseErrorBody(res.text)).toEqual([D('valid-sync-token')]);
    }
  });

  it('shows a calendar shared with the sharee in their home, and its removal as 404', async () => {
    await mkcalendar('team');
    const samBefore = await homeToken(sam, '/dav/calendars/sam/');
    const owner = (await server.domain.calendars.get(`principals/${dav.username}`, 'team'))!;
    await server.domain.sharing.share(dav.username, owner.instanceId, 'sam', false);
    const shared = (await server.domain.calendars.listForPrincipal('principals/sam')).find((v) => v.calendarId === owner.calendarId)!;
    const href = `/dav/calendars/sam/${shared.uri}/`;
    const added = await sync(samBefore, sam, '/dav/calendars/sam/');
    expect(listing(added)).toEqual([`${href} 200`]);
    // The owner's writes into it show in the sharee's home too.
    expect((await dav.put(`${home}team/t.ics`, calendar(event(`${home}-t`, ['DTSTART:20260101T100000Z'])))).status).toBe(201);
    expect(listing(await sync(added.syncToken!, sam, '/dav/calendars/sam/'))).toEqual([`${href} 200`]);
    const t1 = await homeToken(sam, '/dav/calendars/sam/');
    expect((await dav.request('DELETE', `${home}team/`)).status).toBe(204);
    expect(listing(await sync(t1, sam, '/dav/calendars/sam/'))).toEqual([`${href} 404`]);
  });

  it('honours DAV:limit with a 507 for the home and a token to continue from', async () => {
    const t0 = await homeToken();
    for (const name of ['a', 'b', 'c']) await mkcalendar(name);
    const first = parseMultistatus((await dav.report(home, syncCollection(t0, '<d:resourcetype/>', '<d:limit><d:nresults>2</d:nresults></d:limit>'))).text);
    expect(listing(first)).toEqual([`${home} 507`, `${home}a/ 200`, `${home}b/ 200`]);
    expect(listing(await sync(first.syncToken!))).toEqual([`${home}c/ 200`]);
  });

  it('answers sync-level: an unknown value 400 (RFC 6578 §6.3), "infinite" on a calendar as 1, on the home 403 sync-traversal-supported', async () => {
    const body = (level: string) => `<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>${level}</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
    expect((await dav.report(`${home}default/`, body('bogus'))).status).toBe(400);
    expect((await dav.report(home, body('2'))).status).toBe(400);
    expect((await dav.put(`${home}default/i.ics`, calendar(event(`${home}-i`, ['DTSTART:20260101T100000Z'])))).status).toBe(201);
    for (const level of ['infinite', 'infinity']) {
      const res = await dav.report(`${home}default/`, body(level));
      expect(res.status).toBe(207);
      expect([...parseMultistatus(res.text).members.keys()]).toEqual([`${home}default/i.ics`]);
      const onHome = await dav.report(home, body(level));
      expect(onHome.status).toBe(403);
      expect(parseErrorBody(onHome.text)).toEqual([D('sync-traversal-supported')]);
    }
  });

  it("reports each calendar with getetag and getcontenttype, those of its GET (RFC 4918 15.5, 15.6), and a changed calendar with a new ETag", async () => {
    const t0 = await homeToken();
    expect((await dav.put(`${home}default/g.ics`, calendar(event(`${home}-g`, ['DTSTART:20260101T100000Z'])))).status).toBe(201);
    const res = await dav.report(home, syncCollection(t0, '<d:getetag/><d:getcontenttype/>'));
    const m = parseMultistatus(res.text).members.get(`${home}default/`)!;
    const etag = textIn(m.props.get(D('getetag'))!.el);
    const get = await dav.request('GET', `${home}default/`);
    expect(get.status).toBe(200);
    expect(etag).toBe(get.headers.get('etag'));
    expect(textIn(m.props.get(D('getcontenttype'))!.el)).toBe(get.headers.get('content-type'));
    expect((await dav.put(`${home}default/h.ics`, calendar(event(`${home}-h`, ['DTSTART:20260102T100000Z'])))).status).toBe(201);
    const after = parseMultistatus((await dav.propfind(`${home}default/`, '<d:getetag/>', '0')).text).members.get(`${home}default/`)!;
    expect(textIn(after.props.get(D('getetag'))!.el)).not.toBe(etag);
  });

  it('makes and removes calendars of one home concurrently without a failure (a client creating several at once), the home reporting each', async () => {
    const t0 = await homeToken();
    const names = Array.from({ length: 12 }, (_, i) => `many-${i}`);
    expect((await Promise.all(names.map((c) => dav.request('MKCALENDAR', `${home}${c}/`)))).map((r) => r.status)).toEqual(Array(12).fill(201));
    expect(listing(await sync(t0))).toEqual(names.map((c) => `${home}${c}/ 200`).sort());
    const t1 = await homeToken();
    expect((await Promise.all(names.map((c) => dav.request('DELETE', `${home}${c}/`)))).map((r) => r.status)).toEqual(Array(12).fill(204));
    expect(listing(await sync(t1))).toEqual(names.map((c) => `${home}${c}/ 404`).sort());
  });

  it('takes concurrent writes into calendars shared both ways between two homes without a failure, each home reporting both', async () => {
    await mkcalendar('mine');
    const samHome = '/dav/calendars/sam/';
    expect((await sam.request('MKCALENDAR', `${samHome}ours-${n}/`)).status).toBe(201);
    const mine = (await server.domain.calendars.get(`principals/${dav.username}`, 'mine'))!;
    const ours = (await server.domain.calendars.get('principals/sam', `ours-${n}`))!;
    await server.domain.sharing.share(dav.username, mine.instanceId, 'sam', true);
    await server.domain.sharing.share('sam', ours.instanceId, dav.username, true);
    const t0 = await homeToken();
    const s0 = await homeToken(sam, samHome);
    const puts = Array.from({ length: 16 }, (_, i) =>
      i % 2 ? dav.put(`${home}mine/c${i}.ics`, calendar(event(`${home}-c${i}`, ['DTSTART:20260101T100000Z']))) : sam.put(`${samHome}ours-${n}/c${i}.ics`, calendar(event(`${home}-c${i}`, ['DTSTART:20260101T100000Z']))),
    );
    expect((await Promise.all(puts)).map((r) => r.status)).toEqual(Array(16).fill(201));
    expect((await sync(t0)).members.size).toBe(2);
    expect((await sync(s0, sam, samHome)).members.size).toBe(2);
  });
});

describe('the home change log over time', () => {
  const clock = new ManualClock(new Date('2026-01-01T12:00:00Z'));
  const server = useTestServer({ env: { SYNC_LOG_RETENTION_DAYS: '30' }, start: { clock } });
  const olga = server.user('olga');

  it('keeps removals SYNC_LOG_RETENTION_DAYS: a token from before a pruned removal gets valid-sync-token, later tokens still answer', async () => {
    const home = '/dav/calendars/olga/';
    const token = async () => parseMultistatus((await olga.report(home, syncCollection(''))).text).syncToken!;
    expect((await olga.request('MKCALENDAR', `${home}gone/`)).status).toBe(201);
    const before = await token();
    expect((await olga.request('DELETE', `${home}gone/`)).status).toBe(204);
    const after = await token();
    clock.advance(31 * 86400_000);
    expect((await olga.request('MKCALENDAR', `${home}new/`)).status).toBe(201);
    expect(await server.domain.objects.pruneChangeLog()).toBeGreaterThan(0);
    const old = await olga.report(home, syncCollection(before));
    expect(old.status).toBe(403);
    expect(parseErrorBody(old.text)).toEqual([D('valid-sync-token')]);
    const res = await olga.report(home, syncCollection(after));
    expect(res.status).toBe(207);
    expect([...parseMultistatus(res.text).members.keys()]).toEqual([`${home}new/`]);
  });
});
