// addressbook-multiget (RFC 6352 §8.7): the asked cards, whatever the Depth header (DAVx5 sends 0,
// the RFC's examples 1). Hrefs into the address book at the request URI are read in batches; any
// other href is resolved on its own (only the user's own address books resolve).
import { DavError } from '../errors.ts';
import { wantsMinimal, type DavCtx } from '../context.ts';
import { hrefFor, segmentsOfHref } from '../paths.ts';
import type { PropContext } from '../properties.ts';
import { resolveResource, type Resource } from '../resources.ts';
import { childrenNamed, textOf, type XmlElement } from '../../xml/parse.ts';
import { d } from '../../xml/names.ts';
import { startMultistatus } from '../multistatus.ts';
import { parseCardReportProps, writeCardResponse } from './addressData.ts';

export async function addressbookMultiget(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'addressbook' && self.kind !== 'card' && self.kind !== 'addressbook-home')) {
    throw new DavError(403, 'addressbook-multiget works on address books and the address-book home');
  }
  const props = parseCardReportProps(body);
  const hrefs = childrenNamed(body, d('href')).map(textOf);
  const limit = ctx.deps.config.limits.maxMultigetHrefs;
  if (hrefs.length > limit) {
    throw new DavError(403, `at most ${limit} hrefs per addressbook-multiget`, { namespace: 'DAV:', name: 'number-of-matches-within-limits' });
  }
  const book = self.kind === 'addressbook-home' ? null : self.book;
  const minimal = wantsMinimal(ctx.req);
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const { cards } = ctx.deps.domain;
  const local = new Map<string, string>();
  const elsewhere: string[] = [];
  for (const h of hrefs) {
    const segs = segmentsOfHref(h, ctx.davRoot);
    if (book && segs && segs.length === 4 && segs[0] === 'addressbooks' && segs[1] === self.username && segs[2] === book.uri) local.set(h, segs[3] as string);
    else elsewhere.push(h);
  }
  const out = startMultistatus(ctx.res);
  if (book) {
    const found = new Set<string>();
    // Responses go out as batches are read: clients match them by href, not by order.
    for await (const batch of cards.getMany(book, [...new Set(local.values())])) {
      for (const stored of batch) {
        found.add(stored.uri);
        const r: Resource & { kind: 'card' } = { kind: 'card', username: self.username, book, uri: stored.uri, meta: stored };
        writeCardResponse(out, ctx, propCtx, r, stored, props, minimal);
      }
      await out.flush();
    }
    for (const uri of new Set(local.values())) {
      if (!found.has(uri)) out.status(hrefFor(ctx.davRoot, ['addressbooks', self.username, book.uri, uri], false), 404);
    }
  }
  for (const h of elsewhere) {
    const segs = segmentsOfHref(h, ctx.davRoot);
    const r = segs ? await resolveResource(segs, ctx.viewer, ctx.deps.domain, { withData: true }) : null;
    if (r && r.kind === 'card' && r.stored) writeCardResponse(out, ctx, propCtx, r, r.stored, props, minimal);
    else out.status(h, 404);
    await out.flush();
  }
  await out.end();
}
