// Writing WebDAV XML. Multistatus answers for large collections are the hot path: xmlbuilder2
// took 1.3–3.8 s for 10,000 responses here, so DAV bodies are written by this small serializer
// (escaping, fixed prefixes for the common namespaces, inline declarations for any other) and
// streamed in chunks.
import { APPLE, CALDAV, CALENDULA, CARDDAV, CS, DAV, splitClark } from './names.ts';

/** An element to write: a Clark name with attributes, children or text; or pre-serialized XML. */
export type XmlNode =
  | { name: string; attrs?: Record<string, string>; children?: XmlNode[]; text?: string }
  | { raw: string };

const PREFIXES: ReadonlyMap<string, string> = new Map([
  [DAV, 'd'],
  [CALDAV, 'cal'],
  [CARDDAV, 'card'],
  [CS, 'cs'],
  [APPLE, 'ical'],
  [CALENDULA, 'calendula'],
]);

/** The declarations of the fixed prefixes, which serialized fragments (stored dead properties) rely on. */
export const ROOT_DECLARATIONS = [...PREFIXES].map(([ns, p]) => ` xmlns:${p}="${ns}"`).join('');

const TEXT_SPECIAL = /[&<>\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
/** TEXT_SPECIAL without CR: iCalendar text usually has nothing of these, only CRLF line ends. */
const TEXT_SPECIAL_BUT_CR = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/**
 * Escapes text content. CR becomes &#13; so that iCalendar's CRLF line ends survive XML parsing
 * (parsers turn a literal CR LF into LF), and clients get back the bytes they stored.
 */
export function escapeXml(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  if (!TEXT_SPECIAL_BUT_CR.test(s)) return s.replaceAll('\r', '&#13;');
  return s.replace(/[&<>\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '\r':
        return '&#13;';
      default:
        return ''; // characters XML 1.0 cannot carry
    }
  });
}

export function escapeAttr(s: string): string {
  return escapeXml(s).replace(/"/g, '&quot;');
}

export function el(name: string, content?: string | XmlNode[], attrs?: Record<string, string>): XmlNode {
  if (typeof content === 'string') return { name, text: content, attrs };
  return { name, children: content, attrs };
}

/** Serializes one node; namespaces outside the common set are declared where used. */
export function serialize(node: XmlNode): string {
  if ('raw' in node) return node.raw;
  const { ns, local } = splitClark(node.name);
  let prefix = PREFIXES.get(ns);
  let decl = '';
  if (prefix === undefined) {
    prefix = ns ? 'x' : '';
    decl = ns ? ` xmlns:x="${escapeAttr(ns)}"` : ' xmlns=""';
  }
  const tag = prefix ? `${prefix}:${local}` : local;
  let attrs = decl;
  if (node.attrs) for (const [k, v] of Object.entries(node.attrs)) attrs += ` ${k}="${escapeAttr(v)}"`;
  if (node.children && node.children.length) {
    let inner = '';
    for (const c of node.children) inner += serialize(c);
    return `<${tag}${attrs}>${inner}</${tag}>`;
  }
  if (node.text !== undefined && node.text !== '') return `<${tag}${attrs}>${escapeXml(node.text)}</${tag}>`;
  return `<${tag}${attrs}/>`;
}

/** A complete document with the common namespaces declared on its root. */
export function document(root: XmlNode): string {
  const body = serialize(root);
  return `<?xml version="1.0" encoding="utf-8"?>\n${body.replace(/^<([^\s/>]+)/, `<$1${ROOT_DECLARATIONS}`)}`;
}

export interface Propstat {
  status: number;
  props: XmlNode[];
  /** Precondition elements that explain a failed status (RFC 4918 §14.22: propstat may hold an error). */
  error?: XmlNode[];
  description?: string;
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  424: 'Failed Dependency',
  500: 'Internal Server Error',
  507: 'Insufficient Storage',
};

export function statusLine(code: number): string {
  return `HTTP/1.1 ${code} ${REASONS[code] ?? ''}`.trimEnd();
}

export function responseXml(href: string, propstats: Propstat[], extra: XmlNode[] = []): string {
  let out = `<d:response><d:href>${escapeXml(href)}</d:href>`;
  // A 200 propstat with no property says nothing when another propstat answers (a report whose
  // only asked property failed); it stays only when it is all there is (PROPFIND of an empty
  // prop), since a response needs a propstat (RFC 4918 §14.24).
  const shown = propstats.length > 1 ? propstats.filter((ps) => ps.status !== 200 || ps.props.length > 0) : propstats;
  for (const ps of shown) {
    let props = '';
    for (const p of ps.props) props += serialize(p);
    let after = '';
    if (ps.error?.length) after += `<d:error>${ps.error.map(serialize).join('')}</d:error>`;
    if (ps.description) after += `<d:responsedescription>${escapeXml(ps.description)}</d:responsedescription>`;
    out += `<d:propstat><d:prop>${props}</d:prop><d:status>${statusLine(ps.status)}</d:status>${after}</d:propstat>`;
  }
  for (const x of extra) out += serialize(x);
  return `${out}</d:response>`;
}

export function statusResponseXml(href: string, status: number, extra: XmlNode[] = []): string {
  let out = `<d:response><d:href>${escapeXml(href)}</d:href><d:status>${statusLine(status)}</d:status>`;
  for (const x of extra) out += serialize(x);
  return `${out}</d:response>`;
}

/** Where a streamed body goes: an HTTP response, usually. */
export interface ChunkSink {
  write(chunk: string): boolean;
  once(event: 'drain', cb: () => void): unknown;
  end(chunk?: string): unknown;
}

/** Streams a 207 multistatus body in chunks of about 64 KiB. */
export class MultistatusWriter {
  private buffer = '';

  constructor(private readonly sink: ChunkSink) {
    this.buffer = `<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus${ROOT_DECLARATIONS}>`;
  }

  response(href: string, propstats: Propstat[], extra?: XmlNode[]): void {
    this.buffer += responseXml(href, propstats, extra);
  }

  status(href: string, status: number, extra?: XmlNode[]): void {
    this.buffer += statusResponseXml(href, status, extra);
  }

  /** Sends what is buffered once it is big enough; waits when the client reads slowly. */
  async flush(force = false): Promise<void> {
    if (!force && this.buffer.length < 65536) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.sink.write(chunk)) await new Promise<void>((r) => this.sink.once('drain', () => r()));
  }

  /** Closes the document (with a trailing sync-token when given), sends the rest and ends the response. */
  async end(trailer: XmlNode[] = []): Promise<void> {
    for (const t of trailer) this.buffer += serialize(t);
    this.buffer += '</d:multistatus>';
    const rest = this.buffer;
    this.buffer = '';
    this.sink.end(rest);
  }
}
