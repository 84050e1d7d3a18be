// DELETE of an object (with If-Match) or of a calendar (the owner deletes it for everyone; a
// sharee removes the share from their home).
import { DavError } from '../errors.ts';
import { conditionsOf, type DavCtx } from '../context.ts';

export async function deleteMethod(ctx: DavCtx): Promise<void> {
  const r = ctx.resource;
  if (!r || (r.kind === 'object' && !r.meta)) throw new DavError(404, 'nothing is here');
  const { domain } = ctx.deps;
  if (r.kind === 'object') {
    await domain.objects.delete(ctx.viewer, r.cal, r.uri, conditionsOf(ctx.req));
  } else if (r.kind === 'calendar') {
    if (!ctx.viewer || ctx.viewer.principaluri !== r.cal.principaluri) {
      throw new DavError(403, 'you may not delete this calendar', { namespace: 'DAV:', name: 'need-privileges' });
    }
    const cond = conditionsOf(ctx.req);
    if (cond.ifMatch && !cond.ifMatch.includes('*')) throw new DavError(412, 'calendars have no ETag to match');
    await domain.calendars.delete(ctx.viewer, r.cal);
  } else {
    throw new DavError(403, 'this resource cannot be deleted', { namespace: 'DAV:', name: 'need-privileges' });
  }
  ctx.res.status(204).end();
}
