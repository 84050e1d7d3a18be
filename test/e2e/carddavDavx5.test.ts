// DAVx5 (Android) setting up a CardDAV account and syncing contacts, replayed as raw HTTP the way
// dav4jvm puts it on the wire (davx5-ose `servicedetection/DavResourceFinder.kt`,
// `ServiceRefresher.kt`, `ServiceDetectionUtils.kt`, `syncadapter/ContactsSyncManager.kt`; see
// ../shared/research/clients.md §1.3): the first request goes out without credentials and is
// answered 401; redirects are followed by hand with the same method and body; the XML has DAV: as
// the default namespace and CARD: for CardDAV.
import { describe, expect, it } from 'vitest';
import { D, CS, parseErrorBody, parseMultistatus, textIn, type MemberResult } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { contacts, edited, uidOf } from '../fixtures/carddavContacts.ts';

const CARD = 'urn:ietf:params:xml:ns:carddav';
const CR = (l: string) => `{${CARD}}${l}`;
const PUSH = 'https://bitfire.at/webdav-push';
const PROLOG = "<?xml version='1.0' encoding='UTF-8' ?>";
const USER_AGENT = 'DAVx5/4.4.3.2-ose (2024/10/21; dav4jvm; okhttp/4.12.0) Android/14';

/** A PROPFIND body as dav4jvm writes it: DAV: default namespace, CARD: declared on the root. */
function propfind(props: string, extraNs = ''): string {
  return `${PROLOG}<propfind xmlns="DAV:" xmlns:CARD="${CARD}"${extraNs}><prop>${props}</prop></propfind>`;
}

interface Answer {
  status: number;
  url: string;
  headers: Headers;
  text: string;
}

/**
 * DAVx5's HTTP client: no credentials until a 401 asks for Basic, then preemptively; 3xx
 * followed by hand (at most 5), keeping method and body, refusing https → http.
 */
class Davx5 {
  #authenticated = false;
  readonly log: string[] = [];

  constructor(
    readonly base: () => string,
    readonly username: string,
    readonly password: string,
  ) {}

  async send(method: string, url: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    let target = new URL(url, this.base());
    for (let hop = 0; hop <= 5; hop++) {
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-language': 'de-DE, en;q=0.7', ...(opts.headers ?? {}) };
      if (opts.body !== undefined) headers['content-type'] ??= 'application/xml; charset=utf-8';
      if (this.#authenticated) headers.authorization = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
      const res = await fetch(target, { method, headers, body: opts.body, redirect: 'manual' });
      const text = await res.text();
      this.log.push(`${method} ${target.pathname} → ${res.status}`);
      if (res.status === 401 && !this.#authenticated) {
        expect(res.headers.get('www-authenticate') ?? '').toMatch(/^Basic /i);
        this.#authenticated = true;
        hop--;
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        const location = res.headers.get('location');
        expect(location, `${method} ${target.pathname} redirects somewhere`).toBeTruthy();
        const next = new URL(location!, target);
        expect(!(target.protocol === 'https:' && next.protocol === 'http:'), 'no redirect from https to http').toBe(true);
        target = next;
        continue;
      }
      return { status: res.status, url: target.toString(), headers: res.headers, text };
    }
    throw new Error(`too many redirects for ${method} ${url}`);
  }

  propfind(url: string, depth: '0' | '1', body: string): Promise<Answer> {
    return this.send('PROPFIND', url, { body, headers: { depth } });
  }
}

/** The member of a multistatus that answers for `path`, whatever form the server's href takes. */
function self(text: string, path: string): MemberResult {
  const members = parseMultistatus(text).members;
  const m = members.get(path) ?? [...members.values()].find((x) => new URL(x.href, 'http://h').pathname === path);
  expect(m, `a response for ${path} in ${text.slice(0, 400)}`).toBeDefined();
  return m!;
}

const hrefOf = (m: MemberResult, prop: string) => textIn(m.props.get(prop)?.el.children.find((c) => c.name === D('href')));
const ok = (m: MemberResult, prop: string) => m.props.get(prop)?.status === 200;

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('DAVx5 sets up a CardDAV account and syncs contacts (raw HTTP as dav4jvm sends it)', { shuffle: false }, () => {
  // A smaller object limit than the default 4 MB, so that the too-large card stays small.
  const server = useTestServer({ env: { MAX_OBJECT_BYTES: '262144' } });
  server.user('dana', { displayName: 'Dana Däumling' });
  server.user('iphone-owner');

  it('finds the address-book home from /.well-known/carddav and lists the default address book as DAVx5 asks', async () => {
    const davx5 = new Davx5(() => server.url, 'dana', 'dana-password');

    // 1. The well-known URI, PROPFIND current-user-principal (DavResourceFinder.getCurrentUserPrincipal).
    // The redirect comes before authentication (as for /.well-known/caldav); the DAV root then asks for it.
    const wellKnown = await davx5.propfind('/.well-known/carddav', '0', propfind('<current-user-principal />'));
    expect(davx5.log[0], davx5.log.join('\n')).toMatch(/^PROPFIND \/\.well-known\/carddav → 30[178]$/);
    expect(davx5.log[1]).toBe('PROPFIND /dav/ → 401');
    expect(wellKnown.status).toBe(207);
    expect(new URL(wellKnown.url).pathname).toBe('/dav/');
    const root = parseMultistatus(wellKnown.text).members.values().next().value as MemberResult;
    const principal = new URL(hrefOf(root, D('current-user-principal')), wellKnown.url).pathname;
    expect(principal).toBe('/dav/principals/dana/');

    // 2. The principal must offer the service: OPTIONS with "addressbook" in DAV (providesService).
    const options = await davx5.send('OPTIONS', principal);
    expect(options.status).toBe(200);
    expect((options.headers.get('dav') ?? '').split(',').map((s) => s.trim())).toContain('addressbook');

    // 3. The principal's home sets (ServiceRefresher.discoverHomesets).
    const p = await davx5.propfind(principal, '0', propfind('<displayname /><group-membership /><resourcetype /><CARD:addressbook-home-set />'));
    expect(p.status).toBe(207);
    const pm = self(p.text, principal);
    expect(pm.props.get(D('resourcetype'))!.el.children.map((c) => c.name)).toContain(D('principal'));
    const home = new URL(hrefOf(pm, CR('addressbook-home-set')), p.url).pathname;
    expect(home).toBe('/dav/addressbooks/dana/');

    // 4. The home, Depth 1, with the collection properties of ServiceDetectionUtils (CardDAV).
    const listing = await davx5.propfind(
      home,
      '1',
      propfind('<current-user-privilege-set /><displayname /><owner /><resourcetype /><n0:transports xmlns:n0="https://bitfire.at/webdav-push" /><n0:topic xmlns:n0="https://bitfire.at/webdav-push" /><CARD:addressbook-description />'),
    );
    expect(listing.status).toBe(207);
    expect(listing.headers.get('content-type')).toMatch(/xml/);
    const members = parseMultistatus(listing.text).members;
    const books = [...members.values()].filter((m) => m.props.get(D('resourcetype'))?.el.children.some((c) => c.name === CR('addressbook')));
    expect(books.map((b) => new URL(b.href, 'http://h').pathname)).toEqual(['/dav/addressbooks/dana/default/']);
    const book = books[0]!;
    expect(book.props.get(D('resourcetype'))!.el.children.map((c) => c.name)).toContain(D('collection'));
    expect(textIn(book.props.get(D('displayname'))?.el)).toBe('Contacts');
    // DAVx5 calls an address book "personal" when its owner is the principal, and writable when the
    // privileges include write-content (or write).
    expect(new URL(hrefOf(book, D('owner')), listing.url).pathname).toBe(principal);
    const privileges = (book.props.get(D('current-user-privilege-set'))?.el.children ?? []).flatMap((priv) => priv.children.map((c) => c.name));
    expect(privileges.some((x) => x === D('write') || x === D('write-content') || x === D('all'))).toBe(true);
    // Properties the server does not know come back as 404 inside the 207, not as an error.
    expect(book.props.get(`{${PUSH}}transports`)?.status ?? 404).toBe(404);
    // Nothing in the address-book home is a calendar (the birthday calendar lives in the calendar home).
    expect([...members.values()].some((m) => m.props.get(D('resourcetype'))?.el.children.some((c) => c.name.includes('caldav')))).toBe(false);
  });

  it('syncs as ContactsSyncManager does: capabilities, upload, sync-collection, multiget for vCard 4, changes from another device, conflicts', async () => {
    const davx5 = new Davx5(() => server.url, 'dana', 'dana-password');
    const book = '/dav/addressbooks/dana/default/';

    // queryCapabilities: max-resource-size, supported-address-data, supported-report-set, getctag, sync-token.
    const caps = await davx5.propfind(book, '0', `${PROLOG}<propfind xmlns="DAV:" xmlns:CARD="${CARD}" xmlns:CS="http://calendarserver.org/ns/"><prop><CARD:max-resource-size /><CARD:supported-address-data /><supported-report-set /><CS:getctag /><sync-token /></prop></propfind>`);
    expect(caps.status).toBe(207);
    const c = self(caps.text, book);
    expect(Number(textIn(c.props.get(CR('max-resource-size'))?.el))).toBe(262144);
    const types = (c.props.get(CR('supported-address-data'))?.el.children ?? []).map((t) => `${t.attrs.get('content-type') ?? ''}; version=${t.attrs.get('version') ?? ''}`);
    // dav4jvm's hasVCard4(): exactly "text/vcard; version=4.0" among the types.
    expect(types).toContain('text/vcard; version=4.0');
    expect(types).toContain('text/vcard; version=3.0');
    const reports = c.props.get(D('supported-report-set'))!.el.children.flatMap((s) => s.children.flatMap((r) => r.children.map((x) => x.name)));
    expect(reports).toEqual(expect.arrayContaining([D('sync-collection'), CR('addressbook-multiget'), CR('addressbook-query')]));
    expect(ok(c, CS('getctag'))).toBe(true);
    const firstToken = textIn(c.props.get(D('sync-token'))?.el);
    expect(firstToken).toMatch(/^\S+$/);

    // Upload of contacts made on the phone: vCard 4 (the server advertises it), If-None-Match: *, UUID file names.
    const cards = contacts(12).filter((x) => x.version === '4.0').slice(0, 5);
    const etags = new Map<string, string>();
    for (const card of cards) {
      const put = await davx5.send('PUT', `${book}${card.name}`, { body: card.vcf, headers: { 'content-type': 'text/vcard; version=4.0', 'if-none-match': '*' } });
      expect(put.status, put.text).toBe(201);
      expect(put.headers.get('etag')).toMatch(/^"/);
      etags.set(card.name, put.headers.get('etag')!);
    }
    // Uploading the same new name again is refused (If-None-Match: *): DAVx5 then re-downloads.
    expect((await davx5.send('PUT', `${book}${cards[0]!.name}`, { body: cards[0]!.vcf, headers: { 'content-type': 'text/vcard; version=4.0', 'if-none-match': '*' } })).status).toBe(412);

    // An iPhone on the same account adds a vCard 3.0 contact.
    const iphoneCard = contacts(12).find((x) => x.version === '3.0')!;
    const other = new Davx5(() => server.url, 'dana', 'dana-password');
    expect((await other.send('PUT', `${book}${iphoneCard.name}`, { body: iphoneCard.vcf, headers: { 'content-type': 'text/vcard; charset=utf-8', 'if-none-match': '*' } })).status).toBe(201);

    // Initial sync-collection: Depth 0, empty token, getetag only.
    const syncBody = (token: string) => `${PROLOG}<sync-collection xmlns="DAV:" xmlns:CARD="${CARD}"><sync-token>${token}</sync-token><sync-level>1</sync-level><prop><getetag /></prop></sync-collection>`;
    const initial = await davx5.send('REPORT', book, { body: syncBody(''), headers: { depth: '0' } });
    expect(initial.status).toBe(207);
    const listed = parseMultistatus(initial.text);
    const names = [...listed.members.keys()].map((h) => h.slice(h.lastIndexOf('/') + 1)).filter(Boolean).sort();
    expect(names).toEqual([...cards.map((x) => x.name), iphoneCard.name].sort());
    for (const m of listed.members.values()) expect(ok(m, D('getetag')), m.href).toBe(true);
    const token = listed.syncToken!;
    expect(token).toBeTruthy();

    // Download in bunches of 10 with addressbook-multiget, asking for vCard 4 as DAVx5 does when offered.
    const multiget = (hrefs: string[], version: string | null) =>
      davx5.send('REPORT', book, {
        body: `${PROLOG}<CARD:addressbook-multiget xmlns="DAV:" xmlns:CARD="${CARD}"><prop><getcontenttype /><getetag /><CARD:address-data content-type="text/vcard"${version ? ` version="${version}"` : ''} /></prop>${hrefs.map((h) => `<href>${h}</href>`).join('')}</CARD:addressbook-multiget>`,
        headers: { depth: '0' },
      });
    const mine = cards.map((x) => `${book}${x.name}`);
    const got = await multiget(mine, '4.0');
    expect(got.status).toBe(207);
    for (const card of cards) {
      const m = self(got.text, `${book}${card.name}`);
      expect(textIn(m.props.get(D('getetag'))?.el)).toBe(etags.get(card.name));
      expect(textIn(m.props.get(D('getcontenttype'))?.el)).toMatch(/^text\/vcard/);
      expect(m.props.get(CR('address-data'))?.el.text).toBe(card.vcf);
    }
    // The iPhone's vCard 3.0 card, asked for without a version (what DAVx5 does against a
    // vCard-3-only server), comes as stored.
    const plain = await multiget([`${book}${iphoneCard.name}`], null);
    expect(self(plain.text, `${book}${iphoneCard.name}`).props.get(CR('address-data'))?.el.text).toBe(iphoneCard.vcf);

    // Another device edits one card and deletes another; DAVx5's next sync-collection sees both.
    const [changed, removed] = [cards[1]!, cards[2]!];
    expect((await other.send('PUT', `${book}${changed.name}`, { body: edited(changed, 1), headers: { 'content-type': 'text/vcard; charset=utf-8', 'if-match': etags.get(changed.name)! } })).status).toBe(204);
    expect((await other.send('DELETE', `${book}${removed.name}`, { headers: { 'if-match': etags.get(removed.name)! } })).status).toBe(204);
    const delta = await davx5.send('REPORT', book, { body: syncBody(token), headers: { depth: '0' } });
    expect(delta.status).toBe(207);
    const d = parseMultistatus(delta.text);
    const byName = new Map([...d.members.values()].map((m) => [m.href.slice(m.href.lastIndexOf('/') + 1), m]));
    expect([...byName.keys()].sort()).toEqual([changed.name, removed.name].sort());
    expect(byName.get(removed.name)!.status).toBe(404);
    const newEtag = textIn(byName.get(changed.name)!.props.get(D('getetag'))?.el);
    expect(newEtag).not.toBe(etags.get(changed.name));
    expect(d.syncToken).not.toBe(token);
    const again = await multiget([`${book}${changed.name}`], '4.0');
    expect(self(again.text, `${book}${changed.name}`).props.get(CR('address-data'))?.el.text).toBe(edited(changed, 1));

    // DAVx5 uploads a local edit with the ETag it had: 412, so it downloads the server's version
    // first; with the new ETag the edit goes through.
    const stale = await davx5.send('PUT', `${book}${changed.name}`, { body: edited(changed, 2), headers: { 'content-type': 'text/vcard; version=4.0', 'if-match': etags.get(changed.name)! } });
    expect(stale.status).toBe(412);
    const fresh = await davx5.send('PUT', `${book}${changed.name}`, { body: edited(changed, 2), headers: { 'content-type': 'text/vcard; version=4.0', 'if-match': newEtag } });
    expect(fresh.status).toBe(204);
    // A contact deleted on the phone: DELETE with If-Match.
    const gone = cards[3]!;
    expect((await davx5.send('DELETE', `${book}${gone.name}`, { headers: { 'if-match': etags.get(gone.name)! } })).status).toBe(204);
    expect((await davx5.send('GET', `${book}${gone.name}`)).status).toBe(404);

    // An unknown sync token (from another server): 403 with DAV:valid-sync-token, so DAVx5 starts over.
    const foreign = await davx5.send('REPORT', book, { body: syncBody('http://sabre.io/ns/sync/17'), headers: { depth: '0' } });
    expect(foreign.status).toBe(403);
    expect(parseErrorBody(foreign.text)).toContain(D('valid-sync-token'));

    // The getctag moved with the changes, so DAVx5's next "anything new?" check says yes.
    const after = self((await davx5.propfind(book, '0', `${PROLOG}<propfind xmlns="DAV:" xmlns:CS="http://calendarserver.org/ns/"><prop><CS:getctag /><sync-token /></prop></propfind>`)).text, book);
    expect(textIn(after.props.get(D('sync-token'))?.el)).not.toBe(firstToken);
    expect(uidOf(edited(changed, 2))).toBe(changed.uid);
  });

  // DAVx5 asks every multiget for vCard 4.0 once the server lists 4.0 in supported-address-data
  // (ContactsSyncManager.downloadRemote), and dav4jvm reads properties only from 2xx propstats
  // (Response.properties): a card an iPhone stored as vCard 3.0 must come back converted, as
  // sabre/dav does, or DAVx5 throws "Received multi-get response without address data".
  it('gives DAVx5 a card an iPhone stored as vCard 3.0, converted to the vCard 4.0 it asks for, in a 2xx propstat', async () => {
    const davx5 = new Davx5(() => server.url, 'dana', 'dana-password');
    const book = '/dav/addressbooks/dana/default/';
    const iphoneCard = contacts(30).filter((x) => x.version === '3.0')[5]!;
    expect((await davx5.send('PUT', `${book}${iphoneCard.name}`, { body: iphoneCard.vcf, headers: { 'content-type': 'text/vcard; charset=utf-8', 'if-none-match': '*' } })).status).toBe(201);
    const got = await davx5.send('REPORT', book, {
      body: `${PROLOG}<CARD:addressbook-multiget xmlns="DAV:" xmlns:CARD="${CARD}"><prop><getcontenttype /><getetag /><CARD:address-data content-type="text/vcard" version="4.0" /></prop><href>${book}${iphoneCard.name}</href></CARD:addressbook-multiget>`,
      headers: { depth: '0' },
    });
    expect(got.status).toBe(207);
    const m = self(got.text, `${book}${iphoneCard.name}`);
    expect(m.props.get(CR('address-data'))?.status).toBe(200);
    const data = m.props.get(CR('address-data'))!.el.text;
    expect(uidOf(data)).toBe(iphoneCard.uid);
    expect(data).toMatch(/\r\nVERSION:4\.0\r\n/);
  });

  it('refuses what DAVx5 must show as an error: a card without UID, one too large, a second card with the same UID', async () => {
    const davx5 = new Davx5(() => server.url, 'iphone-owner', 'iphone-owner-password');
    const book = '/dav/addressbooks/iphone-owner/default/';
    const [a] = contacts(1);
    expect((await davx5.send('PUT', `${book}${a!.name}`, { body: a!.vcf, headers: { 'content-type': 'text/vcard; charset=utf-8' } })).status).toBe(201);

    const noUid = a!.vcf.replace(/\r\nUID:[^\r\n]*/, '');
    const r1 = await davx5.send('PUT', `${book}no-uid.vcf`, { body: noUid, headers: { 'content-type': 'text/vcard; charset=utf-8' } });
    expect(r1.status).toBe(403);
    expect(parseErrorBody(r1.text)).toContain(CR('valid-address-data'));

    const twin = await davx5.send('PUT', `${book}twin.vcf`, { body: a!.vcf, headers: { 'content-type': 'text/vcard; charset=utf-8' } });
    expect([403, 409]).toContain(twin.status);
    expect(parseErrorBody(twin.text)).toContain(CR('no-uid-conflict'));

    const huge = a!.vcf.replace('END:VCARD', `NOTE:${'x'.repeat(300_000)}\r\nEND:VCARD`);
    const r3 = await davx5.send('PUT', `${book}huge.vcf`, { body: huge, headers: { 'content-type': 'text/vcard; charset=utf-8' } });
    expect([403, 413]).toContain(r3.status);
  });
});
