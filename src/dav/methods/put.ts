// PUT of a calendar object: stored byte for byte after validation; 201 on create, 204 on update,
// the new ETag in the answer (Evolution and tasks.org read it from there).
import { CALDAV_NS } from '../../domain/errors.ts';
import { DavError, withObjectHref } from '../errors.ts';
import { hrefFor } from '../paths.ts';
import { bodyBytes, conditionsOf, type DavCtx } from '../context.ts';
import { describeTextProblem, textProblem } from '../../http/text.ts';

const ACCEPTED_TYPES = ['text/calendar', 'application/octet-stream', 'application/ics', 'text/plain'];

export async function put(ctx: DavCtx): Promise<void> {
  const r = ctx.resource;
  if (!r) {
    // The parent calendar is missing (or not visible): RFC 4918 §9.7.1 says 409, but do not reveal it.
    throw new DavError(ctx.segments.length === 4 ? 409 : 404, 'there is no calendar to put this object into');
  }
  if (r.kind !== 'object') throw new DavError(405, 'PUT works on calendar objects only');
  const type = (ctx.req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
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
  ctx.res.status(result.created ? 201 : 204).end();
}
