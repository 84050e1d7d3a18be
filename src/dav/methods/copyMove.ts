// COPY and MOVE of calendar objects, within a calendar or between calendars of the user (the UID
// rules of the destination apply). Collections cannot be copied or moved.
import { resolveResource } from '../resources.ts';
import { DavError, withObjectHref } from '../errors.ts';
import { hrefFor } from '../paths.ts';
import { conditionsOf, destinationOf, overwriteOf, type DavCtx } from '../context.ts';

export async function copyMove(ctx: DavCtx): Promise<void> {
  const r = ctx.resource;
  if (!r || (r.kind === 'object' && !r.meta)) throw new DavError(404, 'nothing is here');
  if (r.kind !== 'object') throw new DavError(403, 'only calendar objects can be copied or moved');
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
  ctx.res.setHeader('ETag', `"${result.etag}"`);
  if (result.created) {
    // 201 names what was created (RFC 9110 §15.3.2), on the host the client addressed.
    const href = hrefFor(ctx.davRoot, ['calendars', dest.username, dest.cal.uri, dest.uri], false);
    ctx.res.setHeader('Location', new URL(href, new URL(ctx.req.get('destination') ?? '', ctx.deps.config.publicUrl)).href);
  }
  ctx.res.status(result.created ? 201 : 204).end();
}
