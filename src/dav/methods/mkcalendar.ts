// MKCALENDAR (RFC 4791 §5.3.1) and extended MKCOL (RFC 5689), for calendars in the calendar home
// and address books in the address-book home (RFC 6352 §6.3.1). Both may carry initial
// properties, a resourcetype included (DAVx5 sends it in MKCALENDAR).
import { DavError } from '../errors.ts';
import { xmlBody, type DavCtx } from '../context.ts';
import { emptyChanges, type PropChanges, type Target } from '../propertyChanges.ts';
import { outcomePropstats, setProperty, type PropOutcome } from '../propertyValues.ts';
import { isUnmapped } from '../resources.ts';
import { document, statusLine, type XmlNode } from '../../xml/write.ts';
import type { XmlElement } from '../../xml/parse.ts';
import { c, card, d } from '../../xml/names.ts';
import { CALDAV_NS, CARDDAV_NS } from '../../domain/errors.ts';

/** The properties set in a MKCALENDAR or extended MKCOL body, each checked by its entry in properties.ts. */
function initialProperties(ctx: DavCtx, body: XmlElement | null, expected: string, target: Target): { changes: PropChanges; outcomes: PropOutcome[] } {
  const changes = emptyChanges();
  const outcomes: PropOutcome[] = [];
  if (!body) return { changes, outcomes };
  if (body.name !== expected) throw new DavError(400, `the body must be a ${expected === d('mkcol') ? 'DAV:mkcol' : 'CALDAV:mkcalendar'} element`);
  for (const set of body.children.filter((x) => x.name === d('set'))) {
    for (const prop of set.children.filter((x) => x.name === d('prop'))) {
      for (const el of prop.children) outcomes.push(setProperty(el, target, changes, ctx.deps.config.limits));
    }
  }
  return { changes, outcomes };
}

/**
 * When a property was refused, nothing is created and the body says which property sank it (RFC
 * 4791 §5.3.1, RFC 5689 §3): MKCALENDAR answers 207 with CALDAV:mkcalendar-response, extended
 * MKCOL 403 with DAV:mkcol-response. Returns whether it answered.
 */
function answeredRefusal(ctx: DavCtx, outcomes: PropOutcome[], isMkcol: boolean): boolean {
  const { propstats, failed, description } = outcomePropstats(outcomes);
  if (!failed) return false;
  const root = isMkcol ? d('mkcol-response') : c('mkcalendar-response');
  const children: XmlNode[] = propstats.map((ps) => ({
    name: d('propstat'),
    children: [{ name: d('prop'), children: ps.props }, { name: d('status'), text: statusLine(ps.status) }],
  }));
  if (description) children.push({ name: d('responsedescription'), text: description });
  ctx.res.status(isMkcol ? 403 : 207).type('application/xml; charset=utf-8').send(document({ name: root, children }));
  return true;
}

function refuseExisting(ctx: DavCtx, isMkcol: boolean): void {
  // An object path resolves (with no object) wherever its calendar exists; likewise a card path.
  if (ctx.resource && !isUnmapped(ctx.resource)) {
    // RFC 4791 §5.3.1.1 for MKCALENDAR (a precondition: 403); RFC 4918 §9.3.1 for MKCOL (405).
    throw new DavError(isMkcol ? 405 : 403, 'something already exists here', { namespace: 'DAV:', name: 'resource-must-be-null' });
  }
}

export async function mkcalendar(ctx: DavCtx): Promise<void> {
  if (ctx.segments[0] === 'addressbooks') return mkAddressBook(ctx);
  const isMkcol = ctx.req.method.toUpperCase() === 'MKCOL';
  const [top, owner, uri, ...rest] = ctx.segments;
  const viewer = ctx.viewer;
  if (!viewer) throw new DavError(401, 'Authentication required');
  refuseExisting(ctx, isMkcol);
  if (top === 'calendars' && owner === viewer.username && uri !== undefined && rest.length && isMkcol) {
    throw new DavError(403, 'a calendar holds calendar objects only, no collections');
  }
  if (top !== 'calendars' || owner !== viewer.username || uri === undefined || rest.length) {
    throw new DavError(403, 'calendars can be created only directly in your calendar home', {
      namespace: CALDAV_NS,
      name: 'calendar-collection-location-ok',
    });
  }
  const { changes, outcomes } = initialProperties(ctx, await xmlBody(ctx), isMkcol ? d('mkcol') : c('mkcalendar'), 'new-calendar');
  if (isMkcol && !changes.resourceTypes?.includes(c('calendar'))) {
    throw new DavError(403, 'only calendar collections can be created here (resourcetype must include CALDAV:calendar)', {
      namespace: 'DAV:',
      name: 'valid-resourcetype',
    });
  }
  const unknownType = changes.resourceTypes?.find((t) => t !== d('collection') && t !== c('calendar'));
  if (unknownType) {
    throw new DavError(403, `cannot create a collection of type ${unknownType}`, { namespace: 'DAV:', name: 'valid-resourcetype' });
  }
  if (answeredRefusal(ctx, outcomes, isMkcol)) return;
  await ctx.deps.domain.calendars.create(viewer, viewer.principaluri, {
    uri,
    displayname: changes.calendar.displayname,
    description: changes.calendar.description,
    color: changes.calendar.color,
    order: changes.calendar.order,
    timezone: changes.calendar.timezone,
    components: changes.calendar.components,
    dead: changes.deadSet,
  });
  ctx.res.setHeader('Cache-Control', 'no-cache');
  ctx.res.status(201).end();
}

/**
 * An address book, by extended MKCOL naming CARDDAV:addressbook (RFC 6352 §6.3.1), or by a plain
 * MKCOL without a body in the home (as sabre/dav lets clients do).
 */
async function mkAddressBook(ctx: DavCtx): Promise<void> {
  const viewer = ctx.viewer;
  if (!viewer) throw new DavError(401, 'Authentication required');
  if (ctx.req.method.toUpperCase() !== 'MKCOL') throw new DavError(403, 'MKCALENDAR makes calendars, in the calendar home; address books are made with MKCOL');
  refuseExisting(ctx, true);
  const [, owner, uri, ...rest] = ctx.segments;
  if (owner !== viewer.username || uri === undefined || rest.length) {
    throw new DavError(403, 'address books can be created only directly in your address-book home', {
      namespace: CARDDAV_NS,
      name: 'addressbook-collection-location-ok',
    });
  }
  const body = await xmlBody(ctx);
  const { changes, outcomes } = initialProperties(ctx, body, d('mkcol'), 'new-addressbook');
  if (body && !changes.resourceTypes?.includes(card('addressbook'))) {
    throw new DavError(403, 'only address books can be created here (resourcetype must include CARDDAV:addressbook)', {
      namespace: 'DAV:',
      name: 'valid-resourcetype',
    });
  }
  const unknownType = changes.resourceTypes?.find((t) => t !== d('collection') && t !== card('addressbook'));
  if (unknownType) {
    throw new DavError(403, `cannot create a collection of type ${unknownType}`, { namespace: 'DAV:', name: 'valid-resourcetype' });
  }
  if (answeredRefusal(ctx, outcomes, true)) return;
  await ctx.deps.domain.addressBooks.create(viewer, uri, { ...changes.addressBook, deadSet: changes.deadSet });
  ctx.res.setHeader('Cache-Control', 'no-cache');
  ctx.res.status(201).end();
}
