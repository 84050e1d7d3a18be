// vdirsyncer (Debian package) syncing address books both ways between a folder of .vcf files and
// the CardDAV face: 200 contacts up, then edits, deletes and new cards on both sides at once, with
// every card compared by UID and content afterwards; a conflict; address books made on either side
// (extended MKCOL from vdirsyncer, a folder from the server) with their display names.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { D, type Dav, parseMultistatus, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { contacts, edited, uidOf, type Contact } from '../fixtures/carddavContacts.ts';

const hasVdirsyncer = existsSync('/usr/bin/vdirsyncer');
const CARD = 'urn:ietf:params:xml:ns:carddav';
const CR = (l: string) => `{${CARD}}${l}`;
const VCARD = { 'content-type': 'text/vcard; charset=utf-8' };

function vdirsyncer(args: string[], config: string, input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('/usr/bin/vdirsyncer', args, { env: { ...process.env, VDIRSYNCER_CONFIG: config, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, timeout: 300_000, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }),
    );
    child.stdin?.end(input);
  });
}

/** Every card of an address book as the server holds it: UID → text, read with one multiget. */
async function serverCards(dav: Dav, book: string): Promise<Map<string, { href: string; etag: string; data: string }>> {
  const listed = parseMultistatus((await dav.propfind(book, '<d:getetag/>', '1')).text);
  const hrefs = [...listed.members.keys()].filter((h) => h !== book);
  const out = new Map<string, { href: string; etag: string; data: string }>();
  if (!hrefs.length) return out;
  const body = `<?xml version="1.0" encoding="utf-8"?><card:addressbook-multiget xmlns:d="DAV:" xmlns:card="${CARD}"><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</card:addressbook-multiget>`;
  const answer = await dav.report(book, body, '1');
  expect(answer.status, answer.text.slice(0, 500)).toBe(207);
  for (const [href, m] of parseMultistatus(answer.text).members) {
    const data = m.props.get(CR('address-data'))?.el.text ?? '';
    const uid = uidOf(data);
    expect(uid, `${href} has a UID`).toBeDefined();
    expect(out.has(uid!), `UID ${uid} twice on the server`).toBe(false);
    out.set(uid!, { href, etag: textIn(m.props.get(D('getetag'))?.el), data });
  }
  return out;
}

/** Every card of a vdirsyncer folder: UID → text. */
function localCards(folder: string): Map<string, { file: string; data: string }> {
  const out = new Map<string, { file: string; data: string }>();
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.vcf'))) {
    const data = readFileSync(join(folder, file), 'utf8');
    const uid = uidOf(data);
    expect(uid, `${file} has a UID`).toBeDefined();
    expect(out.has(uid!), `UID ${uid} twice in the folder`).toBe(false);
    out.set(uid!, { file, data });
  }
  return out;
}

/** The two sides hold exactly the expected cards, each with the expected text, byte for byte. */
function expectSame(expected: Map<string, string>, server: Map<string, { data: string }>, local: Map<string, { data: string }>): void {
  const sorted = (m: Map<string, unknown>) => [...m.keys()].sort();
  expect(sorted(server)).toEqual(sorted(expected));
  expect(sorted(local)).toEqual(sorted(expected));
  const differ = (side: Map<string, { data: string }>) => [...expected].filter(([uid, data]) => side.get(uid)?.data !== data).map(([uid]) => uid);
  expect(differ(server), 'cards whose text differs on the server').toEqual([]);
  expect(differ(local), 'cards whose text differs in the folder').toEqual([]);
}

/** PROPFIND with a prop list that may use the `card:` prefix (CardDAV) beside `d:`. */
function cardPropfind(dav: Dav, path: string, propsXml: string, depth: '0' | '1'): ReturnType<Dav['request']> {
  const body = `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:card="${CARD}" xmlns:cs="http://calendarserver.org/ns/"><d:prop>${propsXml}</d:prop></d:propfind>`;
  return dav.request('PROPFIND', path, { body, headers: { 'content-type': 'application/xml; charset=utf-8', depth } });
}

/**
 * The birthday calendar as a CalDAV client reads it: one "name|MMDD" per event (the name found in
 * SUMMARY, the month and day of DTSTART), counted.
 */
async function birthdayEvents(dav: Dav, username: string, names: string[]): Promise<Map<string, number>> {
  const path = `/dav/calendars/${username}/birthdays/`;
  const q = await dav.report(
    path,
    '<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>',
    '1',
  );
  expect(q.status, q.text.slice(0, 300)).toBe(207);
  const out = new Map<string, number>();
  // Longest names first, so that a name inside another (none today) cannot take its events.
  const byLength = [...new Set(names)].sort((a, b) => b.length - a.length);
  for (const m of parseMultistatus(q.text).members.values()) {
    const ics = (m.props.get('{urn:ietf:params:xml:ns:caldav}calendar-data')?.el.text ?? '').replace(/\r?\n[ \t]/g, '');
    const summary = /\nSUMMARY[^:\r\n]*:([^\r\n]*)/.exec(ics)?.[1] ?? '';
    const start = /\nDTSTART[^:\r\n]*:(\d{8})/.exec(ics)?.[1] ?? '';
    expect(/\nRRULE:FREQ=YEARLY/.test(ics), `a yearly event: ${summary}`).toBe(true);
    const name = byLength.find((n) => summary.includes(n)) ?? `(unknown: ${summary})`;
    const key = `${name}|${start.slice(4)}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** What the birthday calendar must hold for these cards: BDAY and ANNIVERSARY, as "name|MMDD", counted. */
function expectedBirthdays(cards: Contact[]): Map<string, number> {
  const out = new Map<string, number>();
  const mmdd = (d: { month: number; day: number }) => `${String(d.month).padStart(2, '0')}${String(d.day).padStart(2, '0')}`;
  for (const c of cards) {
    for (const d of [c.birthday, c.anniversary]) {
      if (!d) continue;
      const key = `${c.fn}|${mmdd(d)}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

async function ctagOf(dav: Dav, book: string): Promise<string> {
  const p = parseMultistatus((await dav.propfind(book, '<d:sync-token/>', '0')).text);
  return textIn(p.members.get(book)?.props.get(D('sync-token'))?.el);
}

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe.runIf(hasVdirsyncer)('vdirsyncer syncs address books both ways (needs Debian vdirsyncer; .ci/run installs it)', { shuffle: false }, () => {
  const server = useTestServer();
  const users = { carla: server.user('carla'), dora: server.user('dora'), conrad: server.user('conrad'), corinna: server.user('corinna'), bettina: server.user('bettina') };
  const dirs: string[] = [];

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A user's own vdirsyncer folder and configuration, pointed at the server's host name (as the
   * docs tell users to do): vdirsyncer finds the address-book home through current-user-principal
   * and addressbook-home-set. Each case has its own user, so cases run in any order.
   */
  const sandbox = (username: keyof typeof users) => {
    const dav = users[username];
    const dir = mkdtempSync(join(tmpdir(), 'calendula-vdirsyncer-carddav-'));
    dirs.push(dir);
    const config = join(dir, 'config');
    const local = join(dir, 'contacts');
    mkdirSync(local);
    const writeConfig = (resolution = '') =>
      writeFileSync(
        config,
        `[general]
status_path = "${join(dir, 'status')}/"

[pair contacts]
a = "contacts_local"
b = "contacts_remote"
collections = ["from a", "from b"]
metadata = ["displayname", "description"]
${resolution}

[storage contacts_local]
type = "filesystem"
path = "${local}/"
fileext = ".vcf"

[storage contacts_remote]
type = "carddav"
url = "${server.url}/"
username = "${username}"
password = "${username}-password"
`,
      );
    writeConfig();
    const book = `/dav/addressbooks/${username}/default/`;
    const discover = () => vdirsyncer(['discover', 'contacts'], config, 'y\n'.repeat(20));
    const sync = () => vdirsyncer(['sync'], config);
    return { dav, config, local, book, writeConfig, discover, sync };
  };

  /** A sandbox whose folder `default` held `cards` and has been synced up to the default address book. */
  const syncedWith = async (username: keyof typeof users, cards: Contact[]) => {
    const box = sandbox(username);
    mkdirSync(join(box.local, 'default'));
    for (const c of cards) writeFileSync(join(box.local, 'default', c.name), c.vcf);
    const d = await box.discover();
    expect(d.code, d.out).toBe(0);
    const s = await box.sync();
    expect(s.code, s.out).toBe(0);
    return box;
  };

  it('uploads 200 contacts (vCard 3.0 and 4.0, a dozen scripts) from a folder, and the server holds each as written', { timeout: 300_000 }, async () => {
    const cards = contacts(200);
    expect(cards.filter((c) => c.version === '3.0').length).toBeGreaterThan(50);
    const { dav, book, local, sync } = await syncedWith('carla', cards);

    const onServer = await serverCards(dav, book);
    expect(onServer.size).toBe(200);
    for (const c of cards) expect(onServer.get(c.uid)?.data, c.fn).toBe(c.vcf);
    // A GET gives the same bytes, with the vCard media type.
    const one = cards.find((c) => c.fn.startsWith('山田'))!;
    const got = await dav.request('GET', onServer.get(one.uid)!.href);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toMatch(/^text\/vcard/);
    expect(got.text).toBe(one.vcf);

    // A second sync finds nothing to do: the folder is untouched and the server writes nothing.
    const token = await ctagOf(dav, book);
    const again = await sync();
    expect(again.code, again.out).toBe(0);
    expect(await ctagOf(dav, book)).toBe(token);
    expect(readdirSync(join(local, 'default'))).toHaveLength(200);
  });

  it('brings edits, deletes and new cards from both sides together in one sync, losing nothing', { timeout: 300_000 }, async () => {
    const all = contacts(210);
    const cards = all.slice(0, 200);
    const { dav, book, local, sync } = await syncedWith('dora', cards);
    const folder = join(local, 'default');
    const expected = new Map(cards.map((c) => [c.uid, c.vcf]));
    const onServer = await serverCards(dav, book);
    const files = localCards(folder);

    // On the server, as another device would: 20 edits and 10 deletes (with If-Match), 5 new cards.
    for (const c of cards.slice(0, 20)) {
      const s = onServer.get(c.uid)!;
      const body = edited(c, 2);
      const a = await dav.request('PUT', s.href, { body, headers: { ...VCARD, 'if-match': s.etag } });
      expect(a.status, a.text).toBe(204);
      expected.set(c.uid, body);
    }
    for (const c of cards.slice(20, 30)) {
      const s = onServer.get(c.uid)!;
      expect((await dav.request('DELETE', s.href, { headers: { 'if-match': s.etag } })).status).toBe(204);
      expected.delete(c.uid);
    }
    for (const c of all.slice(200, 205)) {
      const a = await dav.request('PUT', `${book}${c.name}`, { body: c.vcf, headers: { ...VCARD, 'if-none-match': '*' } });
      expect(a.status, a.text).toBe(201);
      expected.set(c.uid, c.vcf);
    }
    // In the folder: 20 other edits, 10 other deletes, 5 other new cards.
    for (const c of cards.slice(100, 120)) {
      const body = edited(c, 1);
      writeFileSync(join(folder, files.get(c.uid)!.file), body);
      expected.set(c.uid, body);
    }
    for (const c of cards.slice(120, 130)) {
      rmSync(join(folder, files.get(c.uid)!.file));
      expected.delete(c.uid);
    }
    for (const c of all.slice(205, 210)) {
      writeFileSync(join(folder, c.name), c.vcf);
      expected.set(c.uid, c.vcf);
    }

    const s = await sync();
    expect(s.code, s.out).toBe(0);
    expect(expected.size).toBe(200 - 20 + 10);
    expectSame(expected, await serverCards(dav, book), localCards(folder));

    // And a sync after that changes nothing on either side.
    const token = await ctagOf(dav, book);
    expect((await sync()).code).toBe(0);
    expect(await ctagOf(dav, book)).toBe(token);
    expectSame(expected, await serverCards(dav, book), localCards(folder));
  });

  it('reports a conflict when the same contact changed on both sides, and resolves it as configured', { timeout: 120_000 }, async () => {
    const cards = contacts(5);
    const { dav, book, local, sync, writeConfig } = await syncedWith('conrad', cards);
    const target = cards[3]!;
    const file = join(local, 'default', localCards(join(local, 'default')).get(target.uid)!.file);
    writeFileSync(file, edited(target, 1));
    const s = (await serverCards(dav, book)).get(target.uid)!;
    expect((await dav.request('PUT', s.href, { body: edited(target, 2), headers: { ...VCARD, 'if-match': s.etag } })).status).toBe(204);

    const conflicted = await sync();
    expect(conflicted.code).not.toBe(0);
    expect(conflicted.out.toLowerCase()).toContain('conflict');

    writeConfig('conflict_resolution = "a wins"');
    const resolved = await sync();
    expect(resolved.code, resolved.out).toBe(0);
    expect((await serverCards(dav, book)).get(target.uid)?.data).toBe(edited(target, 1));
    expect(readFileSync(file, 'utf8')).toBe(edited(target, 1));
  });

  it('keeps the birthday calendar in step: after each vdirsyncer sync, every contact\'s birthday and anniversary is an event a CalDAV client sees', { timeout: 300_000 }, async () => {
    const all = contacts(60);
    const cards = all.slice(0, 50);
    const names = all.map((c) => c.fn);
    expect(cards.filter((c) => c.birthday).length).toBeGreaterThan(20);
    expect(cards.some((c) => c.birthday?.month === 2 && c.birthday.day === 29)).toBe(true);
    const { dav, local, sync } = await syncedWith('bettina', cards);
    const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b));
    expect(sorted(await birthdayEvents(dav, 'bettina', names))).toEqual(sorted(expectedBirthdays(cards)));

    // Ten contacts deleted and ten added in the folder: one sync later the calendar has followed.
    const folder = join(local, 'default');
    const files = localCards(folder);
    for (const c of cards.slice(0, 10)) rmSync(join(folder, files.get(c.uid)!.file));
    for (const c of all.slice(50, 60)) writeFileSync(join(folder, c.name), c.vcf);
    const s = await sync();
    expect(s.code, s.out).toBe(0);
    expect(sorted(await birthdayEvents(dav, 'bettina', names))).toEqual(sorted(expectedBirthdays([...cards.slice(10), ...all.slice(50, 60)])));
  });

  it('makes an address book from a new folder (extended MKCOL) and a folder from a new address book, display names included', { timeout: 120_000 }, async () => {
    const { dav, local, config, discover, sync } = sandbox('corinna');
    const cards = contacts(12);
    // A folder of the user's own …
    mkdirSync(join(local, 'arbeit'));
    writeFileSync(join(local, 'arbeit', 'displayname'), 'Arbeit & Büro');
    writeFileSync(join(local, 'arbeit', 'description'), 'Kolleginnen, Kunden; Lieferanten');
    for (const c of cards.slice(0, 6)) writeFileSync(join(local, 'arbeit', c.name), c.vcf);
    // … and an address book another client made on the server (RFC 5689), with two cards.
    const family = '/dav/addressbooks/corinna/familie/';
    const made = await dav.request('MKCOL', family, {
      body: `<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" xmlns:card="${CARD}"><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Familie Öztürk 👪</d:displayname></d:prop></d:set></d:mkcol>`,
      headers: { 'content-type': 'application/xml; charset=utf-8' },
    });
    expect(made.status, made.text).toBe(201);
    for (const c of cards.slice(6, 8)) expect((await dav.request('PUT', `${family}${c.name}`, { body: c.vcf, headers: VCARD })).status).toBe(201);

    const d = await discover();
    expect(d.code, d.out).toBe(0);
    const s = await sync();
    expect(s.code, s.out).toBe(0);
    const m = await vdirsyncer(['metasync'], config);
    expect(m.code, m.out).toBe(0);

    const work = '/dav/addressbooks/corinna/arbeit/';
    const book = parseMultistatus((await cardPropfind(dav, work, '<d:resourcetype/><d:displayname/><card:addressbook-description/>', '0')).text).members.get(work);
    expect(book).toBeDefined();
    const types = book!.props.get(D('resourcetype'))!.el.children.map((c) => c.name);
    expect(types).toContain(CR('addressbook'));
    expect(textIn(book!.props.get(D('displayname'))?.el)).toBe('Arbeit & Büro');
    expect(textIn(book!.props.get(CR('addressbook-description'))?.el)).toBe('Kolleginnen, Kunden; Lieferanten');
    const onServer = await serverCards(dav, work);
    expect([...onServer.keys()].sort()).toEqual(cards.slice(0, 6).map((c) => c.uid).sort());

    expect(readFileSync(join(local, 'familie', 'displayname'), 'utf8').trim()).toBe('Familie Öztürk 👪');
    const down = localCards(join(local, 'familie'));
    expect([...down.keys()].sort()).toEqual(cards.slice(6, 8).map((c) => c.uid).sort());
    for (const c of cards.slice(6, 8)) expect(down.get(c.uid)?.data).toBe(c.vcf);
    // The default address book, empty on both sides, is paired too.
    expect(readdirSync(join(local, 'default')).filter((f) => f.endsWith('.vcf'))).toEqual([]);
  });
});
