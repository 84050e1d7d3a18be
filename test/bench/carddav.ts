// The CardDAV workload of `npm run bench -- --workloads carddav`: an address book of N contacts
// (test/fixtures/carddavContacts.ts: vCard 3.0 and 4.0, a dozen scripts, some inline photos) PUT by
// 8 clients, then addressbook-multiget of 100, addressbook-query for one e-mail address, and
// sync-collection from scratch and after 10 changes, spoken as CardDAV clients speak them. Each
// answer is checked against the generator, so a fast wrong answer fails instead of counting.
import { performance } from 'node:perf_hooks';
import { contacts, edited, type Contact } from '../fixtures/carddavContacts.ts';
import type { Server } from './servers.ts';
import { expectStatus, hrefsOf, http, latency, nameOf, tokenOf, XML, type BulkResult } from './workloads.ts';

const CARD = 'urn:ietf:params:xml:ns:carddav';
const VCARD = { 'content-type': 'text/vcard; charset=utf-8' };

export interface CardFigures {
  bulk: BulkResult;
  multigetMs?: number;
  queryMs?: number;
  syncInitialMs?: number;
  syncChangesMs?: number;
}

/** The contacts for a run of `size`: generated once per size (the generator is deterministic). */
export function benchContacts(size: number): Contact[] {
  return contacts(size);
}

/** PUT every card with `clients` concurrent clients, If-None-Match: * as a client creating them. */
export async function bulkPutCards(server: Server, book: string, cards: Contact[], clients: number, budgetMs: number, onProgress?: (n: number) => void): Promise<BulkResult> {
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  const deadline = t0 + budgetMs;
  const worker = async () => {
    while (next < cards.length && performance.now() < deadline) {
      const c = cards[next++] as Contact;
      const a = await http(server, 'PUT', `${book}${c.name}`, { ...VCARD, 'if-none-match': '*' }, c.vcf);
      expectStatus(`PUT ${c.name}`, a, 201, 204);
      done++;
      if (onProgress && done % 1000 === 0) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { done, seconds, perSecond: done / seconds, finished: done === cards.length };
}

/** addressbook-multiget of 100 cards spread over the book, with their address data. */
export async function cardMultiget(server: Server, book: string, cards: Contact[]): Promise<number> {
  const step = Math.max(1, Math.floor(cards.length / 100));
  const picked = cards.filter((_, i) => i % step === 0).slice(0, 100);
  const body = `<?xml version="1.0" encoding="utf-8"?><card:addressbook-multiget xmlns:d="DAV:" xmlns:card="${CARD}"><d:prop><d:getetag/><card:address-data/></d:prop>${picked
    .map((c) => `<d:href>${book}${c.name}</d:href>`)
    .join('')}</card:addressbook-multiget>`;
  return latency(10, async () => {
    const a = await http(server, 'REPORT', book, { ...XML, depth: '1' }, body);
    expectStatus('addressbook-multiget', a, 207);
    const n = (a.body.match(/BEGIN:VCARD/g) ?? []).length;
    if (n !== picked.length) throw new Error(`addressbook-multiget returned ${n} cards, not ${picked.length}`);
  });
}

/**
 * addressbook-query for one work address (match-type equals, the default collation
 * i;unicode-casemap), as a mail client looks up a sender: exactly one card must come back.
 */
export async function cardQueryByEmail(server: Server, book: string, cards: Contact[]): Promise<number> {
  const wanted = cards[Math.floor(cards.length * 0.37)] as Contact;
  const body = `<?xml version="1.0" encoding="utf-8"?><card:addressbook-query xmlns:d="DAV:" xmlns:card="${CARD}"><d:prop><d:getetag/><card:address-data/></d:prop><card:filter><card:prop-filter name="EMAIL"><card:text-match match-type="equals">${wanted.email}</card:text-match></card:prop-filter></card:filter></card:addressbook-query>`;
  return latency(5, async () => {
    const a = await http(server, 'REPORT', book, { ...XML, depth: '1' }, body);
    expectStatus('addressbook-query', a, 207);
    const got = hrefsOf(a.body).map(nameOf).filter((x) => x !== '');
    if (got.length !== 1 || got[0] !== wanted.name) throw new Error(`addressbook-query for ${wanted.email} returned ${got.length} cards (${got.slice(0, 3).join(', ')}), not ${wanted.name}`);
  });
}

function syncBody(token: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
}

/** sync-collection from an empty token (every card), then after 10 cards changed (exactly those 10). */
export async function cardSync(server: Server, book: string, cards: Contact[]): Promise<{ initialMs: number; changesMs: number }> {
  let token = '';
  const initialMs = await latency(3, async () => {
    const a = await http(server, 'REPORT', book, XML, syncBody(''));
    expectStatus('sync-collection', a, 207);
    const n = hrefsOf(a.body).map(nameOf).filter((x) => x.endsWith('.vcf')).length;
    if (n !== cards.length) throw new Error(`sync-collection from scratch listed ${n} cards, not ${cards.length}`);
    token = tokenOf(a.body);
  });
  const changed = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const c = cards[Math.floor(((i + 0.5) * cards.length) / 10)] as Contact;
    changed.add(c.name);
    const a = await http(server, 'PUT', `${book}${c.name}`, VCARD, edited(c, 1));
    expectStatus('PUT change', a, 201, 204);
  }
  const changesMs = await latency(5, async () => {
    const a = await http(server, 'REPORT', book, XML, syncBody(token));
    expectStatus('sync-collection after changes', a, 207);
    const got = new Set(hrefsOf(a.body).map(nameOf).filter((x) => x !== ''));
    if (got.size !== changed.size || [...changed].some((n) => !got.has(n))) throw new Error(`sync-collection after 10 changes reported ${got.size} cards`);
  });
  return { initialMs, changesMs };
}
