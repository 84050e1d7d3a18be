// calendar-query (RFC 4791 §7.8): narrowed in SQL by component type and index bounds, then each
// candidate is evaluated exactly. Depth 0 on a calendar is treated as 1 (Microsoft clients).
import { filterNarrowing, matchesFilter } from '../../ical/filter.ts';
import { parseCalendarText } from '../../ical/parse.ts';
import { DavError } from '../errors.ts';
import { wantsMinimal, type DavCtx } from '../context.ts';
import type { PropContext } from '../properties.ts';
import type { Resource } from '../resources.ts';
import { child, textOf, type XmlElement } from '../xml/parse.ts';
import { c } from '../xml/names.ts';
import { startMultistatus } from '../methods/propfind.ts';
import { calendarZone, parseFilter, parseReportProps, writeObjectResponse } from './common.ts';

export async function calendarQuery(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'calendar' && self.kind !== 'object')) throw new DavError(403, 'calendar-query works on calendars');
  const props = parseReportProps(body);
  const filter = parseFilter(child(body, c('filter')));
  const tz = child(body, c('timezone'));
  const zone = calendarZone(self.cal, tz ? textOf(tz) : undefined);
  const minimal = wantsMinimal(ctx.req);
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const opts = { floatingZone: zone, maxInstances: ctx.deps.config.limits.maxRecurrenceInstances };
  const out = startMultistatus(ctx.res);
  const { objects } = ctx.deps.domain;
  if (self.kind === 'object') {
    const obj = self.meta ? await objects.get(self.cal, self.uri) : null;
    if (!obj) throw new DavError(404, 'nothing is here');
    if (matchesFilter(parseCalendarText(obj.data), filter, opts)) writeObjectResponse(out, ctx, propCtx, self, obj, props, zone, minimal);
  } else {
    for await (const batch of objects.candidates(self.cal, filterNarrowing(filter))) {
      for (const obj of batch) {
        if (!obj.exact && !matchesFilter(parseCalendarText(obj.data), filter, opts)) continue;
        const r: Resource & { kind: 'object' } = { kind: 'object', username: self.username, cal: self.cal, uri: obj.uri, meta: obj };
        writeObjectResponse(out, ctx, propCtx, r, obj, props, zone, minimal);
      }
      await out.flush();
    }
  }
  await out.end();
}
