// MKCALENDAR (RFC 4791 §5.3.1) and extended MKCOL (RFC 5689). Both may carry initial properties,
// a resourcetype included (DAVx5 sends it in MKCALENDAR).
import { DavError } from '../errors.ts';
import { xmlBody, type DavCtx } from '../context.ts';
import { emptyChanges } from '../propertyChanges.ts';
import { outcomePropstats, setProperty, type PropOutcome } from '../propertyValues.ts';
import { document, statusLine, type XmlNode } from '../../xml/write.ts';
import { c, d } from '../../xml/names.ts';
import { CALDAV_NS } from '../../domain/errors.ts';

export async function mkcalendar(ctx: DavCtx): Promise<void> {
  const isMkcol = ctx.req.method.toUpperCase() === 'MKCOL';
  const [top, owner, uri, ...rest] = ctx.segments;
  const viewer = ctx.viewer;
  if (!viewer) throw new DavError(401, 'Authentication required');
  // An object path resolves (with no object) wherever its calendar exists.
  const exists = ctx.resource && !(ctx.resource.kind === 'object' && !ctx.resource.meta);
  if (exists) {
    // RFC 4791 §5.3.1.1 for MKCALENDAR (a precondition: 403); RFC 4918 §9.3.1 for MKCOL (405).
    throw new DavError(isMkcol ? 405 : 403, 'something already exists here', { namespace: 'DAV:', name: 'resource-must-be-null' });
  }
  if (top === 'calendars' && owner === viewer.username && uri !== undefined && rest.length && isMkcol) {
    throw new DavError(403, 'a calendar holds calendar objects only, no collections');
  }
  if (top !== 'calendars' || owner !== viewer.username || uri === undefined || rest.length) {
    throw new DavError(403, 'calendars can be created only directly in your calendar home', {
      namespace: CALDAV_NS,
      name: 'calendar-collection-location-ok',
    });
  }
  const body = await xmlBody(ctx);
  const changes = emptyChanges();
  const outcomes: PropOutcome[] = [];
  if (body) {
    const expected = isMkcol ? d('mkcol') : c('mkcalendar');
    if (body.name !== expected) throw new DavError(400, `the body must be a ${isMkcol ? 'DAV:mkcol' : 'CALDAV:mkcalendar'} element`);
    for (const set of body.children.filter((x) => x.name === d('set'))) {
      for (const prop of set.children.filter((x) => x.name === d('prop'))) {
        for (const el of prop.children) outcomes.push(setProperty(el, 'new-calendar', changes, ctx.deps.config.limits));
      }
    }
  }
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
  const { propstats, failed, description } = outcomePropstats(outcomes);
  if (failed) {
    // Nothing is created; the body says which property sank it (RFC 4791 §5.3.1, RFC 5689 §3):
    // MKCALENDAR answers 207 with CALDAV:mkcalendar-response, extended MKCOL 403 with DAV:mkcol-response.
    const root = isMkcol ? d('mkcol-response') : c('mkcalendar-response');
    const children: XmlNode[] = propstats.map((ps) => ({
      name: d('propstat'),
      children: [{ name: d('prop'), children: ps.props }, { name: d('status'), text: statusLine(ps.status) }],
    }));
    if (description) children.push({ name: d('responsedescription'), text: description });
    ctx.res.status(isMkcol ? 403 : 207).type('application/xml; charset=utf-8').send(document({ name: root, children }));
    return;
  }
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
