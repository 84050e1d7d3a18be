import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { C, D, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { calendar, event, todo } from '../fixtures/ical.ts';

/** An event as Apple sends it, and a later version of it; each case uses a UID of its own. */
const e1 = (uid: string) => calendar(event(uid, ['DTSTART:20260110T100000Z', 'DTEND:20260110T110000Z', 'SUMMARY:First', 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC']));
const e1b = (uid: string) => calendar(event(uid, ['DTSTART:20260110T100000Z', 'DTEND:20260110T120000Z', 'SUMMARY:First, longer']));
const E1 = e1('e1');
const CAL = '/dav/calendars/alice/default/';
/** Made with a component set of VEVENT alone (the default calendar takes tasks and notes too). */
const EVENTS = '/dav/calendars/alice/events/';

describe('calendar object resources', () => {
  const server = useTestServer({ env: { MAX_OBJECT_BYTES: '4096', MAX_REQUEST_BYTES: '65536' } });
  const alice = server.user('alice');
  beforeAll(async () => {
    const mk = `<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>`;
    expect((await alice.request('MKCALENDAR', EVENTS, { body: mk })).status).toBe(201);
  });

  it('PUT with If-None-Match: * creates (201) and returns a strong quoted ETag; a second one gets 412', async () => {
    const res = await alice.put(`${CAL}inm.ics`, e1('inm'), { 'if-none-match': '*' });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await alice.put(`${CAL}inm.ics`, e1('inm'), { 'if-none-match': '*' });
    expect(again.status).toBe(412);
  });

  it('GET returns the bytes that were PUT, with ETag, Content-Type and Last-Modified; HEAD the headers; If-None-Match 304', async () => {
    expect((await alice.put(`${CAL}e1.ics`, E1)).status).toBe(201);
    const get = await alice.request('GET', `${CAL}e1.ics`);
    expect(get.status).toBe(200);
    expect(get.text).toBe(E1);
    expect(get.headers.get('content-type')).toBe('text/calendar; charset=utf-8; component=vevent');
    expect(get.headers.get('last-modified')).toBeTruthy();
    const etag = get.headers.get('etag')!;
    const head = await alice.request('HEAD', `${CAL}e1.ics`);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.get('etag')).toBe(etag);
    expect((await alice.request('GET', `${CAL}e1.ics`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('PUT with the current If-Match updates (204) and changes the ETag; a stale If-Match gets 412 and changes nothing', async () => {
    expect((await alice.put(`${CAL}im.ics`, e1('im'))).status).toBe(201);
    const etag = (await alice.request('HEAD', `${CAL}im.ics`)).headers.get('etag')!;
    const ok = await alice.put(`${CAL}im.ics`, e1b('im'), { 'if-match': etag });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('etag')).not.toBe(etag);
    const stale = await alice.put(`${CAL}im.ics`, e1('im'), { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect((await alice.request('GET', `${CAL}im.ics`)).text).toBe(e1b('im'));
    expect((await alice.put(`${CAL}nothing.ics`, calendar(event('n', ['DTSTART:20260101T000000Z'])), { 'if-match': etag })).status).toBe(412);
  });

  it('PUT without preconditions overwrites (tasks.org: last writer wins)', async () => {
    const first = calendar(event('last-writer', ['DTSTART:20260101T100000Z', 'SUMMARY:first writer']));
    const second = calendar(event('last-writer', ['DTSTART:20260101T100000Z', 'SUMMARY:second writer']));
    expect((await alice.put(`${CAL}last-writer.ics`, first)).status).toBe(201);
    expect((await alice.put(`${CAL}last-writer.ics`, second)).status).toBe(204);
    expect((await alice.request('GET', `${CAL}last-writer.ics`)).text).toBe(second);
  });

  it('refuses a second object with the same UID, naming the href of the first (no-uid-conflict)', async () => {
    expect((await alice.put(`${CAL}first.ics`, e1('dup'))).status).toBe(201);
    const res = await alice.put(`${CAL}other.ics`, e1('dup'));
    expect(res.status).toBe(409);
    expect(parseErrorBody(res.text)).toContain(C('no-uid-conflict'));
    expect(res.text).toContain(`<d:href>${CAL}first.ics</d:href>`);
    expect((await alice.request('GET', `${CAL}other.ics`)).status).toBe(404);
  });

  it.each([
    ['an empty body', '', C('valid-calendar-data')],
    ['free text', 'not a calendar', C('valid-calendar-data')],
    ['a mismatched END', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260101T000000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n', C('valid-calendar-data')],
    ['two components of different types', calendar([...event('m', ['DTSTART:20260101T000000Z']), ...todo('m', [])]), C('valid-calendar-object-resource')],
    ['a VEVENT without DTSTART', calendar(event('nod', ['SUMMARY:x'])), C('valid-calendar-object-resource')],
    ['a bad RRULE', calendar(event('rr', ['DTSTART:20260101T000000Z', 'RRULE:FREQ=NEVER'])), C('valid-calendar-data')],
    ['a VTODO in an events-only calendar', calendar(todo('t1', ['SUMMARY:x'])), C('supported-calendar-component')],
  ])('refuses %s with 403 and the precondition, storing nothing', async (_name, body, element) => {
    const before = parseMultistatus((await alice.propfind(EVENTS, '<d:sync-token/>')).text).members.get(EVENTS)!;
    const res = await alice.put(`${EVENTS}bad.ics`, body as string);
    expect(res.status).toBe(403);
    expect(parseErrorBody(res.text)).toContain(element);
    expect((await alice.request('GET', `${EVENTS}bad.ics`)).status).toBe(404);
    const after = parseMultistatus((await alice.propfind(EVENTS, '<d:sync-token/>')).text).members.get(EVENTS)!;
    expect(textIn(after.props.get(D('sync-token'))!.el)).toBe(textIn(before.props.get(D('sync-token'))!.el));
  });

  it('refuses an object over MAX_OBJECT_BYTES with max-resource-size, and a body over MAX_REQUEST_BYTES with 413', async () => {
    const big = calendar(event('big', ['DTSTART:20260101T000000Z', `DESCRIPTION:${'x'.repeat(5000)}`]));
    const res = await alice.put(`${CAL}big.ics`, big);
    expect(res.status).toBe(403);
    expect(parseErrorBody(res.text)).toContain(C('max-resource-size'));
    const huge = await alice.put(`${CAL}huge.ics`, 'x'.repeat(70000));
    expect(huge.status).toBe(413);
    const max = parseMultistatus((await alice.propfind(CAL, '<c:max-resource-size/>')).text).members.get(CAL)!;
    expect(textIn(max.props.get(C('max-resource-size'))!.el)).toBe('4096');
  });

  it('refuses a body that is not iCalendar by its content type (supported-calendar-data)', async () => {
    const res = await alice.request('PUT', `${CAL}j.ics`, { body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(403);
    expect(parseErrorBody(res.text)).toContain(C('supported-calendar-data'));
  });

  it('PUT into a calendar that does not exist is 409', async () => {
    expect((await alice.put('/dav/calendars/alice/nope/x.ics', E1)).status).toBe(409);
  });

  it('accepts arbitrary member names (Thunderbird turns UID characters into _, DAVx5 uses UUIDs) and reports them percent-encoded', async () => {
    const name = 'weird name+@ü.ics';
    const res = await alice.put(`${CAL}${encodeURIComponent(name)}`, calendar(event('weird', ['DTSTART:20260102T000000Z'])));
    expect(res.status).toBe(201);
    const list = parseMultistatus((await alice.propfind(CAL, '<d:getetag/>', '1')).text);
    expect([...list.members.keys()]).toContain(`${CAL}${encodeURIComponent(name)}`);
    expect((await alice.request('GET', `${CAL}weird%20name%2B%40%C3%BC.ics`)).status).toBe(200);
  });

  it('PROPFIND Depth 1 on the calendar lists every object with getetag and getcontenttype', async () => {
    expect((await alice.put(`${CAL}listed.ics`, e1('listed'))).status).toBe(201);
    const res = await alice.propfind(CAL, '<d:getetag/><d:getcontenttype/><d:resourcetype/>', '1');
    const { members } = parseMultistatus(res.text);
    const obj = members.get(`${CAL}listed.ics`)!;
    expect(textIn(obj.props.get(D('getetag'))!.el)).toMatch(/^"[0-9a-f]{32}"$/);
    expect(textIn(obj.props.get(D('getcontenttype'))!.el)).toBe('text/calendar; charset=utf-8; component=vevent');
    expect(obj.props.get(D('resourcetype'))!.el.children).toHaveLength(0);
  });

  it('DELETE with a stale If-Match is 412; with the right one 204; then 404', async () => {
    await alice.put(`${CAL}del.ics`, calendar(event('del', ['DTSTART:20260103T000000Z'])));
    expect((await alice.request('DELETE', `${CAL}del.ics`, { headers: { 'if-match': '"nope"' } })).status).toBe(412);
    const etag = (await alice.request('HEAD', `${CAL}del.ics`)).headers.get('etag')!;
    expect((await alice.request('DELETE', `${CAL}del.ics`, { headers: { 'if-match': etag } })).status).toBe(204);
    expect((await alice.request('DELETE', `${CAL}del.ics`)).status).toBe(404);
    // The UID can be used again after a delete (python-caldav checks this).
    expect((await alice.put(`${CAL}del2.ics`, calendar(event('del', ['DTSTART:20260103T000000Z'])))).status).toBe(201);
  });

  it('MOVE renames within a calendar and between calendars; COPY keeps the source; Overwrite: F protects', async () => {
    await alice.request('MKCALENDAR', '/dav/calendars/alice/work/');
    await alice.put(`${CAL}m.ics`, calendar(event('move-me', ['DTSTART:20260104T000000Z'])));
    const dest = (p: string) => ({ destination: `${server.url}${p}` });
    expect((await alice.request('MOVE', `${CAL}m.ics`, { headers: dest(`${CAL}m2.ics`) })).status).toBe(201);
    expect((await alice.request('GET', `${CAL}m.ics`)).status).toBe(404);
    expect((await alice.request('MOVE', `${CAL}m2.ics`, { headers: dest('/dav/calendars/alice/work/m.ics') })).status).toBe(201);
    expect((await alice.request('GET', '/dav/calendars/alice/work/m.ics')).status).toBe(200);
    expect((await alice.request('COPY', '/dav/calendars/alice/work/m.ics', { headers: dest(`${CAL}copy.ics`) })).status).toBe(201);
    expect((await alice.request('GET', '/dav/calendars/alice/work/m.ics')).status).toBe(200);
    // A copy into the same calendar would duplicate the UID.
    const dup = await alice.request('COPY', '/dav/calendars/alice/work/m.ics', { headers: dest('/dav/calendars/alice/work/m-copy.ics') });
    expect(dup.status).toBe(409);
    expect(dup.text).toContain('no-uid-conflict');
    await alice.put(`${CAL}taken.ics`, calendar(event('taken', ['DTSTART:20260105T000000Z'])));
    const noOverwrite = await alice.request('MOVE', '/dav/calendars/alice/work/m.ics', { headers: { ...dest(`${CAL}taken.ics`), overwrite: 'F' } });
    expect(noOverwrite.status).toBe(412);
  });
});
