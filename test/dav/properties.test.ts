// The live-property table (src/dav/properties.ts): every property that entry says is writable (on
// a calendar or an address book) can be set, read back and removed over the wire; a bad value is refused with nothing changed; every
// other live property is protected; and the table's write sides are exactly the ones tested here.
import { describe, expect, it } from 'vitest';
import { LIVE } from '../../src/dav/properties.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { APPLE, C, D, parseMultistatus, textIn } from '../helpers/dav.ts';

const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/" xmlns:card="urn:ietf:params:xml:ns:carddav"';
const CR = (l: string) => `{urn:ietf:params:xml:ns:carddav}${l}`;
const TZ = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n`;

interface Case {
  name: string;
  /** The element as a client sends it in `set`. */
  xml: string;
  /** What PROPFIND answers after the set (text, or the child element's name). */
  reads: string;
  /** What PROPFIND answers after a remove (null: 404). */
  cleared: string | null;
  bad: string;
}

const CALENDAR_CASES: Case[] = [
  { name: D('displayname'), xml: '<d:displayname>Work &amp; play</d:displayname>', reads: 'Work & play', cleared: null, bad: `<d:displayname>${'x'.repeat(300)}</d:displayname>` },
  { name: C('calendar-description'), xml: '<c:calendar-description>Shifts</c:calendar-description>', reads: 'Shifts', cleared: null, bad: '' },
  { name: C('calendar-timezone'), xml: `<c:calendar-timezone>${TZ}</c:calendar-timezone>`, reads: 'TZID:Europe/Berlin', cleared: null, bad: '<c:calendar-timezone>not a calendar</c:calendar-timezone>' },
  { name: APPLE('calendar-color'), xml: '<a:calendar-color>#FF8800FF</a:calendar-color>', reads: '#FF8800FF', cleared: null, bad: '<a:calendar-color>orange</a:calendar-color>' },
  { name: APPLE('calendar-order'), xml: '<a:calendar-order>7</a:calendar-order>', reads: '7', cleared: '0', bad: '<a:calendar-order>first</a:calendar-order>' },
  { name: C('schedule-calendar-transp'), xml: '<c:schedule-calendar-transp><c:transparent/></c:schedule-calendar-transp>', reads: C('transparent'), cleared: C('opaque'), bad: '' },
];

const ADDRESS_BOOK_CASES: Case[] = [
  { name: D('displayname'), xml: '<d:displayname>Family &amp; friends</d:displayname>', reads: 'Family & friends', cleared: null, bad: `<d:displayname>${'x'.repeat(300)}</d:displayname>` },
  { name: CR('addressbook-description'), xml: '<card:addressbook-description>Everyone</card:addressbook-description>', reads: 'Everyone', cleared: null, bad: '' },
];

describe('live properties: read, write and validation from one table', () => {
  const server = useTestServer();
  const alice = server.user('alice');
  const cal = '/dav/calendars/alice/default/';
  const book = '/dav/addressbooks/alice/default/';

  async function read(path: string, name: string): Promise<{ status: number; value: string }> {
    const [ns, local] = /^\{(.*)\}(.*)$/.exec(name)!.slice(1);
    const body = `<d:propfind xmlns:d="DAV:" xmlns:x="${ns}"><d:prop><x:${local}/></d:prop></d:propfind>`;
    const res = await alice.request('PROPFIND', path, { body, headers: { depth: '0' } });
    const prop = [...parseMultistatus(res.text).members.values()][0]!.props.get(name)!;
    const child = prop.el.children[0];
    return { status: prop.status, value: child && !textIn(prop.el) ? child.name : textIn(prop.el) };
  }

  const patch = (path: string, op: 'set' | 'remove', xml: string) =>
    alice.request('PROPPATCH', path, { body: `<d:propertyupdate ${NS}><d:${op}><d:prop>${xml}</d:prop></d:${op}></d:propertyupdate>` });

  it('covers every property whose table entry has a write side', () => {
    const writable = [...LIVE].filter(([, p]) => p.write?.targets.includes('calendar')).map(([n]) => n);
    expect(writable.sort()).toEqual(CALENDAR_CASES.map((c) => c.name).sort());
    const onBooks = [...LIVE].filter(([, p]) => p.write?.targets.includes('addressbook')).map(([n]) => n);
    expect(onBooks.sort()).toEqual(ADDRESS_BOOK_CASES.map((c) => c.name).sort());
    // Set only when a calendar or an address book is made (MKCALENDAR / extended MKCOL).
    const onCreation = [...LIVE]
      .filter(([, p]) => p.write && !p.write.targets.includes('calendar') && !p.write.targets.includes('addressbook') && !p.write.targets.includes('inbox'))
      .map(([n]) => n);
    expect(onCreation.sort()).toEqual([C('supported-calendar-component-set'), D('resourcetype')].sort());
    // The schedule inbox's one writable property (test/dav/scheduleInbox.test.ts covers it).
    expect([...LIVE].filter(([, p]) => p.write?.targets.includes('inbox')).map(([n]) => n)).toEqual([C('schedule-default-calendar-URL')]);
  });

  for (const [target, c] of [...CALENDAR_CASES.map((x) => [cal, x] as const), ...ADDRESS_BOOK_CASES.map((x) => [book, x] as const)]) {
    it(`${c.name} on ${target}: PROPPATCH set is read back, remove clears it, a bad value is refused and changes nothing`, async () => {
      expect((await patch(target, 'set', c.xml)).status).toBe(207);
      const after = await read(target, c.name);
      expect(after.status).toBe(200);
      expect(after.value).toContain(c.reads);
      if (c.bad) {
        const res = await patch(target, 'set', c.bad);
        const status = [...parseMultistatus(res.text).members.values()][0]!.props.get(c.name)!.status;
        expect([403, 409]).toContain(status);
        expect((await read(target, c.name)).value).toContain(c.reads);
      }
      expect((await patch(target, 'remove', c.xml.replace(/>[^]*<\//, '></'))).status).toBe(207);
      const cleared = await read(target, c.name);
      if (c.cleared === null) expect(cleared.status).toBe(404);
      else expect(cleared).toEqual({ status: 200, value: c.cleared });
    });
  }

  it('a principal takes a displayname; a home takes none, as every other live property is protected', async () => {
    expect((await patch('/dav/principals/alice/', 'set', '<d:displayname>Alice A.</d:displayname>')).status).toBe(207);
    expect((await read('/dav/principals/alice/', D('displayname'))).value).toBe('Alice A.');
    for (const [path, xml] of [
      ['/dav/calendars/alice/', '<d:displayname>Home</d:displayname>'],
      [cal, '<d:getetag>"x"</d:getetag>'],
      [cal, '<c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set>'],
      [cal, '<d:resourcetype><d:collection/></d:resourcetype>'],
      ['/dav/addressbooks/alice/', '<d:displayname>Home</d:displayname>'],
      [book, '<card:supported-address-data/>'],
      [book, '<card:max-resource-size>1</card:max-resource-size>'],
      [book, '<d:resourcetype><d:collection/></d:resourcetype>'],
    ] as const) {
      const res = await patch(path, 'set', xml);
      const m = [...parseMultistatus(res.text).members.values()][0]!;
      expect([...m.props.values()][0]!.status).toBe(403);
      expect(m.error?.children.map((x) => x.name)).toEqual([D('cannot-modify-protected-property')]);
    }
    expect((await read(cal, C('supported-calendar-component-set'))).value).toBe(C('comp'));
  });
});
