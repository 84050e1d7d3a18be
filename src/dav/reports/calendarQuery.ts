// calendar-query (RFC 4791 §7.8): narrowed in SQL by component type and index bounds, then each
// candidate is evaluated exactly. Depth 0 on a calendar is treated as 1 (Microsoft clients). On
// the calendar home, Depth 1 or infinity searches every calendar in it (a collection holding
// calendar collections, §7.8); Depth 0 there matches nothing.
import { DavError } from '../errors.ts';
import { depthOf, wantsMinimal, type DavCtx } from '../context.ts';
import type { PropContext } from '../properties.ts';
import type { Resource } from '../resources.ts';
import { child, textOf, type XmlElement } from '../../xml/parse.ts';
import { c } from '../../xml/names.ts';
import { startMultistatus } from '../multistatus.ts';
import { checkedTimezone, parseFilter, parseReportProps, writeObjectResponse } from './common.ts';

export async function calendarQuery(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'calendar' && self.kind !== 'object' && self.kind !== 'home')) {
    throw new DavError(403, 'calendar-query works on calendars and calendar homes');
  }
  const props = parseReportProps(body);
  const filter = parseFilter(child(body, c('filter')));
  const tz = child(body, c('timezone'));
  const zone = tz ? checkedTimezone(textOf(tz), ctx.deps.config.limits.maxTimezoneBytes) : null;
  const minimal = wantsMinimal(ctx.req);
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const data = props.calendarData ?? null;
  const { objects, queries } = ctx.deps.domain;
  if (self.kind === 'object') {
    const obj = self.meta ? await objects.get(self.cal, self.uri) : null;
    if (!obj) throw new DavError(404, 'nothing is here');
    const hit = await queries.queryOne(self.cal, obj, filter, data, zone);
    const out = startMultistatus(ctx.res);
    if (hit) writeObjectResponse(out, ctx, propCtx, self, hit, props, minimal);
    await out.end();
    return;
  }
  const cals = self.kind === 'calendar' ? [self.cal] : depthOf(ctx.req, '1') === '0' ? [] : await ctx.deps.domain.calendars.listForPrincipal(self.principaluri);
  const out = startMultistatus(ctx.res);
  for (const cal of cals) {
    for await (const hits of queries.query(cal, filter, data, zone)) {
      for (const hit of hits) {
        const r: Resource & { kind: 'object' } = { kind: 'object', username: self.username, cal, uri: hit.object.uri, meta: hit.object };
        writeObjectResponse(out, ctx, propCtx, r, hit, props, minimal);
      }
      await out.flush();
    }
  }
  await out.end();
}
