// address-data in the other vCard version (RFC 6352 §10.4, the supported-address-data-conversion
// precondition of §8.6): DAVx5 asks every card as vCard 4.0 once supported-address-data lists
// 4.0, and fails its whole sync ("Received multi-get response without address data") on a card
// answered without address-data; iOS and macOS store 3.0 cards. Cards are converted on the way
// out and stored as sent: the ETag stays the stored card's, and GET answers what is stored.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { D, parseMultistatus, textIn, type MemberResult } from '../helpers/dav.ts';
import { parseCard } from '../../src/vcard/parse.ts';
import { cardProperties } from '../../src/vcard/properties.ts';
import { APPLE_CONTACT, APPLE_GROUP, DAVX5_CONTACT } from '../fixtures/vcards.ts';
import { CR, putCard, query, report, sync } from './carddavRequests.ts';

const BOOK = '/dav/addressbooks/alice/default/';
const CARDS: Record<string, string> = { 'apple.vcf': APPLE_CONTACT, 'group.vcf': APPLE_GROUP, 'davx5.vcf': DAVX5_CONTACT };

const addressData = (m: MemberResult | undefined) => m?.props.get(CR('address-data'))?.el.text;

/** DAVx5's multiget as dav4jvm writes it: default DAV: namespace, CARD: prefix, Depth 0, content-type and version. */
function davx5Multiget(names: string[], version: string): string {
  return (
    `<?xml version='1.0' encoding='UTF-8' ?><CARD:addressbook-multiget xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav">` +
    `<prop><getcontenttype /><getetag /><CARD:address-data content-type="text/vcard" version="${version}" /></prop>` +
    names.map((n) => `<href>${BOOK}${n}</href>`).join('') +
    `</CARD:addressbook-multiget>`
  );
}

/** The PHOTO's bytes, from ENCODING=b or a data: URI. */
function photoBytes(card: string): string | undefined {
  const photo = cardProperties(card)?.find((p) => p.name === 'PHOTO');
  if (!photo) return undefined;
  const b64 = photo.text.startsWith('data:') ? photo.text.slice(photo.text.indexOf(',') + 1) : photo.text;
  return Buffer.from(b64.replace(/\s+/g, ''), 'base64').toString('hex');
}

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('CardDAV address-data in the other vCard version', { shuffle: false }, () => {
  const server = useTestServer();
  const alice = server.user('alice');
  const etags = new Map<string, string>();

  beforeAll(async () => {
    for (const [name, text] of Object.entries(CARDS)) {
      const res = await putCard(alice, `${BOOK}${name}`, text);
      if (res.status !== 201) throw new Error(`PUT ${name}: ${res.status} ${res.text}`);
      etags.set(name, res.headers.get('etag')!);
    }
  });

  it('answers DAVx5’s multiget (version="4.0") with every card in 4.0: Apple’s 3.0 photo card converted, the 4.0 card as stored, ETags of what is stored', async () => {
    const res = await report(alice, BOOK, davx5Multiget(Object.keys(CARDS), '4.0'), '0');
    expect(res.status).toBe(207);
    const { members } = parseMultistatus(res.text);
    expect(res.text).not.toContain('supported-address-data-conversion');
    for (const name of Object.keys(CARDS)) {
      const m = members.get(`${BOOK}${name}`)!;
      const data = addressData(m);
      expect(data, name).toBeDefined();
      expect(parseCard(data!, 1 << 20).version, name).toBe('4.0');
      expect(textIn(m.props.get(D('getetag'))!.el), name).toBe(etags.get(name));
    }
    expect(addressData(members.get(`${BOOK}davx5.vcf`))).toBe(DAVX5_CONTACT);
    const apple = addressData(members.get(`${BOOK}apple.vcf`))!;
    expect(photoBytes(apple)).toBe(photoBytes(APPLE_CONTACT));
    expect(apple.replace(/\r\n /g, '')).toContain('\r\nTEL;type=CELL;type=VOICE;PREF=1:+46 70 123 45 67\r\n');
    expect(apple).toContain('\r\nBDAY;value=date:19860229\r\n');
    const group = addressData(members.get(`${BOOK}group.vcf`))!;
    expect(group).toContain('\r\nKIND:group\r\n');
    expect(group).toContain('\r\nMEMBER:urn:uuid:6C5F7C3E-9A51-4C2D-8F3B-0E2D9C1B7A44\r\n');
  });

  it('gives a 4.0 card as 3.0 when 3.0 is asked for (birthday without year as Apple writes it)', async () => {
    const res = await report(alice, BOOK, davx5Multiget(['davx5.vcf', 'apple.vcf'], '3.0'), '0');
    const { members } = parseMultistatus(res.text);
    const davx5 = addressData(members.get(`${BOOK}davx5.vcf`))!;
    expect(parseCard(davx5, 1 << 20).version).toBe('3.0');
    expect(davx5).toContain('\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-04-15\r\n');
    expect(davx5).toContain('\r\nEMAIL;TYPE=work;TYPE=pref:tomas.obriain@example.ie\r\n');
    expect(addressData(members.get(`${BOOK}apple.vcf`))).toBe(APPLE_CONTACT);
  });

  it('selects the asked properties after converting (addressbook-query with CARDDAV:prop)', async () => {
    const body = query(
      '<card:prop-filter name="FN"><card:text-match match-type="contains">Maja</card:text-match></card:prop-filter>',
      '<d:getetag/><card:address-data content-type="text/vcard" version="4.0"><card:prop name="PHOTO"/><card:prop name="TEL"/></card:address-data>',
    );
    const res = await report(alice, BOOK, body);
    const data = addressData(parseMultistatus(res.text).members.get(`${BOOK}apple.vcf`))!;
    const names = (cardProperties(data) ?? []).map((p) => p.name);
    expect(names).toEqual(['VERSION', 'TEL', 'TEL', 'PHOTO', 'UID']);
    expect(data).toContain('\r\nVERSION:4.0\r\n');
    expect(data).toContain('\r\nPHOTO:data:image/jpeg;base64,');
  });

  it('converts in sync-collection too', async () => {
    const res = await report(alice, BOOK, sync('', '<d:getetag/><card:address-data content-type="text/vcard" version="4.0"/>'));
    const { members } = parseMultistatus(res.text);
    for (const name of Object.keys(CARDS)) expect(addressData(members.get(`${BOOK}${name}`)), name).toMatch(/^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
  });

  it('answers GET with the card as stored, whatever version Accept asks for', async () => {
    const get = await alice.request('GET', `${BOOK}apple.vcf`, { headers: { accept: 'text/vcard; version=4.0' } });
    expect(get.status).toBe(200);
    expect(get.text).toBe(APPLE_CONTACT);
    expect(get.headers.get('etag')).toBe(etags.get('apple.vcf'));
  });
});
