// calendar-multiget (RFC 4791 §7.9): the asked objects in one query, whatever the Depth header.
import type { StoredObject } from '../../domain/objects.ts';
import { DavError } from '../errors.ts';
import { wantsMinimal, type DavCtx } from '../context.ts';
import { hrefFor, segmentsOfHref } from '../paths.ts';
import type { PropContext } from '../properties.ts';
import { resolveResource, type Resource } from '../resources.ts';
import { childrenNamed, textOf, type XmlElement } from '../xml/parse.ts';
import { d } from '../xml/names.ts';
import { startMultistatus } from '../methods/propfind.ts';
import { calendarZone, parseReportProps, writeObjectResponse } from './common.ts';

export async function calendarMultiget(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'calendar' && self.kind !== 'object')) throw new DavError(403, 'calendar-multiget works on calendars');
  const props = parseReportProps(body);
  const hrefs = childrenNamed(body, d('href')).map(textOf);
  const limit = ctx.deps.config.limits.maxMultigetHrefs;
  if (hrefs.length > limit) {
    throw new DavError(403, `at most ${limit} hrefs per calendar-multiget`, { namespace: 'DAV:', name: 'number-of-matches-within-limits' });
  }
  const cal = self.cal;
  const minimal = wantsMinimal(ctx.req);
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const zone = calendarZone(cal);
  // Hrefs into this calendar are fetched in one query; any other href is resolved on its own.
  const local = new Map<string, string>();
  for (const h of hrefs) {
    const segs = segmentsOfHref(h, ctx.davRoot);
    if (segs && segs.length === 4 && segs[0] === 'calendars' && segs[1] === self.username && segs[2] === cal.uri) local.set(h, segs[3] as string);
  }
  const found = new Map<string, StoredObject>();
  const names = [...new Set(local.values())];
  for (let i = 0; i < names.length; i += 1000) {
    for (const o of await ctx.deps.domain.objects.getMany(cal, names.slice(i, i + 1000))) found.set(o.uri, o);
  }
  const out = startMultistatus(ctx.res);
  for (const h of hrefs) {
    const uri = local.get(h);
    if (uri !== undefined) {
      const obj = found.get(uri);
      const r: Resource & { kind: 'object' } = { kind: 'object', username: self.username, cal, uri, meta: obj ?? null };
      if (obj) writeObjectResponse(out, ctx, propCtx, r, obj, props, zone, minimal);
      else out.status(hrefFor(ctx.davRoot, ['calendars', self.username, cal.uri, uri], false), 404);
    } else {
      const segs = segmentsOfHref(h, ctx.davRoot);
      const r = segs ? await resolveResource(segs, ctx.viewer, ctx.deps.domain) : null;
      const obj = r && r.kind === 'object' && r.meta ? await ctx.deps.domain.objects.get(r.cal, r.uri) : null;
      if (r && r.kind === 'object' && obj) writeObjectResponse(out, ctx, propCtx, r, obj, props, calendarZone(r.cal), minimal);
      else out.status(h, 404);
    }
    await out.flush();
  }
  await out.end();
}
