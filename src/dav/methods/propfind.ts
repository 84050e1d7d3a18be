// PROPFIND (RFC 4918 §9.1) with Depth 0 or 1. Large collections are streamed, and listing a
// calendar never reads object data.
import type { Response } from 'express';
import { DavError } from '../errors.ts';
import { depthOf, wantsMinimal, xmlBody, type DavCtx } from '../context.ts';
import { encodeSegment, hrefFor } from '../paths.ts';
import { allProps, answerProps, deadPropertyPath, LIVE, propNames, type PropAnswer, type PropContext } from '../properties.ts';
import { isCollection, segmentsOf, type Resource } from '../resources.ts';
import { child, type XmlElement } from '../../xml/parse.ts';
import { d } from '../../xml/names.ts';
import { MultistatusWriter, type Propstat } from '../../xml/write.ts';

export type PropRequest = { kind: 'allprop'; include: string[] } | { kind: 'propname' } | { kind: 'prop'; names: string[] };

export function parsePropRequest(root: XmlElement | null): PropRequest {
  if (!root) return { kind: 'allprop', include: [] };
  if (root.name !== d('propfind')) throw new DavError(400, 'the body must be a DAV:propfind element');
  // RFC 4918 §14.20: exactly one of prop, propname and allprop.
  const kinds = root.children.filter((x) => x.name === d('prop') || x.name === d('propname') || x.name === d('allprop'));
  if (kinds.length > 1) throw new DavError(400, 'propfind takes one of prop, propname and allprop');
  const prop = child(root, d('prop'));
  if (prop) return { kind: 'prop', names: [...new Set(prop.children.map((c) => c.name))] };
  if (child(root, d('propname'))) return { kind: 'propname' };
  if (child(root, d('allprop'))) {
    const include = child(root, d('include'));
    return { kind: 'allprop', include: include ? include.children.map((c) => c.name) : [] };
  }
  throw new DavError(400, 'propfind needs prop, propname or allprop');
}

export function propstatsOf(answer: PropAnswer, minimal: boolean): Propstat[] {
  const out: Propstat[] = [];
  if (answer.found.length || minimal || !answer.missing.length) out.push({ status: 200, props: answer.found });
  if (answer.missing.length && !minimal) out.push({ status: 404, props: answer.missing });
  return out;
}

export function answerFor(r: Resource, request: PropRequest, ctx: PropContext): PropAnswer {
  switch (request.kind) {
    case 'prop':
      return answerProps(r, request.names, ctx);
    case 'propname':
      return propNames(r, ctx);
    case 'allprop':
      return allProps(r, ctx, request.include);
  }
}

/** Whether answering needs dead properties from the database. */
export function needsDead(request: PropRequest): boolean {
  return request.kind !== 'prop' || request.names.some((n) => !LIVE.has(n));
}

export function startMultistatus(res: Response): MultistatusWriter {
  res.status(207);
  res.setHeader('Content-Type', 'application/xml; charset=utf-8');
  return new MultistatusWriter(res);
}

export async function childrenOf(ctx: DavCtx, r: Resource): Promise<Resource[]> {
  const { domain } = ctx.deps;
  const viewer = ctx.viewer;
  switch (r.kind) {
    case 'root':
      return [{ kind: 'principals' }, { kind: 'homes' }];
    case 'principals': {
      const me = viewer ? await domain.users.get(viewer.username) : null;
      return me ? [{ kind: 'principal', user: me }] : [];
    }
    case 'homes':
      return viewer ? [{ kind: 'home', username: viewer.username, principaluri: viewer.principaluri, synctoken: await domain.calendars.homeSyncToken(viewer.principaluri) }] : [];
    case 'home':
      return [
        ...(await domain.calendars.listForPrincipal(r.principaluri)).map((cal): Resource => ({ kind: 'calendar', username: r.username, cal })),
        { kind: 'inbox', username: r.username, principaluri: r.principaluri },
        { kind: 'outbox', username: r.username, principaluri: r.principaluri },
      ];
    default:
      return [];
  }
}

export async function propfind(ctx: DavCtx): Promise<void> {
  const request = parsePropRequest(await xmlBody(ctx));
  const depth = depthOf(ctx.req, '1');
  if (depth === 'infinity') {
    throw new DavError(403, 'Depth: infinity is not supported', { namespace: 'DAV:', name: 'propfind-finite-depth' });
  }
  const self = ctx.resource;
  if (!self) throw new DavError(404, 'nothing is here');
  if (self.kind === 'object' && !self.meta) throw new DavError(404, 'nothing is here');
  const minimal = wantsMinimal(ctx.req);
  const others = depth === '1' && self.kind !== 'calendar' ? await childrenOf(ctx, self) : [];
  const listed = [self, ...others];
  const dead = needsDead(request)
    ? await ctx.deps.domain.calendars.deadPropertiesMany(listed.map(deadPropertyPath).filter((p): p is string => p !== null))
    : new Map();
  const inbox = listed.find((r): r is Resource & { kind: 'inbox' } => r.kind === 'inbox');
  const defaultCalendarUri = inbox ? await ctx.deps.domain.scheduling.defaultCalendarUri(inbox.principaluri) : undefined;
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead, defaultCalendarUri };
  const out = startMultistatus(ctx.res);
  for (const r of listed) {
    out.response(hrefFor(ctx.davRoot, segmentsOf(r), isCollection(r)), propstatsOf(answerFor(r, request, propCtx), minimal));
  }
  if (depth === '1' && self.kind === 'calendar') {
    const base = hrefFor(ctx.davRoot, segmentsOf(self), true);
    for await (const batch of ctx.deps.domain.objects.listMeta(self.cal)) {
      for (const meta of batch) {
        const obj: Resource = { kind: 'object', username: self.username, cal: self.cal, uri: meta.uri, meta };
        out.response(base + encodeSegment(meta.uri), propstatsOf(answerFor(obj, request, propCtx), minimal));
      }
      await out.flush();
    }
  }
  await out.end();
}
