// DELETE of an object or a card (with If-Match), of a calendar (the owner deletes it for
// everyone; a sharee removes the share from their home) or of an address book (its owner's).
import { DavError } from '../errors.ts';
import { conditionsOf, type DavCtx } from '../context.ts';
import { isUnmapped } from '../resources.ts';

/** Collections have no ETag: only If-Match: * can hold for them. */
function refuseCollectionIfMatch(ctx: DavCtx, what: string): void {
  const cond = conditionsOf(ctx.req);
  if (cond.ifMatch && !cond.ifMatch.includes('*')) throw new DavError(412, `${what} have no ETag to match`);
}

export async function deleteMethod(ctx: DavCtx): Promise<void> {
  const r = ctx.resource;
  if (!r || isUnmapped(r)) throw new DavError(404, 'nothing is here');
  const { domain } = ctx.deps;
  const viewer = ctx.viewer;
  if (r.kind === 'object') {
    await domain.objects.delete(viewer, r.cal, r.uri, conditionsOf(ctx.req));
  } else if (r.kind === 'calendar') {
    if (!viewer || viewer.principaluri !== r.cal.principaluri) {
      throw new DavError(403, 'you may not delete this calendar', { namespace: 'DAV:', name: 'need-privileges' });
    }
    refuseCollectionIfMatch(ctx, 'calendars');
    await domain.calendars.delete(viewer, r.cal);
  } else if (r.kind === 'inbox-item') {
    // Only the inbox's owner resolves it (resources.ts); a handled message goes.
    await domain.inbox.remove(r.principaluri, r.uri, conditionsOf(ctx.req));
  } else if (r.kind === 'card' && viewer) {
    await domain.cards.delete(viewer, r.book, r.uri, conditionsOf(ctx.req));
  } else if (r.kind === 'addressbook' && viewer) {
    refuseCollectionIfMatch(ctx, 'address books');
    await domain.addressBooks.remove(viewer, r.book);
  } else {
    throw new DavError(403, 'this resource cannot be deleted', { namespace: 'DAV:', name: 'need-privileges' });
  }
  ctx.res.status(204).end();
}
