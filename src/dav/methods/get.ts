// GET and HEAD. An object or a card answers its stored text; a calendar answers an export of all its objects
// (also as `?export`, with sabre's start, end, expand and componentType parameters); an address
// book answers its cards one after the other as one vCard file (also as `?export`, as sabre's
// VCFExportPlugin does).
import type { AddressBookView } from '../../domain/addressBooks.ts';
import type { CalendarView } from '../../domain/calendars.ts';
import { streamBody } from '../../http/streamBody.ts';
import { ifNoneMatchHits, sendIcsDownload } from '../../http/icsDownload.ts';
import { DavError } from '../errors.ts';
import type { DavCtx } from '../context.ts';
import { CARD_CONTENT_TYPE, contentTypeOf, INBOX_ITEM_CONTENT_TYPE } from '../properties.ts';

export interface ExportParams {
  start?: number;
  end?: number;
  expand: boolean;
  componentType?: string;
}

function single(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** sabre's ICS export parameters, with its messages. */
export function exportParams(query: Record<string, unknown>): ExportParams {
  const p: ExportParams = { expand: false };
  const start = single(query.start);
  const end = single(query.end);
  if (start !== undefined) {
    if (!/^\d+$/.test(start)) throw new DavError(400, 'The start= parameter must contain a unix timestamp');
    p.start = Number(start);
  }
  if (end !== undefined) {
    if (!/^\d+$/.test(end)) throw new DavError(400, 'The end= parameter must contain a unix timestamp');
    p.end = Number(end);
  }
  const expand = single(query.expand);
  if (expand !== undefined && expand !== '' && expand !== '0' && expand.toLowerCase() !== 'false') {
    if (p.start === undefined || p.end === undefined) {
      throw new DavError(400, "If you'd like to expand recurrences, you must specify both a start= and end= parameter.");
    }
    p.expand = true;
    p.componentType = 'VEVENT';
  }
  const type = single(query.componentType);
  if (type !== undefined) {
    if (!['VEVENT', 'VTODO', 'VJOURNAL'].includes(type)) {
      throw new DavError(400, `You are not allowed to search for components of type: ${type} here`);
    }
    p.componentType = type;
  }
  if ((p.start !== undefined || p.end !== undefined) && !p.componentType) p.componentType = 'VEVENT';
  return p;
}

export function exportFileName(name: string, today: Date): string {
  const safe = name.replace(/[^a-zA-Z0-9-_ ]/g, '') || 'calendar';
  return `${safe}-${today.toISOString().slice(0, 10)}.ics`;
}

/** Streams a calendar export with its headers; 304 when the client has it. */
async function sendCalendarExport(ctx: DavCtx, cal: CalendarView, params: ExportParams): Promise<void> {
  const exports = ctx.deps.domain.exports;
  const name = exports.nameOf(cal);
  await sendIcsDownload(ctx.req, ctx.res, {
    etag: exports.etag(cal, params),
    fileName: exportFileName(name, ctx.deps.domain.clock.now()),
    unicodeName: `${name}.ics`,
    body: () => exports.stream(cal, params),
  });
}

/** The cards of an address book, each as stored, with CRLF after each. */
async function* cardsText(ctx: DavCtx, book: AddressBookView): AsyncGenerator<string> {
  for await (const batch of ctx.deps.domain.cards.all(book)) {
    yield batch.map((c) => (/\r?\n$/.test(c.data) ? c.data : `${c.data}\r\n`)).join('');
  }
}

/** An address book as one .vcf file; its ETag follows the book's sync token, which every card write moves. */
async function sendAddressBookExport(ctx: DavCtx, book: AddressBookView): Promise<void> {
  const { req, res } = ctx;
  const etag = `addressbook-${book.id}-${book.synctoken}`;
  const name = book.displayname || book.uri;
  res.setHeader('ETag', `"${etag}"`);
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Content-Type', CARD_CONTENT_TYPE);
  const ascii = `${name.replace(/[^a-zA-Z0-9-_ ]/g, '') || 'contacts'}-${ctx.deps.domain.clock.now().toISOString().slice(0, 10)}.vcf`;
  res.setHeader('Content-Disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(`${name}.vcf`)}`);
  if (ifNoneMatchHits(req.get('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  res.status(200);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await streamBody(res, cardsText(ctx, book));
}

/** A stored member's text with its validators; 304 when the client holds it already. */
function sendStored(ctx: DavCtx, stored: { etag: string; lastmodified: number; data: string; scheduletag?: string | null }, contentType: string): void {
  const { res, req } = ctx;
  res.setHeader('ETag', `"${stored.etag}"`);
  // RFC 6638 §3.2.10: GET of a scheduling object answers its Schedule-Tag.
  if (stored.scheduletag) res.setHeader('Schedule-Tag', `"${stored.scheduletag}"`);
  res.setHeader('Last-Modified', new Date(stored.lastmodified * 1000).toUTCString());
  res.setHeader('Content-Type', contentType);
  if (ifNoneMatchHits(req.get('if-none-match'), stored.etag)) {
    res.status(304).end();
    return;
  }
  const bytes = Buffer.from(stored.data, 'utf8');
  res.setHeader('Content-Length', String(bytes.length));
  res.status(200);
  if (req.method === 'HEAD') res.end();
  else res.end(bytes);
}

export async function getOrHead(ctx: DavCtx): Promise<void> {
  const { res, req } = ctx;
  const r = ctx.resource;
  if (!r) throw new DavError(404, 'nothing is here');
  if (r.kind === 'object') {
    const obj = r.stored !== undefined ? r.stored : r.meta ? await ctx.deps.domain.objects.get(r.cal, r.uri) : null;
    if (!obj) throw new DavError(404, 'nothing is here');
    sendStored(ctx, obj, contentTypeOf(obj.componenttype));
    return;
  }
  if (r.kind === 'inbox-item') {
    const stored = r.stored !== undefined ? r.stored : r.meta ? await ctx.deps.domain.inbox.get(r.principaluri, r.uri) : null;
    if (!stored) throw new DavError(404, 'nothing is here');
    sendStored(ctx, stored, INBOX_ITEM_CONTENT_TYPE);
    return;
  }
  if (r.kind === 'card') {
    // Stored as sent, in its own vCard version: an Accept asking for another is not converted.
    const stored = r.stored !== undefined ? r.stored : r.meta ? await ctx.deps.domain.cards.get(r.book, r.uri) : null;
    if (!stored) throw new DavError(404, 'nothing is here');
    sendStored(ctx, stored, CARD_CONTENT_TYPE);
    return;
  }
  if (r.kind === 'calendar') {
    await sendCalendarExport(ctx, r.cal, exportParams(req.query as Record<string, unknown>));
    return;
  }
  if (r.kind === 'addressbook') {
    await sendAddressBookExport(ctx, r.book);
    return;
  }
  const text = `Calendula CalDAV server.\nPoint your calendar client at ${ctx.davRoot}/ on this host.\n`;
  res.status(200).type('text/plain; charset=utf-8');
  if (req.method === 'HEAD') res.end();
  else res.send(text);
}
