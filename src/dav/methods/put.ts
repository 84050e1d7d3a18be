// PUT of a calendar object or a card: stored byte for byte after validation; 201 on create, 204 on
// update, the new ETag in the answer (Evolution and tasks.org read it from there).
import { CALDAV_NS, CARDDAV_NS } from '../../domain/errors.ts';
import { DavError, withObjectHref } from '../errors.ts';
import { hrefFor } from '../paths.ts';
import { bodyBytes, conditionsOf, type DavCtx } from '../context.ts';
import type { Resource } from '../resources.ts';
import { describeTextProblem, textProblem } from '../../http/text.ts';

const ACCEPTED_TYPES = ['text/calendar', 'application/octet-stream', 'application/ics', 'text/plain'];
// text/x-vcard and text/directory are what older clients (vCard 2.1/3.0 era, RFC 2425) label vCards.
const ACCEPTED_CARD_TYPES = ['text/vcard', 'text/x-vcard', 'text/directory', 'application/octet-stream', 'text/plain'];

function mediaTypeOf(ctx: DavCtx): string {
  return (ctx.req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export async function put(ctx: DavCtx): Promise<void> {
  const r = ctx.resource;
  if (!r) {
    // The parent collection is missing (or not visible): RFC 4918 §9.7.1 says 409, but do not reveal it.
    throw new DavError(ctx.segments.length === 4 ? 409 : 404, 'there is no calendar or address book to put this into');
  }
  if (r.kind === 'card') return putCard(ctx, r);
  if (r.kind === 'inbox-item') throw new DavError(403, 'the server alone delivers into the schedule inbox', { namespace: 'DAV:', name: 'need-privileges' });
  if (r.kind !== 'object') throw new DavError(405, 'PUT works on calendar objects and cards only');
  const type = mediaTypeOf(ctx);
  if (type && !ACCEPTED_TYPES.includes(type)) {
    throw new DavError(403, `${type} is not iCalendar`, { namespace: CALDAV_NS, name: 'supported-calendar-data' });
  }
  const cond = conditionsOf(ctx.req);
  const body = await bodyBytes(ctx);
  // Declared iCalendar but not UTF-8 text (RFC 5545 §3.1.4): invalid data, with what it is instead.
  const notText = textProblem(body);
  if (notText) throw new DavError(403, describeTextProblem(notText), { namespace: CALDAV_NS, name: 'valid-calendar-data' });
  const result = await ctx.deps.domain.objects.put(ctx.viewer, r.cal, r.uri, body, cond, undefined, r.stored).catch((e: unknown) => {
    throw withObjectHref(e, (name) => hrefFor(ctx.davRoot, ['calendars', r.username, r.cal.uri, name], false));
  });
  // Scheduling may have added SCHEDULE-STATUS: then what is stored is not what was sent, and the
  // answer carries no ETag, so the client fetches the object again (RFC 4791 §5.3.4).
  if (result.asSent) ctx.res.setHeader('ETag', `"${result.etag}"`);
  // The Schedule-Tag goes out either way (RFC 6638 §3.2.10): it names what the client may merge over.
  if (result.scheduleTag) ctx.res.setHeader('Schedule-Tag', `"${result.scheduleTag}"`);
  ctx.res.status(result.created ? 201 : 204).end();
}

/** A card (RFC 6352 §6.3.2): vCard 3.0 or 4.0, checked by the domain, kept exactly as sent. */
async function putCard(ctx: DavCtx, r: Resource & { kind: 'card' }): Promise<void> {
  const viewer = ctx.viewer;
  if (!viewer) throw new DavError(401, 'Authentication required');
  const type = mediaTypeOf(ctx);
  if (type && !ACCEPTED_CARD_TYPES.includes(type)) {
    throw new DavError(403, `${type} is not vCard`, { namespace: CARDDAV_NS, name: 'supported-address-data' });
  }
  const cond = conditionsOf(ctx.req);
  const body = await bodyBytes(ctx);
  // vCard 4 is UTF-8 only (RFC 6350 §3.1), and we store text: anything else is not address data.
  const notText = textProblem(body);
  if (notText) throw new DavError(403, describeTextProblem(notText), { namespace: CARDDAV_NS, name: 'valid-address-data' });
  const result = await ctx.deps.domain.cards.put(viewer, r.book, r.uri, body, cond).catch((e: unknown) => {
    throw withObjectHref(e, (name) => hrefFor(ctx.davRoot, ['addressbooks', r.username, r.book.uri, name], false));
  });
  ctx.res.setHeader('ETag', `"${result.etag}"`);
  ctx.res.status(result.created ? 201 : 204).end();
}
