// The schedule inbox on the wire (RFC 6638 §2.2, §4.1): items delivered to a user are listed by
// PROPFIND Depth 1, read by GET/HEAD and calendar-multiget, synced with getctag, sync-token and
// sync-collection, deleted by their owner, and pruned after INBOX_RETENTION_DAYS.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { C, CS, D, parseMultistatus, syncCollection, textIn } from '../helpers/dav.ts';
import { calendar, crlf, event } from '../fixtures/ical.ts';

const START = new Date(Date.UTC(2026, 2, 1, 9));

/** An invitation as an organizer elsewhere sends it (what `imip receive` leaves in an inbox). */
const invitation = (uid: string, summary = 'Budget review') =>
  crlf([
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Elsewhere//EN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260301T090000Z',
    'DTSTART:20260320T100000Z',
    'DTEND:20260320T110000Z',
    `SUMMARY:${summary}`,
    'ORGANIZER;CN=Olga:mailto:olga@elsewhere.example',
    'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ben@example.org',
    'END:VEVENT',
    'END:VCALENDAR',
  ]);

const INBOX = '/dav/calendars/ben/inbox/';
const multiget = (hrefs: string[], prop = '<d:getetag/><c:calendar-data/>') =>
  `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop>${prop}</d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</c:calendar-multiget>`;

describe('the schedule inbox over CalDAV', { shuffle: false }, () => {
  const clock = new ManualClock(START);
  const server = useTestServer({ start: { clock } });
  const ann = server.user('ann', { email: 'ann@example.org' });
  const ben = server.user('ben', { email: 'ben@example.org' });

  /** Leaves an iTIP message in a user's inbox as the server's scheduling does: inside a transaction. */
  const deliver = (username: string, text: string) =>
    server.running.db.em().transactional((em) => server.domain.inbox.deliver(em, `principals/${username}`, text));

  const inboxState = async () => {
    const m = parseMultistatus((await ben.propfind(INBOX, '<cs:getctag/><d:sync-token/>')).text).members.get(INBOX)!;
    return { ctag: textIn(m.props.get(CS('getctag'))!.el), token: textIn(m.props.get(D('sync-token'))!.el) };
  };
  const items = async () => [...parseMultistatus((await ben.propfind(INBOX, '<d:getetag/>', '1')).text).members.keys()].filter((h) => h !== INBOX);

  it('an empty inbox lists nothing, has a getctag and a sync-token, and offers calendar-multiget, calendar-query and sync-collection', async () => {
    const res = await ben.propfind(INBOX, '<d:resourcetype/><cs:getctag/><d:sync-token/><d:supported-report-set/>', '1');
    expect(res.status).toBe(207);
    const ms = parseMultistatus(res.text);
    expect([...ms.members.keys()]).toEqual([INBOX]);
    const inbox = ms.members.get(INBOX)!;
    expect(inbox.props.get(D('resourcetype'))!.el.children.map((x) => x.name)).toContain(C('schedule-inbox'));
    expect(textIn(inbox.props.get(CS('getctag'))!.el)).toMatch(/^http:\/\/calendula\.dev\/ns\/sync\/inbox\/\d+$/);
    expect(inbox.props.get(D('sync-token'))!.status).toBe(200);
    const reports = inbox.props.get(D('supported-report-set'))!.el.children.map((r) => r.children[0]!.children[0]!.name);
    expect(reports).toEqual(expect.arrayContaining([C('calendar-multiget'), C('calendar-query'), D('sync-collection')]));
  });

  it('an invitation between two local users leaves an item in the attendee’s inbox', async () => {
    const put = await ann.put(
      '/dav/calendars/ann/default/lunch.ics',
      calendar(event('lunch-1', ['DTSTART:20260315T120000Z', 'DTEND:20260315T130000Z', 'SUMMARY:Lunch', 'ORGANIZER:mailto:ann@example.org', 'ATTENDEE:mailto:ben@example.org'])),
    );
    expect(put.status).toBe(201);
    const withUid = async () => {
      const hrefs = await items();
      const got = await Promise.all(hrefs.map(async (h) => (await ben.request('GET', h)).text));
      return got.filter((t) => t.includes('UID:lunch-1'));
    };
    // Scheduling (src/domain/scheduling.ts) leaves the copy itself once it delivers to inboxes;
    // until then this case leaves it the way scheduling will, in a transaction of its own.
    if (!(await withUid()).length) {
      const stored = (await ben.request('GET', '/dav/calendars/ben/default/lunch-1.ics')).text;
      await deliver('ben', stored.replace('BEGIN:VEVENT', 'METHOD:REQUEST\r\nBEGIN:VEVENT'));
    }
    const found = await withUid();
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found[0]).toContain('METHOD:REQUEST');
    // The invitation is in Ben's calendar too: the inbox holds a copy, not the event itself.
    expect((await ben.request('GET', '/dav/calendars/ben/default/lunch-1.ics')).status).toBe(200);
    // Clean up for the cases below, which count items.
    for (const h of await items()) expect((await ben.request('DELETE', h)).status).toBe(204);
  });

  it('PROPFIND Depth 1 lists a delivered item; GET and HEAD answer it with its ETag; the getctag moves', async () => {
    const before = await inboxState();
    const uri = await deliver('ben', invitation('budget-1'));
    const after = await inboxState();
    expect(after.ctag).not.toBe(before.ctag);
    expect(after.token).not.toBe(before.token);

    const ms = parseMultistatus((await ben.propfind(INBOX, '<d:getetag/><d:getcontenttype/><d:getcontentlength/><d:resourcetype/>', '1')).text);
    const href = `${INBOX}${uri}`;
    const item = ms.members.get(href)!;
    expect(item).toBeDefined();
    expect(item.props.get(D('getcontenttype'))!.el.text).toMatch(/^text\/calendar/);
    expect(item.props.get(D('resourcetype'))!.el.children).toEqual([]);
    const etag = textIn(item.props.get(D('getetag'))!.el);

    const get = await ben.request('GET', href);
    expect(get.status).toBe(200);
    expect(get.text).toBe(invitation('budget-1'));
    expect(get.headers.get('etag')).toBe(etag);
    expect(get.headers.get('content-type')).toMatch(/^text\/calendar/);
    expect(get.headers.get('schedule-tag')).toBeNull();
    const head = await ben.request('HEAD', href);
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(head.text).toBe('');
    expect((await ben.request('GET', href, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('only the owner reaches the inbox and its items; nothing can be PUT into it', async () => {
    const [href] = await items();
    expect((await ann.request('GET', href!)).status).toBe(404);
    expect((await ann.request('DELETE', href!)).status).toBe(404);
    expect((await ann.propfind(INBOX, '<d:getetag/>', '1')).status).toBe(404);
    const put = await ben.put(`${INBOX}mine.ics`, invitation('mine'));
    expect(put.status).toBe(403);
    expect((await ben.request('GET', `${INBOX}mine.ics`)).status).toBe(404);
    expect((await ben.request('GET', `${INBOX}nothing.ics`)).status).toBe(404);
  });

  it('calendar-multiget on the inbox answers items as delivered and 404 for names that are not there', async () => {
    const uri = await deliver('ben', invitation('budget-2', 'Second review'));
    const missing = `${INBOX}gone.ics`;
    const res = await ben.report(INBOX, multiget([`${INBOX}${uri}`, missing]));
    expect(res.status).toBe(207);
    const ms = parseMultistatus(res.text);
    const hit = ms.members.get(`${INBOX}${uri}`)!;
    expect(textIn(hit.props.get(C('calendar-data'))!.el)).toContain('SUMMARY:Second review');
    expect(hit.props.get(D('getetag'))!.status).toBe(200);
    expect(ms.members.get(missing)!.status).toBe(404);
  });

  it('calendar-query on the inbox evaluates its items: a text-match finds the one item it names, calendar-data as delivered', async () => {
    const query = (filter: string) =>
      `<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">${filter}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
    const res = await ben.report(INBOX, query('<c:prop-filter name="SUMMARY"><c:text-match>second</c:text-match></c:prop-filter>'));
    expect(res.status).toBe(207);
    const ms = parseMultistatus(res.text);
    expect(ms.members.size).toBe(1);
    const [hit] = [...ms.members.values()];
    expect(hit!.href.startsWith(INBOX)).toBe(true);
    expect(textIn(hit!.props.get(C('calendar-data'))!.el)).toContain('UID:budget-2');
    const all = parseMultistatus((await ben.report(INBOX, query('<c:time-range start="20260320T000000Z" end="20260321T000000Z"/>'))).text);
    expect(all.members.size).toBe((await items()).length);
    expect(parseMultistatus((await ben.report(INBOX, query('<c:time-range start="20270101T000000Z" end="20270102T000000Z"/>'))).text).members.size).toBe(0);
  });

  it('sync-collection: the first sync lists every item, a token lists what arrived since, a deletion comes back as 404', async () => {
    const first = parseMultistatus((await ben.report(INBOX, syncCollection(''))).text);
    const listed = [...first.members.keys()];
    expect(listed.length).toBe((await items()).length);
    const t1 = first.syncToken!;
    expect(t1).toMatch(/\/inbox\/\d+$/);

    expect([...parseMultistatus((await ben.report(INBOX, syncCollection(t1))).text).members.keys()]).toEqual([]);
    const uri = await deliver('ben', invitation('budget-3'));
    const second = parseMultistatus((await ben.report(INBOX, syncCollection(t1, '<d:getetag/><c:calendar-data/>'))).text);
    expect([...second.members.keys()]).toEqual([`${INBOX}${uri}`]);
    expect(textIn(second.members.get(`${INBOX}${uri}`)!.props.get(C('calendar-data'))!.el)).toContain('UID:budget-3');
    const t2 = second.syncToken!;
    expect(t2).not.toBe(t1);

    const victim = listed[0]!;
    expect((await ben.request('DELETE', victim)).status).toBe(204);
    const third = parseMultistatus((await ben.report(INBOX, syncCollection(t2))).text);
    expect([...third.members.keys()]).toEqual([victim]);
    expect(third.members.get(victim)!.status).toBe(404);
    // From the very first token: the new item, and the deleted one as gone.
    const all = parseMultistatus((await ben.report(INBOX, syncCollection(t1))).text);
    expect(all.members.get(victim)!.status).toBe(404);
    expect(all.members.get(`${INBOX}${uri}`)!.props.get(D('getetag'))!.status).toBe(200);
  });

  it('sync-collection refuses tokens it did not issue for the inbox, with DAV:valid-sync-token', async () => {
    for (const bad of ['http://calendula.dev/ns/sync/1', 'http://calendula.dev/ns/sync/inbox/99999', 'nonsense']) {
      const res = await ben.report(INBOX, syncCollection(bad));
      expect(res.status).toBe(403);
      expect(res.text).toContain('valid-sync-token');
    }
  });

  it('DELETE honours If-Match and If-Schedule-Tag-Match; a deleted item is gone', async () => {
    const uri = await deliver('ben', invitation('budget-4'));
    const href = `${INBOX}${uri}`;
    const etag = (await ben.request('HEAD', href)).headers.get('etag')!;
    const before = await inboxState();
    expect((await ben.request('DELETE', href, { headers: { 'if-match': '"not-it"' } })).status).toBe(412);
    // An inbox item is no scheduling object: it has no Schedule-Tag to match.
    expect((await ben.request('DELETE', href, { headers: { 'if-schedule-tag-match': '"x"' } })).status).toBe(412);
    expect((await inboxState()).ctag).toBe(before.ctag);
    expect((await ben.request('DELETE', href, { headers: { 'if-match': etag } })).status).toBe(204);
    expect((await ben.request('GET', href)).status).toBe(404);
    expect((await ben.request('DELETE', href)).status).toBe(404);
    expect((await inboxState()).ctag).not.toBe(before.ctag);
  });

  it(`items older than INBOX_RETENTION_DAYS are pruned: gone from the listing, reported gone to a sync`, async () => {
    for (const h of await items()) await ben.request('DELETE', h);
    const old = await deliver('ben', invitation('old-one'));
    clock.advance(60 * 86400_000);
    const recent = await deliver('ben', invitation('recent-one'));
    const token = parseMultistatus((await ben.report(INBOX, syncCollection(''))).text).syncToken!;
    const before = await inboxState();
    clock.advance(31 * 86400_000);
    expect(server.config.scheduling.inboxRetentionDays).toBe(90);
    expect(await server.domain.inbox.prune()).toBe(1);
    expect(await items()).toEqual([`${INBOX}${recent}`]);
    expect((await ben.request('GET', `${INBOX}${old}`)).status).toBe(404);
    expect((await inboxState()).ctag).not.toBe(before.ctag);
    const sync = parseMultistatus((await ben.report(INBOX, syncCollection(token))).text);
    expect([...sync.members.keys()]).toEqual([`${INBOX}${old}`]);
    expect(sync.members.get(`${INBOX}${old}`)!.status).toBe(404);
    // Nothing more is due.
    expect(await server.domain.inbox.prune()).toBe(0);
  });

  it('removals older than SYNC_LOG_RETENTION_DAYS are forgotten: a token from before them gets valid-sync-token, a fresh sync works', async () => {
    const old = parseMultistatus((await ben.report(INBOX, syncCollection(''))).text).syncToken!;
    for (const h of await items()) expect((await ben.request('DELETE', h)).status).toBe(204);
    expect((await ben.report(INBOX, syncCollection(old))).status).toBe(207);
    clock.advance((server.config.syncLogRetentionDays + 1) * 86400_000);
    await server.domain.inbox.prune();
    const stale = await ben.report(INBOX, syncCollection(old));
    expect(stale.status).toBe(403);
    expect(stale.text).toContain('valid-sync-token');
    const fresh = parseMultistatus((await ben.report(INBOX, syncCollection(''))).text);
    expect([...fresh.members.keys()]).toEqual([]);
    expect((await ben.report(INBOX, syncCollection(fresh.syncToken!))).status).toBe(207);
  });
});

describe('schedule-default-calendar-URL on the inbox (RFC 6638 §9.2)', { shuffle: false }, () => {
  const server = useTestServer();
  const ann = server.user('ann', { email: 'ann@example.org' });
  const ben = server.user('ben', { email: 'ben@example.org' });
  const ANN_INBOX = '/dav/calendars/ann/inbox/';
  const PROP = C('schedule-default-calendar-URL');

  const setDefault = (value: string, op: 'set' | 'remove' = 'set') =>
    ann.request('PROPPATCH', ANN_INBOX, {
      body: `<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:${op}><d:prop><c:schedule-default-calendar-URL>${value}</c:schedule-default-calendar-URL></d:prop></d:${op}></d:propertyupdate>`,
      headers: { 'content-type': 'application/xml; charset=utf-8' },
    });
  const current = async () => textIn(parseMultistatus((await ann.propfind(ANN_INBOX, '<c:schedule-default-calendar-URL/>')).text).members.get(ANN_INBOX)!.props.get(PROP)!.el);
  const mkcalendar = (user: typeof ann, path: string, comps: string[]) =>
    user.request('MKCALENDAR', path, {
      body: `<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:supported-calendar-component-set>${comps.map((x) => `<c:comp name="${x}"/>`).join('')}</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>`,
      headers: { 'content-type': 'application/xml; charset=utf-8' },
    });
  const refusal = (res: { status: number; text: string }) => {
    expect(res.status).toBe(207);
    const m = parseMultistatus(res.text).members.get(ANN_INBOX)!;
    expect(m.props.get(PROP)!.status).toBe(403);
    expect(m.error!.children.map((x) => x.name)).toEqual([C('valid-schedule-default-calendar-URL')]);
  };

  it('is accepted for one of the user’s own calendars holding events, and read back', async () => {
    expect(await current()).toBe('/dav/calendars/ann/default/');
    expect((await mkcalendar(ann, '/dav/calendars/ann/work/', ['VEVENT'])).status).toBe(201);
    const res = await setDefault('<d:href>/dav/calendars/ann/work/</d:href>');
    expect(res.status).toBe(207);
    expect(parseMultistatus(res.text).members.get(ANN_INBOX)!.props.get(PROP)!.status).toBe(200);
    expect(await current()).toBe('/dav/calendars/ann/work/');
    // An absolute URL without the trailing slash names the same calendar (CalDAVTester sends that).
    expect((await setDefault(`<d:href>${server.url}/dav/calendars/ann/default</d:href>`)).status).toBe(207);
    expect(await current()).toBe('/dav/calendars/ann/default/');
    expect((await setDefault('<d:href>/dav/calendars/ann/work/</d:href>')).status).toBe(207);
  });

  it('a changed default calendar shows in the home’s sync-collection: the inbox is reported with its new schedule-default-calendar-URL', async () => {
    const HOME = '/dav/calendars/ann/';
    const token = parseMultistatus((await ann.report(HOME, syncCollection(''))).text).syncToken!;
    expect((await setDefault('<d:href>/dav/calendars/ann/default/</d:href>')).status).toBe(207);
    const since = parseMultistatus((await ann.report(HOME, syncCollection(token, '<c:schedule-default-calendar-URL/>'))).text);
    expect([...since.members.keys()]).toEqual([ANN_INBOX]);
    expect(textIn(since.members.get(ANN_INBOX)!.props.get(PROP)!.el)).toBe('/dav/calendars/ann/default/');
    expect(since.syncToken).not.toBe(token);
    // Nothing changed since: nothing reported.
    expect([...parseMultistatus((await ann.report(HOME, syncCollection(since.syncToken!))).text).members.keys()]).toEqual([]);
    expect((await setDefault('<d:href>/dav/calendars/ann/work/</d:href>')).status).toBe(207);
  });

  it('is refused with 403 and CALDAV:valid-schedule-default-calendar-URL otherwise, changing nothing', async () => {
    expect((await mkcalendar(ann, '/dav/calendars/ann/chores/', ['VTODO'])).status).toBe(201);
    expect((await mkcalendar(ben, '/dav/calendars/ben/bens/', ['VEVENT'])).status).toBe(201);
    refusal(await setDefault('<d:href>/dav/calendars/ann/chores/</d:href>'));
    refusal(await setDefault('<d:href>/dav/calendars/ann/bogus/</d:href>'));
    refusal(await setDefault('<d:href>/dav/calendars/ben/bens/</d:href>'));
    refusal(await setDefault('<d:href>/dav/calendars/ann/</d:href>'));
    refusal(await setDefault('<d:href>/elsewhere/calendars/ann/work/</d:href>'));
    refusal(await setDefault(''));
    expect(await current()).toBe('/dav/calendars/ann/work/');
  });

  it('a dead property set beside a refused default calendar is not stored either (all or nothing)', async () => {
    const res = await ann.request('PROPPATCH', ANN_INBOX, {
      body: `<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:x="urn:x"><d:set><d:prop><x:note>hi</x:note><c:schedule-default-calendar-URL><d:href>/dav/calendars/ann/chores/</d:href></c:schedule-default-calendar-URL></d:prop></d:set></d:propertyupdate>`,
      headers: { 'content-type': 'application/xml; charset=utf-8' },
    });
    const m = parseMultistatus(res.text).members.get(ANN_INBOX)!;
    expect(m.props.get('{urn:x}note')!.status).toBe(424);
    const after = parseMultistatus((await ann.propfind(ANN_INBOX, '<x:note xmlns:x="urn:x"/>')).text).members.get(ANN_INBOX)!;
    expect(after.props.get('{urn:x}note')!.status).toBe(404);
  });

  it('removing it, or deleting the chosen calendar, gives the server’s choice back', async () => {
    expect(await current()).toBe('/dav/calendars/ann/work/');
    expect((await setDefault('', 'remove')).status).toBe(207);
    expect(await current()).toBe('/dav/calendars/ann/default/');
    expect((await setDefault('<d:href>/dav/calendars/ann/work/</d:href>')).status).toBe(207);
    expect((await ann.request('DELETE', '/dav/calendars/ann/work/')).status).toBe(204);
    expect(await current()).toBe('/dav/calendars/ann/default/');
  });
});
