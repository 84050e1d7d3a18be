// calendar-multiget (RFC 4791 §7.9): the asked objects in one query, whatever the Depth header.
// On a calendar home (a collection, as §7.9 allows) every href is resolved on its own.
import { DavError } from '../errors.ts';
import { wantsMinimal, type DavCtx } from '../context.ts';
import { hrefFor, segmentsOfHref } from '../paths.ts';
import type { PropContext } from '../properties.ts';
import { resolveResource, type Resource } from '../resources.ts';
import { childrenNamed, textOf, type XmlElement } from '../../xml/parse.ts';
import { d } from '../../xml/names.ts';
import { startMultistatus } from '../multistatus.ts';
import { parseReportProps, writeInboxItemResponse, writeObjectResponse, type ReportProps } from './common.ts';

export async function calendarMultiget(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'calendar' && self.kind !== 'object' && self.kind !== 'home' && self.kind !== 'inbox')) {
    throw new DavError(403, 'calendar-multiget works on calendars, calendar homes and the schedule inbox');
  }
  const props = parseReportProps(body);
  const hrefs = childrenNamed(body, d('href')).map(textOf);
  const limit = ctx.deps.config.limits.maxMultigetHrefs;
  if (hrefs.length > limit) {
    throw new DavError(403, `at most ${limit} hrefs per calendar-multiget`, { namespace: 'DAV:', name: 'number-of-matches-within-limits' });
  }
  if (self.kind === 'inbox') return inboxMultiget(ctx, self, hrefs, props);
  const cal = self.kind === 'home' ? null : self.cal;
  const minimal = wantsMinimal(ctx.req);
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const data = props.calendarData ?? null;
  const { objects, queries } = ctx.deps.domain;
  // Hrefs into this calendar are read in a few queries, in batches; any other href is resolved on
  // its own. Responses go out as batches are read (clients match them by href, not by order).
  const local = new Map<string, string>();
  const elsewhere: string[] = [];
  for (const h of hrefs) {
    const segs = segmentsOfHref(h, ctx.davRoot);
    if (cal && segs && segs.length === 4 && segs[0] === 'calendars' && segs[1] === self.username && segs[2] === cal.uri) local.set(h, segs[3] as string);
    else elsewhere.push(h);
  }
  const out = startMultistatus(ctx.res);
  const found = new Set<string>();
  if (cal) {
    for await (const batch of objects.getMany(cal, [...local.values()])) {
      for (const hit of await queries.render(cal, batch, data)) {
        found.add(hit.object.uri);
        const r: Resource & { kind: 'object' } = { kind: 'object', username: self.username, cal, uri: hit.object.uri, meta: hit.object };
        writeObjectResponse(out, ctx, propCtx, r, hit, props, minimal);
      }
      await out.flush();
    }
    for (const [, uri] of local) {
      if (!found.has(uri)) out.status(hrefFor(ctx.davRoot, ['calendars', self.username, cal.uri, uri], false), 404);
    }
  }
  for (const h of elsewhere) {
    const segs = segmentsOfHref(h, ctx.davRoot);
    const r = segs ? await resolveResource(segs, ctx.viewer, ctx.deps.domain) : null;
    const obj = r && r.kind === 'object' && r.meta ? await objects.get(r.cal, r.uri) : null;
    const hit = r && r.kind === 'object' && obj ? (await queries.render(r.cal, [obj], data))[0] : undefined;
    if (r && r.kind === 'object' && hit) writeObjectResponse(out, ctx, propCtx, r, hit, props, minimal);
    else out.status(h, 404);
    await out.flush();
  }
  await out.end();
}

/**
 * calendar-multiget on the schedule inbox (RFC 6638 §2.2): its items by name, calendar-data as
 * delivered (an iTIP message is answered whole); hrefs elsewhere are 404 here.
 */
async function inboxMultiget(ctx: DavCtx, self: Resource & { kind: 'inbox' }, hrefs: string[], props: ReportProps): Promise<void> {
  const minimal = wantsMinimal(ctx.req);
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const names = new Map<string, string>();
  for (const h of hrefs) {
    const segs = segmentsOfHref(h, ctx.davRoot);
    if (segs && segs.length === 4 && segs[0] === 'calendars' && segs[1] === self.username && segs[2] === 'inbox') names.set(h, segs[3] as string);
  }
  const items = new Map((await ctx.deps.domain.inbox.getMany(self.principaluri, [...names.values()])).map((i) => [i.uri, i]));
  const out = startMultistatus(ctx.res);
  for (const h of hrefs) {
    const name = names.get(h);
    const item = name !== undefined ? items.get(name) : undefined;
    if (!item) {
      out.status(h, 404);
      continue;
    }
    writeInboxItemResponse(out, ctx, propCtx, { kind: 'inbox-item', username: self.username, principaluri: self.principaluri, uri: item.uri, meta: item }, item.data, props, minimal);
  }
  await out.end();
}
