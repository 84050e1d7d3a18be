// PROPFIND (RFC 4918 §9.1) with Depth 0 or 1. Large collections are streamed, and listing a
// calendar or an address book never reads object or card data.
import { DavError } from '../errors.ts';
import { depthOf, wantsMinimal, xmlBody, type DavCtx } from '../context.ts';
import { answerFor, needsDead, parsePropRequest, propstatsOf, startMultistatus } from '../multistatus.ts';
import { encodeSegment, hrefFor } from '../paths.ts';
import { deadPropertyPath, type PropContext } from '../properties.ts';
import { isCollection, isUnmapped, segmentsOf, type Resource } from '../resources.ts';

export async function childrenOf(ctx: DavCtx, r: Resource): Promise<Resource[]> {
  const { domain } = ctx.deps;
  const viewer = ctx.viewer;
  switch (r.kind) {
    case 'root':
      return [{ kind: 'principals' }, { kind: 'homes' }, { kind: 'addressbook-homes' }];
    case 'principals': {
      const me = viewer ? await domain.users.get(viewer.username) : null;
      return me ? [{ kind: 'principal', user: me }] : [];
    }
    case 'homes':
      return viewer ? [{ kind: 'home', username: viewer.username, principaluri: viewer.principaluri, synctoken: await domain.calendars.homeSyncToken(viewer.principaluri) }] : [];
    case 'addressbook-homes':
      return viewer ? [{ kind: 'addressbook-home', username: viewer.username, principaluri: viewer.principaluri, synctoken: await domain.addressBooks.homeToken(viewer.username) }] : [];
    case 'addressbook-home':
      return viewer ? (await domain.addressBooks.list(viewer)).map((book): Resource => ({ kind: 'addressbook', username: r.username, book })) : [];
    case 'home':
      return [
        ...(await domain.calendars.listForPrincipal(r.principaluri)).map((cal): Resource => ({ kind: 'calendar', username: r.username, cal })),
        { kind: 'inbox', username: r.username, principaluri: r.principaluri, synctoken: await domain.inbox.syncToken(r.principaluri) },
        { kind: 'outbox', username: r.username, principaluri: r.principaluri },
      ];
    case 'inbox':
      return (await domain.inbox.list(r.principaluri)).map((meta): Resource => ({ kind: 'inbox-item', username: r.username, principaluri: r.principaluri, uri: meta.uri, meta }));
    default:
      return [];
  }
}

/** Where invitations land: the user's choice while it qualifies, else the server's. */
export async function defaultCalendarOf(ctx: DavCtx, principaluri: string): Promise<string | undefined> {
  const { domain } = ctx.deps;
  return (await domain.inbox.defaultCalendar(principaluri)) ?? (await domain.scheduling.defaultCalendarUri(principaluri));
}

export async function propfind(ctx: DavCtx): Promise<void> {
  const request = parsePropRequest(await xmlBody(ctx));
  const depth = depthOf(ctx.req, '1');
  if (depth === 'infinity') {
    throw new DavError(403, 'Depth: infinity is not supported', { namespace: 'DAV:', name: 'propfind-finite-depth' });
  }
  const self = ctx.resource;
  if (!self) throw new DavError(404, 'nothing is here');
  if (isUnmapped(self)) throw new DavError(404, 'nothing is here');
  const minimal = wantsMinimal(ctx.req);
  const others = depth === '1' && self.kind !== 'calendar' && self.kind !== 'addressbook' ? await childrenOf(ctx, self) : [];
  const listed = [self, ...others];
  const dead = needsDead(request)
    ? await ctx.deps.domain.calendars.deadPropertiesMany(listed.map(deadPropertyPath).filter((p): p is string => p !== null))
    : new Map();
  const inbox = listed.find((r): r is Resource & { kind: 'inbox' } => r.kind === 'inbox');
  const defaultCalendarUri = inbox ? await defaultCalendarOf(ctx, inbox.principaluri) : undefined;
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
  if (depth === '1' && self.kind === 'addressbook') {
    const base = hrefFor(ctx.davRoot, segmentsOf(self), true);
    for await (const batch of ctx.deps.domain.cards.listMeta(self.book)) {
      for (const meta of batch) {
        const member: Resource = { kind: 'card', username: self.username, book: self.book, uri: meta.uri, meta };
        out.response(base + encodeSegment(meta.uri), propstatsOf(answerFor(member, request, propCtx), minimal));
      }
      await out.flush();
    }
  }
  await out.end();
}
