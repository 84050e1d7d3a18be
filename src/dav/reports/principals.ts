// Principal reports of RFC 3744: principal-property-search (finding users to share with or
// invite), principal-search-property-set, and expand-property (Apple asks it for delegation;
// an answer with nothing to expand is better than an error, as Radicale found with InfCloud).
import type { UserInfo } from '../../domain/users.ts';
import { DavError } from '../errors.ts';
import { depthOf, wantsMinimal, type DavCtx } from '../context.ts';
import { hrefFor, segmentsOfHref } from '../paths.ts';
import { answerProps, type PropContext } from '../properties.ts';
import { resolveResource, segmentsOf, isCollection, type Resource } from '../resources.ts';
import { child, childrenNamed, textOf, type XmlElement } from '../../xml/parse.ts';
import { c, clark, cs, d } from '../../xml/names.ts';
import { document, type XmlNode } from '../../xml/write.ts';
import { propstatsOf, startMultistatus } from '../multistatus.ts';
import { parseReportProps } from './common.ts';

const SEARCHABLE = [d('displayname'), c('calendar-user-address-set'), cs('email-address-set')];

/**
 * RFC 3744 §9: the principal reports are "only defined when the Depth header has value 0; other
 * values result in a 400 (Bad Request)". No Depth header is 0 for REPORT (RFC 3253 §3.6). Clients
 * send 0 or nothing: sabre/dav, behind Nextcloud, Baïkal and Davis, refuses any other Depth on all
 * four reports, and Apple Calendar, Thunderbird, Evolution, DAVx5 and CalDav Synchronizer work there.
 */
export function requireDepthZero(ctx: DavCtx, report: string): void {
  if (depthOf(ctx.req, '0') !== '0') throw new DavError(400, `the ${report} report is only defined for Depth: 0 (RFC 3744 §9)`);
}

function matches(user: UserInfo, prop: string, needle: string): boolean {
  const n = needle.toLowerCase();
  const has = (v: string | null) => (v ?? '').toLowerCase().includes(n);
  switch (prop) {
    case d('displayname'):
      return has(user.displayName) || has(user.username);
    case c('calendar-user-address-set'):
      return has(user.email ? `mailto:${user.email}` : null) || has(user.username);
    case cs('email-address-set'):
      return has(user.email);
    default:
      return false;
  }
}

export async function principalPropertySearch(ctx: DavCtx, body: XmlElement): Promise<void> {
  requireDepthZero(ctx, 'principal-property-search');
  const anyOf = (body.attrs.get('test') ?? 'allof').toLowerCase() === 'anyof';
  const searches = childrenNamed(body, d('property-search')).map((ps) => ({
    props: (child(ps, d('prop'))?.children ?? []).map((p) => p.name),
    match: textOf(child(ps, d('match')) ?? ps).trim(),
  }));
  if (!searches.length) throw new DavError(400, 'principal-property-search needs a property-search');
  const props = parseReportProps(body);
  const users = await ctx.deps.domain.users.list();
  const hits = users.filter((u) => {
    const results = searches.map((s) => s.match !== '' && s.props.some((p) => matches(u, p, s.match)));
    return anyOf ? results.some(Boolean) : results.every(Boolean);
  });
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const out = startMultistatus(ctx.res);
  const names = props.request.kind === 'prop' ? props.request.names : [d('displayname')];
  for (const user of hits.slice(0, 100)) {
    const r: Resource = { kind: 'principal', user };
    out.response(hrefFor(ctx.davRoot, segmentsOf(r), true), propstatsOf(answerProps(r, names, propCtx), wantsMinimal(ctx.req)));
  }
  await out.end();
}

export function principalSearchPropertySet(ctx: DavCtx): void {
  requireDepthZero(ctx, 'principal-search-property-set');
  const descriptions: Record<string, string> = {
    [d('displayname')]: 'Display name',
    [c('calendar-user-address-set')]: 'Calendar user address',
    [cs('email-address-set')]: 'E-mail address',
  };
  const xml = document({
    name: d('principal-search-property-set'),
    children: SEARCHABLE.map((name) => ({
      name: d('principal-search-property'),
      children: [
        { name: d('prop'), children: [{ name }] },
        { name: d('description'), attrs: { 'xml:lang': 'en' }, text: descriptions[name] ?? name },
      ],
    })),
  });
  ctx.res.status(200).type('application/xml; charset=utf-8').send(xml);
}

interface ExpandSpec {
  name: string;
  nested: ExpandSpec[];
}

function parseExpand(el: XmlElement): ExpandSpec[] {
  return childrenNamed(el, d('property')).map((p) => ({
    name: clark(p.attrs.get('namespace') ?? 'DAV:', p.attrs.get('name') ?? ''),
    nested: parseExpand(p),
  }));
}

async function expandValue(ctx: DavCtx, r: Resource, specs: ExpandSpec[], propCtx: PropContext, depth: number): Promise<{ found: XmlNode[]; missing: XmlNode[] }> {
  const answer = answerProps(r, specs.map((s) => s.name), propCtx);
  if (depth > 3) return answer;
  const found: XmlNode[] = [];
  for (const node of answer.found) {
    const spec = 'name' in node ? specs.find((s) => s.name === node.name) : undefined;
    if (!spec || !spec.nested.length || !('children' in node) || !node.children) {
      found.push(node);
      continue;
    }
    const children: XmlNode[] = [];
    for (const h of node.children) {
      if (!('name' in h) || h.name !== d('href') || !h.text) continue;
      const segs = segmentsOfHref(h.text, ctx.davRoot);
      const target = segs ? await resolveResource(segs, ctx.viewer, ctx.deps.domain) : null;
      if (!target) continue;
      const inner = await expandValue(ctx, target, spec.nested, propCtx, depth + 1);
      children.push({
        name: d('response'),
        children: [
          { name: d('href'), text: hrefFor(ctx.davRoot, segmentsOf(target), isCollection(target)) },
          ...propstatsOf(inner, wantsMinimal(ctx.req)).map((ps) => ({
            name: d('propstat'),
            children: [{ name: d('prop'), children: ps.props }, { name: d('status'), text: `HTTP/1.1 ${ps.status} ${ps.status === 200 ? 'OK' : 'Not Found'}` }],
          })),
        ],
      });
    }
    found.push({ name: node.name, children });
  }
  return { found, missing: answer.missing };
}

export async function expandProperty(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self) throw new DavError(404, 'nothing is here');
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const answer = await expandValue(ctx, self, parseExpand(body), propCtx, 0);
  const out = startMultistatus(ctx.res);
  out.response(hrefFor(ctx.davRoot, segmentsOf(self), isCollection(self)), propstatsOf(answer, wantsMinimal(ctx.req)));
  await out.end();
}
