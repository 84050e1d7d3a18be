import { request as httpRequest } from 'node:http';
// Raw HTTP for protocol tests: requests as clients put them on the wire, and a reader for 207
// multistatus answers (namespaces resolved, so assertions use Clark names).
import { parseXml, type XmlElement } from '../../src/xml/parse.ts';
import { basic } from './server.ts';

export const NS = {
  d: 'DAV:',
  c: 'urn:ietf:params:xml:ns:caldav',
  cs: 'http://calendarserver.org/ns/',
  apple: 'http://apple.com/ns/ical/',
};
export const D = (l: string) => `{DAV:}${l}`;
export const C = (l: string) => `{urn:ietf:params:xml:ns:caldav}${l}`;
export const CS = (l: string) => `{http://calendarserver.org/ns/}${l}`;
export const APPLE = (l: string) => `{http://apple.com/ns/ical/}${l}`;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface PropResult {
  status: number;
  el: XmlElement;
}

export interface MemberResult {
  href: string;
  /** Status of a response without propstat (e.g. 404 in sync-collection). */
  status?: number;
  props: Map<string, PropResult>;
  error?: XmlElement;
}

export function parseMultistatus(text: string): { members: Map<string, MemberResult>; syncToken?: string; root: XmlElement } {
  const root = parseXml(text, { maxBytes: 1e9, maxDepth: 100 });
  if (root.name !== D('multistatus')) throw new Error(`not a multistatus: ${text.slice(0, 200)}`);
  const members = new Map<string, MemberResult>();
  for (const r of root.children.filter((x) => x.name === D('response'))) {
    const href = textIn(r.children.find((x) => x.name === D('href')));
    const m: MemberResult = { href, props: new Map() };
    const st = r.children.find((x) => x.name === D('status'));
    if (st) m.status = statusCode(textIn(st));
    m.error = r.children.find((x) => x.name === D('error'));
    for (const ps of r.children.filter((x) => x.name === D('propstat'))) {
      const status = statusCode(textIn(ps.children.find((x) => x.name === D('status'))));
      for (const p of ps.children.find((x) => x.name === D('prop'))?.children ?? []) m.props.set(p.name, { status, el: p });
    }
    members.set(href, m);
  }
  const tok = root.children.find((x) => x.name === D('sync-token'));
  return { members, syncToken: tok ? textIn(tok) : undefined, root };
}

export function textIn(el: XmlElement | undefined): string {
  if (!el) return '';
  return (el.text + el.children.map(textIn).join('')).trim();
}

function statusCode(line: string): number {
  return Number(/HTTP\/\d\.\d\s+(\d{3})/.exec(line)?.[1] ?? 0);
}

export function parseErrorBody(text: string): string[] {
  const root = parseXml(text, { maxBytes: 1e9, maxDepth: 100 });
  if (root.name !== D('error')) throw new Error(`not a DAV:error: ${text}`);
  return root.children.map((x) => x.name);
}

/** A CalDAV schedule-response (RFC 6638 §3.2.9, the answer to a POST on the outbox): each recipient and its request status. */
export function parseScheduleResponse(text: string): { recipient: string; requestStatus: string }[] {
  const root = parseXml(text, { maxBytes: 1e9, maxDepth: 100 });
  if (root.name !== C('schedule-response')) throw new Error(`not a schedule-response: ${text.slice(0, 200)}`);
  return root.children
    .filter((r) => r.name === C('response'))
    .map((r) => ({
      recipient: textIn(r.children.find((x) => x.name === C('recipient'))?.children.find((x) => x.name === D('href'))),
      requestStatus: textIn(r.children.find((x) => x.name === C('request-status'))),
    }));
}

export class Dav {
  readonly #base: string | (() => string);

  /** `base` may be a function, for a client declared before its server has started (useTestServer). */
  constructor(
    base: string | (() => string),
    readonly username: string,
    readonly password: string,
  ) {
    this.#base = base;
  }

  get base(): string {
    return typeof this.#base === 'string' ? this.#base : this.#base();
  }

  auth(): string {
    return basic(this.username, this.password);
  }

  async request(method: string, path: string, opts: { body?: string | Uint8Array; headers?: Record<string, string>; anonymous?: boolean } = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (!opts.anonymous && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.authorization = this.auth();
    const res = await fetch(new URL(path, this.base), { method, headers, body: opts.body, redirect: 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  /** PROPFIND with a prop list given as `<prefix:name/>` XML using d:, c:, cs:, a: prefixes. */
  propfind(path: string, propsXml: string, depth: '0' | '1' | 'infinity' | null = '0', headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const body = `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:a="http://apple.com/ns/ical/"><d:prop>${propsXml}</d:prop></d:propfind>`;
    return this.request('PROPFIND', path, { body, headers: { 'content-type': 'application/xml; charset=utf-8', ...(depth ? { depth } : {}), ...headers } });
  }

  report(path: string, body: string, depth: string | null = '1', headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.request('REPORT', path, { body, headers: { 'content-type': 'application/xml; charset=utf-8', ...(depth ? { depth } : {}), ...headers } });
  }

  put(path: string, ics: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.request('PUT', path, { body: ics, headers: { 'content-type': 'text/calendar; charset=utf-8', ...headers } });
  }
}

/** Wraps a calendar-query filter body as clients send it. */
export function calendarQuery(filter: string, prop = '<d:getetag/>'): string {
  return `<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop>${prop}</d:prop><c:filter>${filter}</c:filter></c:calendar-query>`;
}

export function syncCollection(token: string, prop = '<d:getetag/>', extra = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level>${extra}<d:prop>${prop}</d:prop></d:sync-collection>`;
}

/** A request with the path exactly as given (fetch would normalize dot segments and encodings). */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}
