// The two RFC 3744 reports that answer with principals found through a resource rather than by a
// search: acl-principal-prop-set (§9.2, the principals named in a resource's ACL) and
// principal-match (§9.3, the resources that are, or belong to, the current user). Both are
// defined for Depth 0 only (requireDepthZero). Our ACLs are not stored: a resource's ACL names its
// owner, and for a shared calendar the sharees the owner granted it to (privileges.ts).
import type { UserInfo } from '../../domain/users.ts';
import { DavError } from '../errors.ts';
import { wantsMinimal, type DavCtx } from '../context.ts';
import { hrefFor } from '../paths.ts';
import { isCollection, segmentsOf, type Resource } from '../resources.ts';
import { childrenOf } from '../methods/propfind.ts';
import { answerProps, deadPropertyPath, type PropContext } from '../properties.ts';
import { child, childrenNamed, parseXml, textOf, type XmlElement } from '../../xml/parse.ts';
import { d } from '../../xml/names.ts';
import { ROOT_DECLARATIONS, type XmlNode } from '../../xml/write.ts';
import { propstatsOf, startMultistatus } from '../multistatus.ts';
import { requireDepthZero } from './principals.ts';

const usernameOf = (principaluri: string): string => principaluri.replace(/^principals\//, '');

/**
 * The usernames whose principals a resource's ACL names, owner first. The sharees of a calendar
 * are listed to its owner only: a sharee holds no DAV:read-acl on the owner's grants, and sees
 * the owner's grant and its own.
 */
async function aclUsernames(ctx: DavCtx, r: Resource): Promise<string[]> {
  const viewer = ctx.viewer?.principaluri;
  switch (r.kind) {
    case 'principal':
      return [r.user.username];
    case 'home':
    case 'inbox':
    case 'outbox':
    case 'addressbook-home':
      return [r.username];
    case 'addressbook':
    case 'card':
      return [usernameOf(r.book.principaluri)];
    case 'calendar':
    case 'object': {
      const owner = usernameOf(r.cal.ownerPrincipaluri);
      if (viewer === r.cal.ownerPrincipaluri) {
        const sharees = await ctx.deps.domain.sharing.shares(r.cal.instanceId);
        return [owner, ...sharees.map((s) => s.username).filter((u) => u !== owner)];
      }
      return viewer === r.cal.principaluri ? [owner, usernameOf(viewer)] : [owner];
    }
    default:
      // The root and the collections of principals and homes belong to the server, no principal.
      return [];
  }
}

/** The one DAV:prop of a report body: more than one is a 400 (RFC 3744 §9.2, §9.3 DTDs). */
function singleProp(body: XmlElement, report: string): XmlElement | undefined {
  const props = childrenNamed(body, d('prop'));
  if (props.length > 1) throw new DavError(400, `${report} takes one DAV:prop`);
  return props[0];
}

function propContext(ctx: DavCtx): PropContext {
  return { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
}

/** RFC 3744 §9.2: for each principal in the Request-URI's ACL, the asked properties of it. */
export async function aclPrincipalPropSet(ctx: DavCtx, body: XmlElement): Promise<void> {
  requireDepthZero(ctx, 'acl-principal-prop-set');
  const prop = singleProp(body, 'acl-principal-prop-set');
  if (!prop) throw new DavError(400, 'acl-principal-prop-set needs a DAV:prop');
  const self = ctx.resource;
  if (!self) throw new DavError(404, 'nothing is here');
  const names = [...new Set(prop.children.map((p) => p.name))];
  const propCtx = propContext(ctx);
  const out = startMultistatus(ctx.res);
  for (const username of await aclUsernames(ctx, self)) {
    const user = await ctx.deps.domain.users.get(username);
    if (!user) continue;
    const r: Resource = { kind: 'principal', user };
    out.response(hrefFor(ctx.davRoot, segmentsOf(r), true), propstatsOf(answerProps(r, names, propCtx), wantsMinimal(ctx.req)));
  }
  await out.end();
}

/** The DAV:href values of a property as answerProps gives it: a live value, or a stored dead one. */
function hrefsIn(value: XmlNode, ctx: DavCtx): string[] {
  if ('raw' in value) {
    // A dead property is kept serialized with the fixed prefixes (propertyValues.ts); read it back.
    const limits = { maxBytes: ctx.deps.config.limits.maxXmlBytes, maxDepth: ctx.deps.config.limits.maxXmlDepth };
    const prop = parseXml(`<x${ROOT_DECLARATIONS}>${value.raw}</x>`, limits).children[0];
    return prop ? childrenNamed(prop, d('href')).map((h) => textOf(h).trim()) : [];
  }
  return (value.children ?? []).flatMap((h) => ('name' in h && h.name === d('href') && h.text !== undefined ? [h.text] : []));
}

const trimSlash = (s: string): string => s.replace(/\/+$/, '');

/**
 * RFC 3744 §9.3. DAV:self: the current user's principal, where it lies under the Request-URI.
 * DAV:principal-property: the Request-URI and its members whose property (DAV:owner, say) names
 * the current user's principal. Members at depth 1, as sabre/dav answers: the report is Depth 0,
 * and a walk of every object of every calendar would be unbounded work.
 */
export async function principalMatch(ctx: DavCtx, body: XmlElement): Promise<void> {
  requireDepthZero(ctx, 'principal-match');
  const self = child(body, d('self'));
  const principalProperty = child(body, d('principal-property'));
  if (Boolean(self) === Boolean(principalProperty)) throw new DavError(400, 'principal-match takes DAV:self or DAV:principal-property');
  const prop = singleProp(body, 'principal-match');
  const here = ctx.resource;
  if (!here) throw new DavError(404, 'nothing is here');
  const me: UserInfo | null = ctx.viewer ? await ctx.deps.domain.users.get(ctx.viewer.username) : null;

  const matches: Resource[] = [];
  if (me) {
    const mine: Resource = { kind: 'principal', user: me };
    const myHref = hrefFor(ctx.davRoot, segmentsOf(mine), true);
    if (self) {
      const under = here.kind === 'root' || here.kind === 'principals' || (here.kind === 'principal' && here.user.username === me.username);
      if (under) matches.push(mine);
    } else {
      const propName = principalProperty?.children[0]?.name;
      if (propName) {
        const candidates = [here, ...(await childrenOf(ctx, here))];
        // The property may be a dead one, as in RFC 3744's example and CalDAVTester's DAV:whoami.
        const paths = candidates.map(deadPropertyPath).filter((p): p is string => p !== null);
        const propCtx = { ...propContext(ctx), dead: await ctx.deps.domain.calendars.deadPropertiesMany(paths) };
        for (const candidate of candidates) {
          const value = answerProps(candidate, [propName], propCtx).found[0];
          if (value && hrefsIn(value, ctx).some((h) => trimSlash(h) === trimSlash(myHref))) matches.push(candidate);
        }
      }
    }
  }

  const names = prop ? [...new Set(prop.children.map((p) => p.name))] : [];
  const deadPaths = matches.map(deadPropertyPath).filter((p): p is string => p !== null);
  const propCtx = { ...propContext(ctx), dead: names.length ? await ctx.deps.domain.calendars.deadPropertiesMany(deadPaths) : new Map() };
  const out = startMultistatus(ctx.res);
  for (const r of matches) {
    const href = hrefFor(ctx.davRoot, segmentsOf(r), isCollection(r));
    // Without DAV:prop the matches are listed by href alone (RFC 4918 §14.24: href and status).
    if (names.length) out.response(href, propstatsOf(answerProps(r, names, propCtx), wantsMinimal(ctx.req)));
    else out.status(href, 200);
  }
  await out.end();
}
