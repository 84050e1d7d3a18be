// addressbook-query (RFC 6352 §8.6): every card of the address book is read in batches and matched
// by src/vcard/filter.ts, in the compute pool (CardService.query). Depth 0 on an address book is taken as 1, as calendar-query does for
// Microsoft clients; on a card, the card alone is matched. When more cards match than the client's
// CARDDAV:limit, the answer stops there and says so with a 507 for the request URI (§8.6.1).
import { cardMatcher } from '../../vcard/filter.ts';
import { DavError } from '../errors.ts';
import { wantsMinimal, type DavCtx } from '../context.ts';
import { hrefFor } from '../paths.ts';
import type { PropContext } from '../properties.ts';
import { segmentsOf, type Resource } from '../resources.ts';
import { child, type XmlElement } from '../../xml/parse.ts';
import { card, d } from '../../xml/names.ts';
import { startMultistatus } from '../multistatus.ts';
import { parseCardReportProps, writeCardResponse } from './addressData.ts';
import { parseAddressFilter, parseQueryLimit } from './addressFilter.ts';

export async function addressbookQuery(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'addressbook' && self.kind !== 'card')) throw new DavError(403, 'addressbook-query works on address books');
  const props = parseCardReportProps(body);
  const filter = parseAddressFilter(child(body, card('filter')));
  // An empty filter matches every card (RFC 6352 §10.5): no need to read one.
  const test = cardMatcher(filter);
  const matches = (text: string) => filter.propFilters.length === 0 || test(text);
  const limit = parseQueryLimit(body);
  const minimal = wantsMinimal(ctx.req);
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const { cards } = ctx.deps.domain;
  const out = startMultistatus(ctx.res);
  if (self.kind === 'card') {
    const stored = self.meta ? await cards.get(self.book, self.uri) : null;
    if (!stored) throw new DavError(404, 'nothing is here');
    if (matches(stored.data)) writeCardResponse(out, ctx, propCtx, self, stored, props, minimal);
    await out.end();
    return;
  }
  const book = self.book;
  let count = 0;
  let truncated = false;
  scan: for await (const batch of cards.query(book, filter)) {
    for (const stored of batch) {
      if (limit !== undefined && count >= limit) {
        truncated = true;
        break scan;
      }
      count++;
      const r: Resource & { kind: 'card' } = { kind: 'card', username: self.username, book, uri: stored.uri, meta: stored };
      writeCardResponse(out, ctx, propCtx, r, stored, props, minimal);
    }
    await out.flush();
  }
  if (truncated) {
    out.status(hrefFor(ctx.davRoot, segmentsOf(self), true), 507, [{ name: d('error'), children: [{ name: d('number-of-matches-within-limits') }] }]);
  }
  await out.end();
}
