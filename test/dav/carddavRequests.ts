// CardDAV request bodies as the clients of ../shared/research/clients.md put them on the wire, and
// small vCards written for these tests (no third-party data).
import type { Dav, HttpAnswer } from '../helpers/dav.ts';

export const CARDDAV_NS = 'urn:ietf:params:xml:ns:carddav';
export const CR = (l: string) => `{${CARDDAV_NS}}${l}`;

/** A vCard 3.0 (what iOS Contacts and CardBook by default write), CRLF line ends. */
export function vcard3(uid: string, fn: string, lines: string[] = []): string {
  const [given, family] = fn.split(' ');
  return ['BEGIN:VCARD', 'VERSION:3.0', 'PRODID:-//Calendula tests//EN', `UID:${uid}`, `FN:${fn}`, `N:${family ?? ''};${given ?? ''};;;`, ...lines, 'END:VCARD', ''].join('\r\n');
}

/** A vCard 4.0 (what DAVx5 writes when the server offers 4.0). */
export function vcard4(uid: string, fn: string, lines: string[] = []): string {
  return ['BEGIN:VCARD', 'VERSION:4.0', 'PRODID:-//Calendula tests//EN', `UID:${uid}`, `FN:${fn}`, ...lines, 'END:VCARD', ''].join('\r\n');
}

const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const NSES = 'xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/"';

/** PROPFIND with props written with the d:, card: and cs: prefixes. */
export function propfind(dav: Dav, path: string, props: string, depth: '0' | '1' = '0', headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return dav.request('PROPFIND', path, {
    body: `${XML}<d:propfind ${NSES}><d:prop>${props}</d:prop></d:propfind>`,
    headers: { 'content-type': 'application/xml; charset=utf-8', depth, ...headers },
  });
}

export function putCard(dav: Dav, path: string, text: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return dav.request('PUT', path, { body: text, headers: { 'content-type': 'text/vcard; charset=utf-8', ...headers } });
}

export function multiget(hrefs: string[], props = '<d:getetag/><card:address-data/>'): string {
  return `${XML}<card:addressbook-multiget ${NSES}><d:prop>${props}</d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</card:addressbook-multiget>`;
}

export function query(filter: string, props = '<d:getetag/>', extra = '', filterAttrs = ''): string {
  return `${XML}<card:addressbook-query ${NSES}><d:prop>${props}</d:prop><card:filter${filterAttrs}>${filter}</card:filter>${extra}</card:addressbook-query>`;
}

export function sync(token: string, props = '<d:getetag/>', extra = ''): string {
  return `${XML}<d:sync-collection ${NSES}><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level>${extra}<d:prop>${props}</d:prop></d:sync-collection>`;
}

export function report(dav: Dav, path: string, body: string, depth: string | null = '1', headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return dav.request('REPORT', path, { body, headers: { 'content-type': 'application/xml; charset=utf-8', ...(depth ? { depth } : {}), ...headers } });
}
