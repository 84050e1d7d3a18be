// Notes (VJOURNAL) without configuring anything: a new user's default calendar and a calendar made
// by MKCALENDAR without a component set accept events, tasks and notes (RFC 4791 §5.2.3), as jtx
// Board (DAVx5), Thunderbird and Evolution expect; a calendar made with a set keeps to it.
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { C, parseErrorBody, parseMultistatus } from '../helpers/dav.ts';
import { calendar, event, journal, todo } from '../fixtures/ical.ts';

describe('notes (VJOURNAL) in calendars made without a component set', () => {
  const server = useTestServer();
  const alice = server.user('alice');

  const componentSet = async (path: string) => {
    const res = await alice.propfind(path, '<c:supported-calendar-component-set/>', '0');
    const prop = parseMultistatus(res.text).members.get(path)!.props.get(C('supported-calendar-component-set'))!;
    expect(prop.status).toBe(200);
    return prop.el.children.map((x) => x.attrs.get('name')).sort();
  };
  const putAll = async (path: string, tag: string) => [
    (await alice.put(`${path}${tag}-event.ics`, calendar(event(`${tag}-event`, ['DTSTART:20260101T100000Z'])))).status,
    (await alice.put(`${path}${tag}-task.ics`, calendar(todo(`${tag}-task`, ['SUMMARY:Buy milk'])))).status,
    (await alice.put(`${path}${tag}-note.ics`, calendar(journal(`${tag}-note`, ['DTSTART;VALUE=DATE:20260101', 'SUMMARY:Minutes'])))).status,
  ];

  it("a new user's default calendar takes events, tasks and notes", async () => {
    expect(await componentSet('/dav/calendars/alice/default/')).toEqual(['VEVENT', 'VJOURNAL', 'VTODO']);
    expect(await putAll('/dav/calendars/alice/default/', 'd')).toEqual([201, 201, 201]);
  });

  it('MKCALENDAR without a component set makes a calendar for all three, and says so', async () => {
    const path = '/dav/calendars/alice/plain/';
    expect((await alice.request('MKCALENDAR', path)).status).toBe(201);
    expect(await componentSet(path)).toEqual(['VEVENT', 'VJOURNAL', 'VTODO']);
    expect(await putAll(path, 'p')).toEqual([201, 201, 201]);
  });

  it('a calendar made with an explicit set refuses the other types with supported-calendar-component', async () => {
    const path = '/dav/calendars/alice/events-only/';
    const mk = `<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>`;
    expect((await alice.request('MKCALENDAR', path, { body: mk })).status).toBe(201);
    expect(await componentSet(path)).toEqual(['VEVENT']);
    const note = await alice.put(`${path}n.ics`, calendar(journal('e-note', ['DTSTART;VALUE=DATE:20260101'])));
    expect(note.status).toBe(403);
    expect(parseErrorBody(note.text)).toEqual([C('supported-calendar-component')]);
    const listed = parseMultistatus((await alice.propfind(path, '<d:getetag/>', '1')).text);
    expect([...listed.members.keys()]).toEqual([path]);
  });
});
