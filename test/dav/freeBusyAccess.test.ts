// CALDAV:read-free-busy (RFC 4791 §6.1.1): as in sabre/dav, every signed-in user may read the busy
// time of any calendar with free-busy-query, and nothing else of it; privileges say so.
import { beforeAll, describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import { useTestServer } from '../helpers/testServer.ts';
import { C, D, Dav, calendarQuery, parseMultistatus } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

const FREE_BUSY = '<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav"><c:time-range start="20260301T000000Z" end="20260302T000000Z"/></c:free-busy-query>';
const CAL = '/dav/calendars/alice/default/';

describe('read-free-busy', () => {
  const server = useTestServer();
  const alice = server.user('alice');
  const bob = server.user('bob');
  beforeAll(async () => {
    expect((await alice.put(`${CAL}lunch.ics`, calendar(event('lunch', ['DTSTART:20260301T120000Z', 'DTEND:20260301T130000Z', 'SUMMARY:Secret lunch'])))).status).toBe(201);
  });

  const privileges = async (who: Dav, path: string) => {
    const res = await who.propfind(path, '<d:current-user-privilege-set/>', '0');
    return parseMultistatus(res.text).members.get(path)!.props.get(D('current-user-privilege-set'))!.el.children.map((p) => p.children[0]!.name);
  };

  it("answers another signed-in user's free-busy-query on a calendar with its busy time, and nothing more", async () => {
    const res = await bob.report(CAL, FREE_BUSY, '1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
    const fb = new ICAL.Component(ICAL.parse(res.text) as never).getFirstSubcomponent('vfreebusy')!;
    expect(fb.getAllProperties('freebusy').map((p) => p.getFirstValue()!.toString())).toEqual(['2026-03-01T12:00:00Z/2026-03-01T13:00:00Z']);
    expect(res.text).not.toContain('Secret lunch');
    // Everything else of the calendar stays hidden.
    expect((await bob.propfind(CAL, '<d:displayname/>', '0')).status).toBe(404);
    const query = calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter>');
    expect((await bob.report(CAL, query)).status).toBe(404);
    expect((await bob.request('GET', `${CAL}lunch.ics`)).status).toBe(404);
    // Anonymous requests are asked to sign in; a calendar that is not there stays 404.
    expect((await bob.report(CAL, FREE_BUSY, '1', { authorization: '' })).status).not.toBe(200);
    expect((await bob.report('/dav/calendars/alice/nothing/', FREE_BUSY, '1')).status).toBe(404);
  });

  it('lists read-free-busy for a read-only sharee and on the own home', async () => {
    expect((await alice.request('MKCALENDAR', '/dav/calendars/alice/team/')).status).toBe(201);
    const team = (await server.domain.calendars.get('principals/alice', 'team'))!;
    await server.domain.sharing.share('alice', team.instanceId, 'bob', false);
    const shared = (await server.domain.calendars.listForPrincipal('principals/bob')).find((v) => v.calendarId === team.calendarId)!;
    const sharee = await privileges(bob, `/dav/calendars/bob/${shared.uri}/`);
    expect(sharee).toContain(C('read-free-busy'));
    expect(sharee).toContain(D('read'));
    expect(sharee).not.toContain(D('write'));
    expect(await privileges(bob, '/dav/calendars/bob/')).toContain(C('read-free-busy'));
  });
});
