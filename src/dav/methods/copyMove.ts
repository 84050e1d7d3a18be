// COPY and MOVE of calendar objects, within a calendar or between calendars of the user (the UID
// rules of the destination apply), and of cards between the user's address books. Collections
// cannot be copied or moved.
import { resolveResource, type Resource } from '../resources.ts';
import { DavError, withObjectHref } from '../errors.ts';
import { hrefFor } from '../paths.ts';
import { conditionsOf, destinationOf, overwriteOf, type DavCtx } from '../context.ts';

export async function copyMove(ctx: DavCtx): Promise<void> {
  const r = ctx.resource;
  if (!r || ((r.kind === 'object' || r.kind === 'card') && !r.meta)) throw new DavError(404, 'nothing is here');
  if (r.kind === 'card') return copyMoveCard(ctx, r);
  if (r.kind !== 'object') throw new DavError(403, 'only calendar objects and cards can be copied or moved');
  const destSegments = destinationOf(ctx);
  const dest = await resolveResource(destSegments, ctx.viewer, ctx.deps.domain);
  if (!dest) throw new DavError(409, 'the destination calendar does not exist');
  if (dest.kind !== 'object') throw new DavError(403, 'the destination must be a calendar object inside a calendar');
  const keepSource = ctx.req.method.toUpperCase() === 'COPY';
  const result = await ctx.deps.domain.objects
    .transfer(ctx.viewer, r.cal, r.uri, dest.cal, dest.uri, { overwrite: overwriteOf(ctx.req), keepSource, cond: conditionsOf(ctx.req) })
    .catch((e: unknown) => {
      throw withObjectHref(e, (name) => hrefFor(ctx.davRoot, ['calendars', dest.username, dest.cal.uri, name], false));
    });
  answer(ctx, result, ['calendars', dest.username, dest.cal.uri, dest.uri]);
}

function answer(ctx: DavCtx, result: { etag: string; created: boolean; scheduleTag?: string | null }, destSegments: string[]): void {
  ctx.res.setHeader('ETag', `"${result.etag}"`);
  // RFC 6638 §3.2.10: a COPY or MOVE onto a scheduling object answers the destination's tag.
  if (result.scheduleTag) ctx.res.setHeader('Schedule-Tag', `"${result.scheduleTag}"`);
  if (result.created) {
    // 201 names what was created (RFC 9110 §15.3.2), on the host the client addressed.
    const href = hrefFor(ctx.davRoot, destSegments, false);
    ctx.res.setHeader('Location', new URL(href, new URL(ctx.req.get('destination') ?? '', ctx.deps.config.publicUrl)).href);
  }
  ctx.res.status(result.created ? 201 : 204).end();
}

/**
 * A card copied or moved by the card service's transfer, in one transaction: the card's text is
 * stored at the destination as it is (its UID must be free there), and a MOVE takes the source away
 * in the same write.
 */
async function copyMoveCard(ctx: DavCtx, r: Resource & { kind: 'card' }): Promise<void> {
  const viewer = ctx.viewer;
  if (!viewer) throw new DavError(401, 'Authentication required');
  const dest = await resolveResource(destinationOf(ctx), viewer, ctx.deps.domain);
  if (!dest) throw new DavError(409, 'the destination address book does not exist');
  if (dest.kind !== 'card') throw new DavError(403, 'the destination must be a card inside an address book');
  const keepSource = ctx.req.method.toUpperCase() === 'COPY';
  const result = await ctx.deps.domain.cards
    .transfer(viewer, r.book, r.uri, dest.book, dest.uri, { overwrite: overwriteOf(ctx.req), keepSource, cond: conditionsOf(ctx.req) })
    .catch((e: unknown) => {
      throw withObjectHref(e, (name) => hrefFor(ctx.davRoot, ['addressbooks', dest.username, dest.book.uri, name], false));
    });
  answer(ctx, result, ['addressbooks', dest.username, dest.book.uri, dest.uri]);
}
