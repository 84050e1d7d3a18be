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
import { checkedTimezone, parseFilter, parseReportProps, writeInboxItemResponse, writeObjectResponse } from './common.ts';

/** Inbox items read and evaluated per round. */
const INBOX_BATCH = 200;

export async function calendarQuery(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'calendar' && self.kind !== 'object' && self.kind !== 'home' && self.kind !== 'inbox')) {
    throw new DavError(403, 'calendar-query works on calendars, calendar homes and the schedule inbox');
  }
  const props = parseReportProps(body);
  const filter = parseFilter(child(body, c('filter')));
  const tz = child(body, c('timezone'));
  const zone = tz ? checkedTimezone(textOf(tz), ctx.deps.config.limits.maxTimezoneBytes) : null;
  const minimal = wantsMinimal(ctx.req);
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const data = props.calendarData ?? null;
  const { objects, queries } = ctx.deps.domain;
  if (self.kind === 'inbox') {
    // The inbox's items (RFC 6638 §2.2), a batch at a time; an item is answered as delivered.
    const metas = await ctx.deps.domain.inbox.list(self.principaluri);
    const out = startMultistatus(ctx.res);
    for (let i = 0; i < metas.length; i += INBOX_BATCH) {
      const items = await ctx.deps.domain.inbox.getMany(self.principaluri, metas.slice(i, i + INBOX_BATCH).map((m) => m.uri));
      for (const { item, hit } of await queries.queryTexts(items, filter, data, zone)) {
        const r: Resource & { kind: 'inbox-item' } = { kind: 'inbox-item', username: self.username, principaluri: self.principaluri, uri: item.uri, meta: item };
        writeInboxItemResponse(out, ctx, propCtx, r, hit.data, props, minimal);
      }
      await out.flush();
    }
    await out.end();
    return;
  }
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
