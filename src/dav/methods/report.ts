// REPORT: dispatched by the body's root element, through the registry in reports/registry.ts.
import type { XmlElement } from '../../xml/parse.ts';
import { DavError } from '../errors.ts';
import { xmlBody, type DavCtx } from '../context.ts';
import { c } from '../../xml/names.ts';
import { calendarMultiget } from '../reports/multiget.ts';
import { addressbookMultiget } from '../reports/addressbookMultiget.ts';
import { addressbookQuery } from '../reports/addressbookQuery.ts';
import { calendarQuery } from '../reports/calendarQuery.ts';
import { syncCollection } from '../reports/syncCollection.ts';
import { freeBusyQuery, freeBusyTarget } from '../reports/freeBusy.ts';
import { aclPrincipalPropSet, principalMatch } from '../reports/aclReports.ts';
import { expandProperty, principalPropertySearch, principalSearchPropertySet } from '../reports/principals.ts';
import { answeredOn, reportKeyOf, type ReportKey } from '../reports/registry.ts';

const HANDLERS: Record<ReportKey, (ctx: DavCtx, body: XmlElement) => Promise<void> | void> = {
  'calendar-query': calendarQuery,
  'calendar-multiget': calendarMultiget,
  'free-busy-query': freeBusyQuery,
  'addressbook-query': addressbookQuery,
  'addressbook-multiget': addressbookMultiget,
  'sync-collection': syncCollection,
  'principal-property-search': principalPropertySearch,
  'principal-search-property-set': (ctx) => principalSearchPropertySet(ctx),
  'expand-property': expandProperty,
  'principal-match': principalMatch,
  'acl-principal-prop-set': aclPrincipalPropSet,
};

export async function report(ctx: DavCtx): Promise<void> {
  const body = await xmlBody(ctx);
  if (!body) throw new DavError(400, 'REPORT needs a body');
  if (!ctx.resource) {
    // Busy time is readable where nothing else is (read-free-busy, RFC 4791 §6.1.1).
    const target = body.name === c('free-busy-query') ? await freeBusyTarget(ctx) : null;
    if (!target) throw new DavError(404, 'nothing is here');
    return freeBusyQuery({ ...ctx, resource: target }, body);
  }
  const key = reportKeyOf(body.name);
  if (!key || !answeredOn(key, ctx.resource.kind)) throw new DavError(403, `the ${body.name} report is not supported`, { namespace: 'DAV:', name: 'supported-report' });
  return HANDLERS[key](ctx, body);
}
