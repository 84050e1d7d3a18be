// free-busy-query (RFC 4791 §7.10): the busy time of a calendar in a range, as text/calendar.
import { busyPeriods, freeBusyCalendar, type BusyPeriod } from '../../ical/freebusy.ts';
import { parseCalendarText } from '../../ical/parse.ts';
import { DavError } from '../errors.ts';
import type { DavCtx } from '../context.ts';
import { privilegesFor } from '../privileges.ts';
import { child, type XmlElement } from '../xml/parse.ts';
import { c } from '../xml/names.ts';
import { PRODID } from '../../domain/exports.ts';
import { calendarZone, parseTimeRange } from './common.ts';

export async function freeBusyQuery(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || self.kind !== 'calendar') throw new DavError(403, 'free-busy-query works on calendars');
  if (!privilegesFor(self, ctx.viewer).has('read-free-busy')) throw new DavError(403, 'no read-free-busy privilege', { namespace: 'DAV:', name: 'need-privileges' });
  const trEl = child(body, c('time-range'));
  if (!trEl) throw new DavError(400, 'free-busy-query needs a time-range');
  const tr = parseTimeRange(trEl);
  const now = Math.floor(ctx.deps.domain.ctx.clock.now().getTime() / 1000);
  const range = { start: tr.start ?? now, end: tr.end ?? (tr.start ?? now) + 86400 * 365 };
  const zone = calendarZone(self.cal);
  const periods: BusyPeriod[] = [];
  for await (const batch of ctx.deps.domain.objects.candidates(self.cal, { componentType: 'VEVENT', range })) {
    for (const o of batch) periods.push(...busyPeriods(parseCalendarText(o.data), range, zone, ctx.deps.config.limits.maxRecurrenceInstances));
  }
  ctx.res.status(200).type('text/calendar; charset=utf-8').send(freeBusyCalendar(periods, range, now, PRODID));
}
