// POST on the scheduling outbox (RFC 6638 §5): a VFREEBUSY request answered with the busy time of
// every attendee who is a user of this server.
import { PRODID } from '../../domain/exports.ts';
import { mailtoAddress } from '../../ical/eventFields.ts';
import { freeBusyCalendar } from '../../ical/freebusy.ts';
import { escapeText } from '../../ical/export.ts';
import { CALDAV_NS } from '../../domain/errors.ts';
import { DavError } from '../errors.ts';
import { bodyBytes, type DavCtx } from '../context.ts';
import { bodyText, NotTextError } from '../../http/text.ts';
import { c, d } from '../../xml/names.ts';
import { document, type XmlNode } from '../../xml/write.ts';

export async function post(ctx: DavCtx): Promise<void> {
  const r = ctx.resource;
  if (!r || r.kind !== 'outbox' || !ctx.viewer) throw new DavError(405, 'POST works on your scheduling outbox only');
  let text: string;
  try {
    text = bodyText(await bodyBytes(ctx, ctx.deps.config.limits.maxObjectBytes));
  } catch (e) {
    throw e instanceof NotTextError ? new DavError(403, e.message, { namespace: CALDAV_NS, name: 'valid-calendar-data' }) : e;
  }
  const req = await ctx.deps.domain.scheduling.readFreeBusyRequest(text);
  if ('error' in req) throw new DavError(403, req.error, { namespace: CALDAV_NS, name: 'valid-calendar-data' });
  if (req.method !== 'REQUEST' || !req.hasFreeBusy) {
    throw new DavError(403, 'only VFREEBUSY requests (METHOD:REQUEST) can be posted here', { namespace: CALDAV_NS, name: 'valid-scheduling-message' });
  }
  const { start, organizer, uid } = req;
  if (start === null || req.end === null || req.end <= start) throw new DavError(403, 'the request needs DTSTART before DTEND', { namespace: CALDAV_NS, name: 'valid-scheduling-message' });
  // Busy time is answered for MAX_FREEBUSY_DAYS at most; the reply's DTEND says how far.
  const end = Math.min(req.end, start + 86400 * ctx.deps.config.limits.maxFreeBusyDays);
  const me = (await ctx.deps.domain.users.get(ctx.viewer.username))?.email?.toLowerCase();
  if (!organizer || organizer !== me) {
    throw new DavError(403, 'the ORGANIZER must be your own address', { namespace: CALDAV_NS, name: 'organizer-allowed' });
  }
  const now = Math.floor(ctx.deps.domain.clock.now().getTime() / 1000);
  const responses: XmlNode[] = [];
  for (const address of req.attendees) {
    const email = mailtoAddress(address);
    const busy = email ? await ctx.deps.domain.scheduling.busyTime(email, { start, end }) : null;
    const children: XmlNode[] = [{ name: c('recipient'), children: [{ name: d('href'), text: address }] }];
    if (!busy) {
      children.push({ name: c('request-status'), text: '3.7;Invalid calendar user' });
    } else {
      children.push({ name: c('request-status'), text: '2.0;Success' });
      const extra = [`ORGANIZER:mailto:${organizer}`, `ATTENDEE:${address}`, ...(uid ? [`UID:${escapeText(uid)}`] : [])];
      children.push({ name: c('calendar-data'), text: freeBusyCalendar(busy, { start, end }, now, PRODID, extra, 'REPLY') });
    }
    responses.push({ name: c('response'), children });
  }
  ctx.res.status(200).type('application/xml; charset=utf-8').send(document({ name: c('schedule-response'), children: responses }));
}
