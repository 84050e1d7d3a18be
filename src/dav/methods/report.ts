// REPORT: dispatched by the body's root element.
import { DavError } from '../errors.ts';
import { xmlBody, type DavCtx } from '../context.ts';
import { c, d } from '../../xml/names.ts';
import { calendarMultiget } from '../reports/multiget.ts';
import { calendarQuery } from '../reports/calendarQuery.ts';
import { syncCollection } from '../reports/syncCollection.ts';
import { freeBusyQuery, freeBusyTarget } from '../reports/freeBusy.ts';
import { emptyMultistatus, expandProperty, principalPropertySearch, principalSearchPropertySet } from '../reports/principals.ts';

export async function report(ctx: DavCtx): Promise<void> {
  const body = await xmlBody(ctx);
  if (!body) throw new DavError(400, 'REPORT needs a body');
  if (!ctx.resource) {
    // Busy time is readable where nothing else is (read-free-busy, RFC 4791 §6.1.1).
    const target = body.name === c('free-busy-query') ? await freeBusyTarget(ctx) : null;
    if (!target) throw new DavError(404, 'nothing is here');
    return freeBusyQuery({ ...ctx, resource: target }, body);
  }
  switch (body.name) {
    case c('calendar-multiget'):
      return calendarMultiget(ctx, body);
    case c('calendar-query'):
      return calendarQuery(ctx, body);
    case d('sync-collection'):
      return syncCollection(ctx, body);
    case c('free-busy-query'):
      return freeBusyQuery(ctx, body);
    case d('expand-property'):
      return expandProperty(ctx, body);
    case d('principal-property-search'):
      return principalPropertySearch(ctx, body);
    case d('principal-search-property-set'):
      principalSearchPropertySet(ctx);
      return;
    case d('principal-match'):
    case d('acl-principal-prop-set'):
      return emptyMultistatus(ctx);
    default:
      throw new DavError(403, `the ${body.name} report is not supported`, { namespace: 'DAV:', name: 'supported-report' });
  }
}
