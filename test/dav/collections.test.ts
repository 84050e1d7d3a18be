import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { APPLE, C, CS, D, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { calendar, event, journal, todo, VTIMEZONE_BERLIN } from '../fixtures/ical.ts';

const tzProp = calendar([], { timezones: [VTIMEZONE_BERLIN] });

describe('calendar collections', () => {
  const server = useTestServer();
  const alice = server.user('alice');
  server.user('bob');
  beforeAll(async () => {
    // The PROPPATCH cases each work on this calendar, and set what they later check.
    expect((await alice.request('MKCALENDAR', '/dav/calendars/alice/patched/')).status).toBe(201);
  });

  const props = async (path: string, p: string) => parseMultistatus((await alice.propfind(path, p)).text).members.get(path)!;

  it('MKCALENDAR with the properties DAVx5 sends (resourcetype included) creates the calendar', async () => {
    const body = `<?xml version='1.0' encoding='UTF-8' ?><CAL:mkcalendar xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:ICAL="http://apple.com/ns/ical/"><set><prop>
      <resourcetype><collection /><CAL:calendar /></resourcetype><displayname>Work</displayname>
      <CAL:calendar-description>Work things</CAL:calendar-description><ICAL:calendar-color>#FF0000FF</ICAL:calendar-color>
      <CAL:calendar-timezone><![CDATA[${tzProp}]]></CAL:calendar-timezone>
      <CAL:supported-calendar-component-set><CAL:comp name="VEVENT" /><CAL:comp name="VTODO" /></CAL:supported-calendar-component-set>
    </prop></set></CAL:mkcalendar>`;
    const res = await alice.request('MKCALENDAR', '/dav/calendars/alice/work/', { body });
    expect(res.status).toBe(201);
    const p = await props('/dav/calendars/alice/work/', '<d:displayname/><c:calendar-description/><a:calendar-color/><c:supported-calendar-component-set/><c:calendar-timezone/>');
    expect(textIn(p.props.get(D('displayname'))!.el)).toBe('Work');
    expect(textIn(p.props.get(C('calendar-description'))!.el)).toBe('Work things');
    expect(textIn(p.props.get(APPLE('calendar-color'))!.el)).toBe('#FF0000FF');
    expect(p.props.get(C('supported-calendar-component-set'))!.el.children.map((x) => x.attrs.get('name'))).toEqual(['VEVENT', 'VTODO']);
    expect(textIn(p.props.get(C('calendar-timezone'))!.el)).toContain('TZID:Europe/Berlin');
  });

  it('MKCALENDAR without a body makes a calendar for events, tasks and notes (RFC 4791 5.2.3)', async () => {
    expect((await alice.request('MKCALENDAR', '/dav/calendars/alice/plain/')).status).toBe(201);
    const p = await props('/dav/calendars/alice/plain/', '<c:supported-calendar-component-set/>');
    expect(p.props.get(C('supported-calendar-component-set'))!.el.children.map((x) => x.attrs.get('name'))).toEqual(['VEVENT', 'VJOURNAL', 'VTODO']);
  });

  it('extended MKCOL (tasks.org, vdirsyncer) creates a task list; notes calendars hold VJOURNAL', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?><d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>
      <d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>Tasks</d:displayname>
      <c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set>
      <x:x-calendar-icon xmlns:x="http://tasks.org/ns">42</x:x-calendar-icon></d:prop></d:set></d:mkcol>`;
    expect((await alice.request('MKCOL', '/dav/calendars/alice/tasks/', { body })).status).toBe(201);
    expect((await alice.put('/dav/calendars/alice/tasks/t.ics', calendar(todo('t', ['SUMMARY:do it'])))).status).toBe(201);
    const ev = await alice.put('/dav/calendars/alice/tasks/e.ics', calendar(event('e', ['DTSTART:20260101T000000Z'])));
    expect(ev.status).toBe(403);
    expect(parseErrorBody(ev.text)).toContain(C('supported-calendar-component'));
    const p = await props('/dav/calendars/alice/tasks/', '<x:x-calendar-icon xmlns:x="http://tasks.org/ns"/>');
    expect(textIn(p.props.get('{http://tasks.org/ns}x-calendar-icon')!.el)).toBe('42');

    const notes = `<d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
      <c:supported-calendar-component-set><c:comp name="VJOURNAL"/></c:supported-calendar-component-set></d:prop></d:set></d:mkcol>`;
    expect((await alice.request('MKCOL', '/dav/calendars/alice/notes/', { body: notes })).status).toBe(201);
    expect((await alice.put('/dav/calendars/alice/notes/n.ics', calendar(journal('n', ['SUMMARY:idea'])))).status).toBe(201);
  });

  it('refuses a plain MKCOL, an existing name (MKCALENDAR 403 resource-must-be-null as RFC 4791 5.3.1.1, MKCOL 405 as RFC 4918 9.3.1), a calendar in someone else home and an unsupported component', async () => {
    const plain = await alice.request('MKCOL', '/dav/calendars/alice/folder/');
    expect(plain.status).toBe(403);
    expect((await alice.request('MKCALENDAR', '/dav/calendars/alice/existing/')).status).toBe(201);
    const exists = await alice.request('MKCALENDAR', '/dav/calendars/alice/existing/');
    expect(exists.status).toBe(403);
    expect(parseErrorBody(exists.text)).toEqual([D('resource-must-be-null')]);
    expect((await alice.request('MKCOL', '/dav/calendars/alice/existing/')).status).toBe(405);
    const elsewhere = await alice.request('MKCALENDAR', '/dav/calendars/bob/stolen/');
    expect(elsewhere.status).toBe(403);
    expect(parseErrorBody(elsewhere.text)).toContain(C('calendar-collection-location-ok'));
    const fb = `<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:supported-calendar-component-set><c:comp name="VFREEBUSY"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>`;
    const bad = await alice.request('MKCALENDAR', '/dav/calendars/alice/fb/', { body: fb });
    // A property MKCALENDAR cannot set: 207 with the property refused (RFC 4791 5.3.1), nothing made.
    expect(bad.status).toBe(207);
    expect(bad.text).toMatch(/mkcalendar-response[\s\S]*supported-calendar-component-set[\s\S]*HTTP\/1.1 403/);
    expect((await alice.propfind('/dav/calendars/alice/fb/', '<d:displayname/>')).status).toBe(404);
    // The scheduling inbox lives there.
    const inbox = await alice.request('MKCALENDAR', '/dav/calendars/alice/inbox/');
    expect(inbox.status).toBe(403);
    expect(parseErrorBody(inbox.text)).toEqual([D('resource-must-be-null')]);
  });

  const proppatch = (path: string, set: string, remove = '') =>
    alice.request('PROPPATCH', path, {
      body: `<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/">${set ? `<d:set><d:prop>${set}</d:prop></d:set>` : ''}${remove ? `<d:remove><d:prop>${remove}</d:prop></d:remove>` : ''}</d:propertyupdate>`,
    });

  it('PROPPATCH of displayname, colour, order and description answers 200 per property (macOS stops syncing on 403)', async () => {
    const res = await proppatch(
      '/dav/calendars/alice/patched/',
      '<d:displayname>Renamed</d:displayname><a:calendar-color>#00FF00</a:calendar-color><a:calendar-order>3</a:calendar-order><c:calendar-description>Hi</c:calendar-description>',
    );
    expect(res.status).toBe(207);
    const m = parseMultistatus(res.text).members.get('/dav/calendars/alice/patched/')!;
    expect([...m.props.values()].every((p) => p.status === 200)).toBe(true);
    expect(m.props.size).toBe(4);
    const p = await props('/dav/calendars/alice/patched/', '<d:displayname/><a:calendar-color/><a:calendar-order/><c:calendar-description/>');
    expect(textIn(p.props.get(D('displayname'))!.el)).toBe('Renamed');
    expect(textIn(p.props.get(APPLE('calendar-order'))!.el)).toBe('3');
  });

  it('PROPPATCH stores dead properties verbatim, XML included, and removes them', async () => {
    const dead = '<x:meta xmlns:x="urn:example:meta"><x:tag kind="a">one &amp; two</x:tag><x:empty/></x:meta>';
    expect((await proppatch('/dav/calendars/alice/patched/', dead)).status).toBe(207);
    const p = await props('/dav/calendars/alice/patched/', '<x:meta xmlns:x="urn:example:meta"/>');
    const el = p.props.get('{urn:example:meta}meta')!.el;
    expect(el.children.map((x) => x.name)).toEqual(['{urn:example:meta}tag', '{urn:example:meta}empty']);
    expect(el.children[0]!.attrs.get('kind')).toBe('a');
    expect(textIn(el.children[0])).toBe('one & two');
    await proppatch('/dav/calendars/alice/patched/', '', '<x:meta xmlns:x="urn:example:meta"/>');
    expect((await props('/dav/calendars/alice/patched/', '<x:meta xmlns:x="urn:example:meta"/>')).props.get('{urn:example:meta}meta')!.status).toBe(404);
  });

  it('PROPPATCH is atomic: a protected property gets 403, the others 424, and nothing changes', async () => {
    expect((await proppatch('/dav/calendars/alice/patched/', '<d:displayname>Before</d:displayname>')).status).toBe(207);
    const res = await proppatch('/dav/calendars/alice/patched/', '<d:displayname>Never</d:displayname><d:getetag>"x"</d:getetag><cs:getctag xmlns:cs="http://calendarserver.org/ns/">1</cs:getctag>');
    const m = parseMultistatus(res.text).members.get('/dav/calendars/alice/patched/')!;
    expect(m.props.get(D('displayname'))!.status).toBe(424);
    expect(m.props.get(D('getetag'))!.status).toBe(403);
    expect(m.props.get(CS('getctag'))!.status).toBe(403);
    expect(res.text).toContain('cannot-modify-protected-property');
    expect(textIn((await props('/dav/calendars/alice/patched/', '<d:displayname/>')).props.get(D('displayname'))!.el)).toBe('Before');
  });

  it('PROPPATCH refuses a calendar-timezone that is not a VTIMEZONE, and a malformed colour', async () => {
    const tz = await proppatch('/dav/calendars/alice/patched/', '<c:calendar-timezone>BEGIN:VCALENDAR\r\nEND:VCALENDAR</c:calendar-timezone>');
    expect(parseMultistatus(tz.text).members.get('/dav/calendars/alice/patched/')!.props.get(C('calendar-timezone'))!.status).toBe(403);
    expect(tz.text).toContain('valid-calendar-data');
    const color = await proppatch('/dav/calendars/alice/patched/', '<a:calendar-color>red</a:calendar-color>');
    expect(parseMultistatus(color.text).members.get('/dav/calendars/alice/patched/')!.props.get(APPLE('calendar-color'))!.status).toBe(409);
  });

  it('PROPPATCH on the principal changes the display name', async () => {
    await proppatch('/dav/principals/alice/', '<d:displayname>Alice A.</d:displayname>');
    expect((await server.domain.users.get('alice'))!.displayName).toBe('Alice A.');
  });

  it('DELETE of a calendar removes it and its objects', async () => {
    expect((await alice.request('MKCALENDAR', '/dav/calendars/alice/doomed/')).status).toBe(201);
    expect((await alice.put('/dav/calendars/alice/doomed/n.ics', calendar(event('doomed-n', ['DTSTART:20260101T100000Z'])))).status).toBe(201);
    expect((await alice.request('DELETE', '/dav/calendars/alice/doomed/')).status).toBe(204);
    expect((await alice.propfind('/dav/calendars/alice/doomed/', '<d:displayname/>')).status).toBe(404);
    expect((await alice.request('GET', '/dav/calendars/alice/doomed/n.ics')).status).toBe(404);
    // The name is free again, and the new calendar is empty.
    expect((await alice.request('MKCALENDAR', '/dav/calendars/alice/doomed/')).status).toBe(201);
    expect((await alice.request('GET', '/dav/calendars/alice/doomed/n.ics')).status).toBe(404);
  });
});
