// Sharing (set up through the admin API) seen through CalDAV, with tsdav as the sharee's client;
// and public calendars read anonymously.
import { beforeAll, describe, expect, it } from 'vitest';
import { createDAVClient, type DAVCalendar } from 'tsdav';
import { startTestServer } from '../helpers/server.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { D, Dav, parseMultistatus, syncCollection, textIn } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

const KEY = 'sharing-test-admin-key-0123456789abcdef';

describe('calendar sharing through CalDAV', () => {
  const server = useTestServer({ env: { API_KEY: KEY } });
  const olga = server.user('olga', { email: 'olga@example.org' });
  const sam = server.user('sam', { email: 'sam@example.org' });
  const admin = (path: string, body?: object, method = 'POST') =>
    fetch(`${server.url}/api/v1${path}`, { method, headers: { 'x-davis-api-token': KEY, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined }).then((r) => r.json() as Promise<Record<string, unknown>>);
  const samClient = () => createDAVClient({ serverUrl: `${server.url}/`, credentials: { username: 'sam', password: 'sam-password' }, authMethod: 'Basic', defaultAccountType: 'caldav' });
  const sharedHref = async (name: string): Promise<string | undefined> => {
    const home = parseMultistatus((await sam.propfind('/dav/calendars/sam/', '<d:displayname/>', '1')).text);
    return [...home.members.entries()].find(([, m]) => textIn(m.props.get(D('displayname'))?.el) === name)?.[0];
  };
  /** Each case shares a calendar of its own (named after it) holding a kickoff event. */
  const team = async (name: string, share: { write: boolean } | null) => {
    const path = `/dav/calendars/olga/${name}/`;
    const mk = await olga.request('MKCALENDAR', path, {
      body: `<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>${name}</d:displayname></d:prop></d:set></c:mkcalendar>`,
    });
    expect(mk.status).toBe(201);
    expect((await olga.put(`${path}kickoff.ics`, calendar(event(`${name}-kickoff`, ['DTSTART:20260110T100000Z', 'SUMMARY:Kickoff'])))).status).toBe(201);
    const instance = (await server.domain.calendars.get('principals/olga', name))!.instanceId;
    if (share) expect(await admin(`/calendars/olga/share/${instance}/add`, { username: 'sam', write_access: share.write })).toMatchObject({ status: 'success' });
    return { path, instance };
  };

  it('read-only: the sharee sees the calendar in their home without write privileges, reads it, and gets 403 on writes', async () => {
    await team('readonly', { write: false });
    const client = await samClient();
    const shared = (await client.fetchCalendars()).find((c: DAVCalendar) => c.displayName === 'readonly')!;
    expect(shared.url).toMatch(/\/dav\/calendars\/sam\/[0-9a-f-]+\/$/);
    const objects = await client.fetchCalendarObjects({ calendar: shared });
    expect(objects.map((o) => o.data)).toEqual([expect.stringContaining('SUMMARY:Kickoff')]);
    const href = (await sharedHref('readonly'))!;
    const privs = parseMultistatus((await sam.propfind(href, '<d:current-user-privilege-set/><d:owner/>')).text).members.get(href)!;
    const names = privs.props.get(D('current-user-privilege-set'))!.el.children.map((p) => p.children[0]!.name);
    expect(names).toContain(D('read'));
    expect(names).not.toContain(D('write'));
    expect(names).not.toContain(D('write-content'));
    expect(textIn(privs.props.get(D('owner'))!.el)).toBe('/dav/principals/olga/');
    const res = await client.createCalendarObject({ calendar: shared, filename: 'sam.ics', iCalString: calendar(event('sam-1', ['DTSTART:20260111T100000Z'])) });
    expect(res.status).toBe(403);
    expect((await sam.request('DELETE', `${href}kickoff.ics`)).status).toBe(403);
  });

  it('writes by the owner show up for the sharee with the same ETags and sync tokens', async () => {
    const { path: TEAM } = await team('followed', { write: false });
    const href = (await sharedHref('followed'))!;
    const before = parseMultistatus((await sam.report(href, syncCollection(''))).text);
    await olga.put(`${TEAM}review.ics`, calendar(event('review', ['DTSTART:20260112T100000Z'])));
    const samSync = parseMultistatus((await sam.report(href, syncCollection(before.syncToken!))).text);
    const olgaList = parseMultistatus((await olga.propfind(TEAM, '<d:getetag/><d:sync-token/>', '1')).text);
    const [, samMember] = [...samSync.members].find(([h]) => h.endsWith('review.ics'))!;
    expect(textIn(samMember.props.get(D('getetag'))!.el)).toBe(textIn(olgaList.members.get(`${TEAM}review.ics`)!.props.get(D('getetag'))!.el));
    expect(samSync.syncToken).toBe(textIn(olgaList.members.get(TEAM)!.props.get(D('sync-token'))!.el));
  });

  it('read-write: the sharee writes, the owner sees it through sync-collection', async () => {
    const { path: TEAM, instance } = await team('writable', null);
    const olgaToken = parseMultistatus((await olga.report(TEAM, syncCollection(''))).text).syncToken!;
    await admin(`/calendars/olga/share/${instance}/add`, { username: 'sam', write_access: true });
    const client = await samClient();
    const shared = (await client.fetchCalendars()).find((c: DAVCalendar) => c.displayName === 'writable')!;
    const res = await client.createCalendarObject({ calendar: shared, filename: 'sam.ics', iCalString: calendar(event('sam-1', ['DTSTART:20260111T100000Z'])) });
    expect(res.status).toBe(201);
    const changes = parseMultistatus((await olga.report(TEAM, syncCollection(olgaToken))).text);
    expect([...changes.members.keys()]).toEqual([`${TEAM}sam.ics`]);
  });

  it('unshare removes the calendar from the sharee’s home; deleting the calendar removes every share', async () => {
    const { path: TEAM, instance } = await team('unshared', { write: false });
    const href = (await sharedHref('unshared'))!;
    await admin(`/calendars/olga/share/${instance}/remove`, { username: 'sam' });
    expect(await sharedHref('unshared')).toBeUndefined();
    expect((await sam.propfind(href, '<d:displayname/>')).status).toBe(404);
    await admin(`/calendars/olga/share/${instance}/add`, { username: 'sam', write_access: true });
    expect(await sharedHref('unshared')).toBeDefined();
    expect((await olga.request('DELETE', TEAM)).status).toBe(204);
    expect(await sharedHref('unshared')).toBeUndefined();
  });
});

describe('public calendars', () => {
  const server = useTestServer({ env: { API_KEY: KEY } });
  const olga = server.user('olga');
  beforeAll(async () => {
    await olga.request('MKCALENDAR', '/dav/calendars/olga/club/');
    await olga.put('/dav/calendars/olga/club/meet.ics', calendar(event('meet', ['DTSTART:20260110T100000Z', 'SUMMARY:Club meeting'])));
    await olga.put('/dav/calendars/olga/default/private.ics', calendar(event('private', ['DTSTART:20260110T100000Z', 'SUMMARY:Secret'])));
    const club = (await server.domain.calendars.get('principals/olga', 'club'))!;
    const res = await fetch(`${server.url}/api/v1/calendars/olga/${club.instanceId}`, {
      method: 'PATCH',
      headers: { 'x-davis-api-token': KEY },
      body: JSON.stringify({ name: 'Club', public: true }),
    });
    expect(res.status).toBe(200);
  });

  it('anyone can PROPFIND, REPORT, GET and export a public calendar without credentials', async () => {
    const anon = new Dav(server.url, '', '');
    const pf = await anon.request('PROPFIND', '/dav/calendars/olga/club/', { anonymous: true, headers: { depth: '1' } });
    expect(pf.status).toBe(207);
    expect([...parseMultistatus(pf.text).members.keys()]).toContain('/dav/calendars/olga/club/meet.ics');
    const q = await anon.request('REPORT', '/dav/calendars/olga/club/', {
      anonymous: true,
      body: '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>',
    });
    expect(q.text).toContain('SUMMARY:Club meeting');
    expect((await anon.request('GET', '/dav/calendars/olga/club/meet.ics', { anonymous: true })).status).toBe(200);
    const exp = await anon.request('GET', '/dav/calendars/olga/club/?export', { anonymous: true });
    expect(exp.status).toBe(200);
    expect(exp.text).toContain('SUMMARY:Club meeting');
  });

  it('anonymous writes get 401; other calendars stay private; the owner keeps write privileges', async () => {
    const anon = new Dav(server.url, '', '');
    expect((await anon.request('PUT', '/dav/calendars/olga/club/x.ics', { anonymous: true, body: calendar(event('x', ['DTSTART:20260110T100000Z'])) })).status).toBe(401);
    expect((await anon.request('DELETE', '/dav/calendars/olga/club/meet.ics', { anonymous: true })).status).toBe(401);
    expect((await anon.request('PROPFIND', '/dav/calendars/olga/default/', { anonymous: true })).status).toBe(401);
    expect((await anon.request('GET', '/dav/calendars/olga/default/private.ics', { anonymous: true })).status).toBe(401);
    const privs = parseMultistatus((await olga.propfind('/dav/calendars/olga/club/', '<d:current-user-privilege-set/>')).text);
    const names = privs.members.get('/dav/calendars/olga/club/')!.props.get(D('current-user-privilege-set'))!.el.children.map((p) => p.children[0]!.name);
    expect(names).toContain(D('write'));
  });

  it('an authenticated stranger can read a public calendar but not write it', async () => {
    await server.domain.users.create({ username: 'zed', password: 'zed-password' });
    const zed = new Dav(server.url, 'zed', 'zed-password');
    expect((await zed.request('GET', '/dav/calendars/olga/club/meet.ics')).status).toBe(200);
    expect([403, 404]).toContain((await zed.put('/dav/calendars/olga/club/z.ics', calendar(event('z', ['DTSTART:20260110T100000Z'])))).status);
  });

  it('refuses to make a calendar public when PUBLIC_CALENDARS_ENABLED is false', async () => {
    const off = await startTestServer({ API_KEY: KEY, PUBLIC_CALENDARS_ENABLED: 'false' });
    try {
      await off.domain.users.create({ username: 'olga', password: 'olga-password' });
      const res = await fetch(`${off.url}/api/v1/calendars/olga/create`, {
        method: 'POST',
        headers: { 'x-davis-api-token': KEY },
        body: JSON.stringify({ name: 'Club', uri: 'club', public: true }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ message: 'Public Calendars Are Disabled' });
    } finally {
      await off.close();
    }
  });
});
