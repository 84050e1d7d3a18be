// free-busy-query (RFC 4791 §7.10): the busy time of a calendar in a range, as text/calendar; on
// the calendar home, of every calendar in it. As in sabre/dav, every signed-in user holds
// CALDAV:read-free-busy on every calendar (RFC 4791 §6.1.1), so another user's calendar answers
// this report although it answers nothing else.
import { freeBusyCalendar } from '../../ical/freebusy.ts';
import { DavError } from '../errors.ts';
import type { DavCtx } from '../context.ts';
import { privilegesFor } from '../privileges.ts';
import { child, type XmlElement } from '../../xml/parse.ts';
import { c } from '../../xml/names.ts';
import { PRODID } from '../../domain/exports.ts';
import { parseTimeRange } from './common.ts';
import type { Resource } from '../resources.ts';
import { maySeeFreeBusy } from '../../domain/access.ts';
import { isValidUsername } from '../../usernames.ts';

/** The calendar at the request path for a signed-in user's free-busy-query, when it is not theirs to read. */
export async function freeBusyTarget(ctx: DavCtx): Promise<Resource | null> {
  const [top, owner, calUri, ...rest] = ctx.segments;
  if (!maySeeFreeBusy(ctx.viewer) || top !== 'calendars' || owner === undefined || calUri === undefined || rest.length || !isValidUsername(owner)) return null;
  const cal = await ctx.deps.domain.calendars.get(`principals/${owner}`, calUri);
  return cal ? { kind: 'calendar', username: owner, cal } : null;
}

export async function freeBusyQuery(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'calendar' && self.kind !== 'home')) throw new DavError(403, 'free-busy-query works on calendars and calendar homes');
  if (self.kind === 'calendar' && !privilegesFor(self, ctx.viewer).has('read-free-busy')) throw new DavError(403, 'no read-free-busy privilege', { namespace: 'DAV:', name: 'need-privileges' });
  const trEl = child(body, c('time-range'));
  if (!trEl) throw new DavError(400, 'free-busy-query needs a time-range');
  // A free-busy-query is no filter: a bad time-range is a bad request (RFC 4791 §7.10).
  let tr;
  try {
    tr = parseTimeRange(trEl);
  } catch (e) {
    throw e instanceof DavError ? new DavError(400, e.message) : e;
  }
  const now = Math.floor(ctx.deps.domain.clock.now().getTime() / 1000);
  // An open or over-long range is answered up to MAX_FREEBUSY_DAYS; the VFREEBUSY's DTEND says how far.
  const start = tr.start ?? now;
  const longest = start + 86400 * ctx.deps.config.limits.maxFreeBusyDays;
  const range = { start, end: Math.min(tr.end ?? longest, longest) };
  const cals = self.kind === 'calendar' ? [self.cal] : await ctx.deps.domain.calendars.listForPrincipal(self.principaluri);
  const periods = await ctx.deps.domain.queries.busy(cals, range);
  ctx.res.status(200).type('text/calendar; charset=utf-8').send(freeBusyCalendar(periods, range, now, PRODID));
}
