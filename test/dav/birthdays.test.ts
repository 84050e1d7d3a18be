// The birthday calendar as CalDAV clients see it, in raw HTTP: a read-only calendar in the home
// whose events follow the user's cards within one sync. The cards are PUT and DELETEd over
// CardDAV (/dav/addressbooks/<u>/default/x.vcf) as a contacts client does.
import { describe, expect, it } from 'vitest';
import type { AddressBookView } from '../../src/domain/addressBooks.ts';
import { birthdayObjectUri } from '../../src/domain/birthdays.ts';
import type { Actor } from '../../src/domain/calendars.ts';
import { calendarQuery, C, D, parseErrorBody, parseMultistatus, syncCollection, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';

const card = (uid: string, fn: string, extra = '') => `BEGIN:VCARD\r\nVERSION:4.0\r\nUID:${uid}\r\nFN:${fn}\r\n${extra}END:VCARD\r\n`;
const EVENT = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//t//EN', 'BEGIN:VEVENT', 'UID:mine', 'DTSTAMP:20260101T000000Z', 'DTSTART;VALUE=DATE:20260101', 'SUMMARY:mine', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('the birthday calendar over CalDAV', { shuffle: false }, () => {
  const server = useTestServer();
  const eve = server.user('eve');
  const HOME = '/dav/calendars/eve/';
  const BDAYS = `${HOME}birthdays/`;

  const actor = async (): Promise<Actor> => {
    const u = await server.domain.users.require('eve');
    return { userId: u.id, username: 'eve', principaluri: u.principalUri };
  };
  const contacts = async (): Promise<AddressBookView> => (await server.domain.addressBooks.get(await actor(), 'eve', 'default'))!;
  const putCard = async (uri: string, text: string) => {
    const res = await eve.request('PUT', `/dav/addressbooks/eve/default/${uri}`, { body: text, headers: { 'content-type': 'text/vcard; charset=utf-8' } });
    expect([201, 204]).toContain(res.status);
  };
  const deleteCard = async (uri: string) => expect((await eve.request('DELETE', `/dav/addressbooks/eve/default/${uri}`)).status).toBe(204);
  const sync = async (token: string) => {
    const res = await eve.report(BDAYS, syncCollection(token, '<d:getetag/><c:calendar-data/>'));
    expect(res.status).toBe(207);
    return parseMultistatus(res.text);
  };

  it('is in the home, named Birthdays, events only, and offers its owner read privileges only', async () => {
    const home = parseMultistatus((await eve.propfind(HOME, '<d:displayname/>', '1')).text);
    expect(textIn(home.members.get(BDAYS)?.props.get(D('displayname'))?.el)).toBe('Birthdays');
    const res = await eve.propfind(BDAYS, '<d:resourcetype/><d:current-user-privilege-set/><c:supported-calendar-component-set/><c:schedule-calendar-transp/>');
    const props = parseMultistatus(res.text).members.get(BDAYS)!.props;
    expect(props.get(D('resourcetype'))!.el.children.map((x) => x.name)).toEqual([D('collection'), C('calendar')]);
    const privs = props.get(D('current-user-privilege-set'))!.el.children.map((p) => p.children[0]!.name);
    expect(privs).toContain(D('read'));
    for (const w of ['write', 'write-content', 'write-properties', 'bind', 'unbind', 'all']) expect(privs).not.toContain(D(w));
    expect(props.get(C('supported-calendar-component-set'))!.el.children.map((x) => x.attrs.get('name'))).toEqual(['VEVENT']);
    expect(props.get(C('schedule-calendar-transp'))!.el.children.map((x) => x.name)).toEqual([C('transparent')]);
  });

  it('shows a card written, changed and deleted at the next sync-collection, with the event as clients read it', async () => {
    const book = await contacts();
    const href = `${BDAYS}${encodeURIComponent(birthdayObjectUri(book.id, 'x.vcf', 'BDAY'))}`;
    const start = (await sync('')).syncToken!;

    await putCard('x.vcf', card('x', 'Grace Hopper', 'BDAY:19061209\r\n'));
    const added = await sync(start);
    expect([...added.members.keys()]).toEqual([href]);
    const data = textIn(added.members.get(href)!.props.get(C('calendar-data'))!.el);
    expect(data).toContain('SUMMARY:🎂 Grace Hopper (1906)');
    expect(data).toContain('DTSTART;VALUE=DATE:19701209');
    expect(data).toContain('RRULE:FREQ=YEARLY');
    expect(data).toContain('TRANSP:TRANSPARENT');
    expect(data).toContain('X-NEXTCLOUD-BC-YEAR:1906');
    const get = await eve.request('GET', href);
    expect(get.status).toBe(200);
    expect(get.text.replace(/\r\n/g, '\n').trim()).toBe(data.replace(/\r\n/g, '\n').trim());

    // A time-range query finds her birthday on 9 December 2027.
    const query = await eve.report(BDAYS, calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20271209T000000Z" end="20271210T000000Z"/></c:comp-filter></c:comp-filter>'));
    expect([...parseMultistatus(query.text).members.keys()]).toEqual([href]);

    await putCard('x.vcf', card('x', 'Grace Brewster Hopper', 'BDAY:--1209\r\n'));
    const changed = await sync(added.syncToken!);
    expect([...changed.members.keys()]).toEqual([href]);
    expect(textIn(changed.members.get(href)!.props.get(C('calendar-data'))!.el)).toMatch(/SUMMARY:🎂 Grace Brewster Hopper\r?\n/);
    expect(textIn(changed.members.get(href)!.props.get(D('getetag'))!.el)).not.toBe(textIn(added.members.get(href)!.props.get(D('getetag'))!.el));

    await deleteCard('x.vcf');
    const gone = await sync(changed.syncToken!);
    expect(gone.members.get(href)?.status).toBe(404);
    expect((await eve.request('GET', href)).status).toBe(404);
  });

  it('answers a client write with 403 DAV:need-privileges: PUT, DELETE, MOVE into it', async () => {
    const book = await contacts();
    await putCard('y.vcf', card('y', 'Alan Turing', 'BDAY:1912-06-23\r\n'));
    const href = `${BDAYS}${encodeURIComponent(birthdayObjectUri(book.id, 'y.vcf', 'BDAY'))}`;
    const before = (await eve.request('GET', href)).text;

    for (const res of [
      await eve.put(`${BDAYS}mine.ics`, EVENT),
      await eve.put(href, before.replace('Alan Turing', 'Someone Else'), { 'if-match': (await eve.request('HEAD', href)).headers.get('etag')! }),
      await eve.request('DELETE', href),
    ]) {
      expect(res.status).toBe(403);
      expect(parseErrorBody(res.text)).toEqual([D('need-privileges')]);
    }
    expect((await eve.request('GET', href)).text).toBe(before);
    expect((await eve.request('GET', `${BDAYS}mine.ics`)).status).toBe(404);

    expect((await eve.put(`${HOME}default/mine.ics`, EVENT)).status).toBe(201);
    const move = await eve.request('MOVE', `${HOME}default/mine.ics`, { headers: { destination: `${server.url}${BDAYS}mine.ics` } });
    expect(move.status).toBe(403);
    expect((await eve.request('GET', `${HOME}default/mine.ics`)).status).toBe(200);

    // Its name and colour are the owner's to set, like any calendar's.
    const patch = await eve.request('PROPPATCH', BDAYS, {
      body: '<d:propertyupdate xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop><d:displayname>Cumpleaños</d:displayname><a:calendar-color>#FF8800</a:calendar-color></d:prop></d:set></d:propertyupdate>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(patch.status).toBe(207);
    expect([...parseMultistatus(patch.text).members.get(BDAYS)!.props.values()].map((p) => p.status)).toEqual([200, 200]);
  });

  it('drops the events of an address book DELETEd over CardDAV', async () => {
    const mk = await eve.request('MKCOL', '/dav/addressbooks/eve/work/', {
      body: '<d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Work</d:displayname></d:prop></d:set></d:mkcol>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(mk.status).toBe(201);
    const work = (await server.domain.addressBooks.get(await actor(), 'eve', 'work'))!;
    const put = await eve.request('PUT', '/dav/addressbooks/eve/work/w.vcf', { body: card('w', 'Ada Work', 'ANNIVERSARY:20150101\r\n'), headers: { 'content-type': 'text/vcard; charset=utf-8' } });
    expect(put.status).toBe(201);
    const href = `${BDAYS}${encodeURIComponent(birthdayObjectUri(work.id, 'w.vcf', 'ANNIVERSARY'))}`;
    const token = (await sync('')).syncToken!;
    expect((await eve.request('GET', href)).text).toContain('SUMMARY:💍 Ada Work (2015)');
    expect((await eve.request('DELETE', '/dav/addressbooks/eve/work/')).status).toBe(204);
    expect((await sync(token)).members.get(href)?.status).toBe(404);
  });

  it('is turned off by a DELETE, as in Nextcloud: gone from the home, its cards no longer followed', async () => {
    const homeToken = parseMultistatus((await eve.report(HOME, syncCollection('', '<d:displayname/>'))).text).syncToken!;
    const del = await eve.request('DELETE', BDAYS);
    expect(del.status).toBe(204);
    expect(await server.domain.birthdays.isEnabled(await actor())).toBe(false);
    expect((await eve.propfind(BDAYS, '<d:displayname/>')).status).toBe(404);
    const home = parseMultistatus((await eve.report(HOME, syncCollection(homeToken, '<d:displayname/>'))).text);
    expect(home.members.get(BDAYS)?.status).toBe(404);

    // Cards are written as ever; turned on again, the calendar holds every birthday.
    await putCard('z.vcf', card('z', 'Katherine Johnson', 'BDAY:1918-08-26\r\n'));
    await server.domain.birthdays.setEnabled(await actor(), true);
    const listing = parseMultistatus((await eve.propfind(BDAYS, '<d:getetag/>', '1')).text);
    const book = await contacts();
    expect([...listing.members.keys()].sort()).toEqual(
      [BDAYS, ...['y.vcf', 'z.vcf'].map((c) => `${BDAYS}${encodeURIComponent(birthdayObjectUri(book.id, c, 'BDAY'))}`)].sort(),
    );
  });
});
