// Cards (RFC 6352 §6.3.2): PUT, GET, HEAD, DELETE of vCard 3.0 and 4.0 with ETags and conditions,
// the CardDAV preconditions, listing, COPY and MOVE — as DAVx5, iOS Contacts, CardBook and
// Evolution send them.
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { D, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { CR, propfind, putCard, vcard3, vcard4 } from './carddavRequests.ts';

const BOOK = '/dav/addressbooks/alice/default/';

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('CardDAV cards', { shuffle: false }, () => {
  const server = useTestServer({ env: { MAX_OBJECT_BYTES: '4096' } });
  const alice = server.user('alice');

  it('stores a vCard 3.0 (iOS Contacts: If-None-Match: *) and gives it back byte for byte with its ETag', async () => {
    const text = vcard3('ios-1', 'Anna Apple', ['EMAIL;type=INTERNET;type=WORK:anna@example.org', 'TEL;type=CELL:+1 555 0100', 'item1.X-ABLabel:_$!<Other>!$_']);
    const put = await putCard(alice, `${BOOK}ios-1.vcf`, text, { 'if-none-match': '*', 'content-type': 'text/vcard' });
    expect(put.status).toBe(201);
    const etag = put.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    const get = await alice.request('GET', `${BOOK}ios-1.vcf`);
    expect(get.status).toBe(200);
    expect(get.text).toBe(text);
    expect(get.headers.get('etag')).toBe(etag);
    expect(get.headers.get('content-type')).toBe('text/vcard; charset=utf-8');
    const head = await alice.request('HEAD', `${BOOK}ios-1.vcf`);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect((await alice.request('GET', `${BOOK}ios-1.vcf`, { headers: { 'if-none-match': etag! } })).status).toBe(304);
  });

  it('stores a vCard 4.0 (DAVx5: text/vcard; version=4.0) and updates it with If-Match; a stale ETag gets 412', async () => {
    const first = vcard4('davx5-1', 'Dora Droid', ['EMAIL;TYPE=home:dora@example.org']);
    const put = await putCard(alice, `${BOOK}davx5-1.vcf`, first, { 'content-type': 'text/vcard; version=4.0; charset=utf-8', 'if-none-match': '*' });
    expect(put.status).toBe(201);
    const etag = put.headers.get('etag')!;
    const again = await putCard(alice, `${BOOK}davx5-1.vcf`, first, { 'if-none-match': '*' });
    expect(again.status).toBe(412);
    const second = vcard4('davx5-1', 'Dora Droid', ['EMAIL;TYPE=work:dora@work.example.org']);
    const update = await putCard(alice, `${BOOK}davx5-1.vcf`, second, { 'if-match': etag });
    expect(update.status).toBe(204);
    const newEtag = update.headers.get('etag')!;
    expect(newEtag).not.toBe(etag);
    expect((await putCard(alice, `${BOOK}davx5-1.vcf`, first, { 'if-match': etag })).status).toBe(412);
    expect((await alice.request('GET', `${BOOK}davx5-1.vcf`)).text).toBe(second);
    expect((await alice.request('DELETE', `${BOOK}davx5-1.vcf`, { headers: { 'if-match': etag } })).status).toBe(412);
    expect((await alice.request('DELETE', `${BOOK}davx5-1.vcf`, { headers: { 'if-match': newEtag } })).status).toBe(204);
    expect((await alice.request('GET', `${BOOK}davx5-1.vcf`)).status).toBe(404);
    expect((await alice.request('DELETE', `${BOOK}davx5-1.vcf`)).status).toBe(404);
  });

  it('lists cards with PROPFIND Depth 1 (CardBook without sync-collection: getetag, getcontenttype) without reading them', async () => {
    const res = await propfind(alice, BOOK, '<d:getetag/><d:getcontenttype/><d:resourcetype/><d:getcontentlength/>', '1');
    const { members } = parseMultistatus(res.text);
    const card = members.get(`${BOOK}ios-1.vcf`)!;
    expect(card.props.get(D('getcontenttype'))!.el.text).toBe('text/vcard; charset=utf-8');
    expect(textIn(card.props.get(D('getetag'))!.el)).toMatch(/^"[^"]+"$/);
    expect(card.props.get(D('resourcetype'))!.el.children).toEqual([]);
    expect(Number(textIn(card.props.get(D('getcontentlength'))!.el))).toBeGreaterThan(0);
    // address-data is for REPORTs only (RFC 6352 §10.4).
    const data = await propfind(alice, `${BOOK}ios-1.vcf`, '<card:address-data/>');
    expect(parseMultistatus(data.text).members.get(`${BOOK}ios-1.vcf`)!.props.get(CR('address-data'))!.status).toBe(404);
  });

  it('takes card names with reserved characters, lists them in one encoding and finds them by either', async () => {
    expect((await putCard(alice, `${BOOK}a%40b%20c.vcf`, vcard3('odd-name', 'Odd Name'))).status).toBe(201);
    const listed = [...parseMultistatus((await propfind(alice, BOOK, '<d:getetag/>', '1')).text).members.keys()];
    expect(listed).toContain(`${BOOK}a%40b%20c.vcf`);
    expect((await alice.request('GET', `${BOOK}a@b%20c.vcf`)).text).toContain('UID:odd-name');
    expect((await alice.request('DELETE', `${BOOK}a%40b%20c.vcf`)).status).toBe(204);
  });

  it('the address book’s sync token and ctag change with every write', async () => {
    const token = async () =>
      textIn(parseMultistatus((await propfind(alice, BOOK, '<d:sync-token/>')).text).members.get(BOOK)!.props.get(D('sync-token'))!.el);
    const before = await token();
    expect((await putCard(alice, `${BOOK}t.vcf`, vcard3('t-1', 'Tom Token'))).status).toBe(201);
    const afterPut = await token();
    expect(afterPut).not.toBe(before);
    expect((await alice.request('DELETE', `${BOOK}t.vcf`)).status).toBe(204);
    expect(await token()).not.toBe(afterPut);
  });

  it('exports the address book as one vCard file (GET, as ?export too), with an ETag that moves with every write', async () => {
    for (const path of [BOOK, `${BOOK}?export`]) {
      const res = await alice.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/vcard; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="Contacts-\d{4}-\d{2}-\d{2}\.vcf"/);
      expect(res.text).toContain((await alice.request('GET', `${BOOK}ios-1.vcf`)).text);
      expect(res.text.match(/^BEGIN:VCARD\r$/gm)?.length).toBe(res.text.match(/^END:VCARD\r$/gm)?.length);
    }
    const etag = (await alice.request('HEAD', BOOK)).headers.get('etag')!;
    expect((await alice.request('GET', BOOK, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await putCard(alice, `${BOOK}export.vcf`, vcard4('export-1', 'Ex Port'))).status).toBe(201);
    const after = await alice.request('GET', BOOK, { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.text).toContain('UID:export-1');
  });

  describe('preconditions', () => {
    const refused = async (body: string | Uint8Array, headers: Record<string, string> = {}, name = 'bad.vcf') => {
      const res = await alice.request('PUT', `${BOOK}${name}`, { body, headers: { 'content-type': 'text/vcard; charset=utf-8', ...headers } });
      return { status: res.status, conditions: res.status >= 400 ? parseErrorBody(res.text) : [] };
    };

    it('valid-address-data: not a vCard, no UID, no FN, two cards in one body, not UTF-8', async () => {
      const twoCards = vcard3('two-1', 'One Card') + vcard3('two-2', 'Two Card');
      const noUid = ['BEGIN:VCARD', 'VERSION:3.0', 'FN:No Uid', 'N:Uid;No;;;', 'END:VCARD', ''].join('\r\n');
      const noFn = ['BEGIN:VCARD', 'VERSION:4.0', 'UID:no-fn', 'END:VCARD', ''].join('\r\n');
      for (const body of ['hello', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n', noUid, noFn, twoCards]) {
        expect(await refused(body), body).toEqual({ status: 403, conditions: [CR('valid-address-data')] });
      }
      const latin1 = Buffer.from(vcard3('latin-1', 'Zoë Latin'), 'latin1');
      expect(await refused(latin1)).toEqual({ status: 403, conditions: [CR('valid-address-data')] });
      expect((await alice.request('GET', `${BOOK}bad.vcf`)).status).toBe(404);
    });

    it('supported-address-data: a body declared as something else than vCard, or a vCard version other than 3.0 and 4.0', async () => {
      expect(await refused(vcard3('cal-1', 'Cal Endar'), { 'content-type': 'text/calendar' })).toEqual({ status: 403, conditions: [CR('supported-address-data')] });
      const v21 = ['BEGIN:VCARD', 'VERSION:2.1', 'UID:v21', 'FN:Old Timer', 'N:Timer;Old', 'END:VCARD', ''].join('\r\n');
      expect(await refused(v21)).toEqual({ status: 403, conditions: [CR('supported-address-data')] });
    });

    it('no-uid-conflict: the UID is held by another card of the address book, whose href the error names', async () => {
      expect((await putCard(alice, `${BOOK}holder.vcf`, vcard3('uid-held', 'Hold Er'))).status).toBe(201);
      const res = await putCard(alice, `${BOOK}other.vcf`, vcard3('uid-held', 'Oth Er'));
      expect(res.status).toBeGreaterThanOrEqual(403);
      expect(res.status).toBeLessThanOrEqual(409);
      expect(parseErrorBody(res.text)).toEqual([CR('no-uid-conflict')]);
      expect(res.text).toContain(`<d:href>${BOOK}holder.vcf</d:href>`);
    });

    it('max-resource-size: a card larger than the limit, which the address book advertises', async () => {
      const big = vcard3('big-1', 'Big Card', [`NOTE:${'x'.repeat(5000)}`]);
      expect(await refused(big)).toEqual({ status: 403, conditions: [CR('max-resource-size')] });
    });
  });

  describe('COPY and MOVE', () => {
    it('copies a card into another address book and moves it back under another name; a clashing UID is refused', async () => {
      const mk = await alice.request('MKCOL', '/dav/addressbooks/alice/other/');
      expect(mk.status).toBe(201);
      const text = vcard3('mover-1', 'Moe Ver');
      expect((await putCard(alice, `${BOOK}mover.vcf`, text)).status).toBe(201);
      const copy = await alice.request('COPY', `${BOOK}mover.vcf`, { headers: { destination: `${server.url}/dav/addressbooks/alice/other/copied.vcf` } });
      expect(copy.status).toBe(201);
      expect(copy.headers.get('location')).toBe(`${server.url}/dav/addressbooks/alice/other/copied.vcf`);
      expect((await alice.request('GET', '/dav/addressbooks/alice/other/copied.vcf')).text).toBe(text);
      expect((await alice.request('GET', `${BOOK}mover.vcf`)).status).toBe(200);
      // Back into the first book: the UID is there already.
      const clash = await alice.request('COPY', '/dav/addressbooks/alice/other/copied.vcf', { headers: { destination: `${BOOK}copy-again.vcf` } });
      expect(parseErrorBody(clash.text)).toEqual([CR('no-uid-conflict')]);
      // Overwrite: F on an existing destination.
      const noOverwrite = await alice.request('COPY', `${BOOK}ios-1.vcf`, { headers: { destination: '/dav/addressbooks/alice/other/copied.vcf', overwrite: 'F' } });
      expect(noOverwrite.status).toBe(412);
      // A rename within the book.
      const rename = await alice.request('MOVE', `${BOOK}mover.vcf`, { headers: { destination: `${BOOK}renamed.vcf` } });
      expect(rename.status).toBe(201);
      expect((await alice.request('GET', `${BOOK}mover.vcf`)).status).toBe(404);
      expect((await alice.request('GET', `${BOOK}renamed.vcf`)).text).toBe(text);
      // A move out of the book.
      expect((await alice.request('DELETE', '/dav/addressbooks/alice/other/copied.vcf')).status).toBe(204);
      const move = await alice.request('MOVE', `${BOOK}renamed.vcf`, { headers: { destination: '/dav/addressbooks/alice/other/moved.vcf' } });
      expect(move.status).toBe(201);
      expect((await alice.request('GET', `${BOOK}renamed.vcf`)).status).toBe(404);
      expect((await alice.request('GET', '/dav/addressbooks/alice/other/moved.vcf')).text).toBe(text);
    });

    it('refuses to copy a card into a calendar or into an address book that is not there', async () => {
      const intoCalendar = await alice.request('COPY', `${BOOK}ios-1.vcf`, { headers: { destination: '/dav/calendars/alice/default/ios-1.ics' } });
      expect(intoCalendar.status).toBe(403);
      const nowhere = await alice.request('COPY', `${BOOK}ios-1.vcf`, { headers: { destination: '/dav/addressbooks/alice/missing/ios-1.vcf' } });
      expect(nowhere.status).toBe(409);
    });
  });
});
