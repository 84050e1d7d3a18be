// PROPPATCH (RFC 4918 §9.2): all or nothing. A refused property gets 403/409, the others 424,
// and nothing is stored; otherwise every property is answered 200.
import { DavError } from '../errors.ts';
import { xmlBody, type DavCtx } from '../context.ts';
import { hrefFor } from '../paths.ts';
import { emptyChanges, type Target } from '../propertyChanges.ts';
import { outcomePropstats, removeProperty, setProperty, type PropOutcome } from '../propertyValues.ts';
import { deadPropertyPath } from '../properties.ts';
import { isCollection, isUnmapped, segmentsOf } from '../resources.ts';
import { clark, d } from '../../xml/names.ts';
import { startMultistatus } from '../multistatus.ts';
import type { XmlNode } from '../../xml/write.ts';

export async function proppatch(ctx: DavCtx): Promise<void> {
  const r = ctx.resource;
  if (!r || isUnmapped(r)) throw new DavError(404, 'nothing is here');
  const body = await xmlBody(ctx);
  if (!body || body.name !== d('propertyupdate')) throw new DavError(400, 'the body must be a DAV:propertyupdate element');
  const viewer = ctx.viewer;
  if (!viewer) throw new DavError(401, 'Authentication required');

  let target: Target | null = null;
  if (r.kind === 'calendar' && r.cal.principaluri === viewer.principaluri) target = 'calendar';
  else if (r.kind === 'home' || r.kind === 'addressbook-home') target = 'home';
  // Only the owner reaches an address book (resources.ts).
  else if (r.kind === 'addressbook') target = 'addressbook';
  else if (r.kind === 'principal' && r.user.principalUri === viewer.principaluri) target = 'principal';

  const changes = emptyChanges();
  const outcomes: PropOutcome[] = [];
  for (const op of body.children) {
    const isSet = op.name === d('set');
    if (!isSet && op.name !== d('remove')) continue;
    for (const prop of op.children.filter((x) => x.name === d('prop'))) {
      for (const el of prop.children) {
        if (!target) {
          outcomes.push({ name: el.name, status: 403, message: 'you may not change properties here', precondition: { namespace: 'DAV:', name: 'need-privileges' } });
        } else {
          outcomes.push(isSet ? setProperty(el, target, changes, ctx.deps.config.limits) : removeProperty(el, target, changes));
        }
      }
    }
  }

  if (!outcomes.some((o) => o.status !== 200) && target) {
    const { domain } = ctx.deps;
    if (r.kind === 'calendar') {
      await domain.calendars.update(viewer, r.cal, { ...changes.calendar, deadSet: changes.deadSet, deadRemove: changes.deadRemove });
    } else if (r.kind === 'addressbook') {
      await domain.addressBooks.update(viewer, r.book, { ...changes.addressBook, deadSet: changes.deadSet, deadRemove: changes.deadRemove });
    } else {
      if (r.kind === 'principal' && changes.principalDisplayName !== undefined) {
        await domain.users.update(r.user.username, { displayName: changes.principalDisplayName });
      }
      const path = deadPropertyPath(r);
      if (path && (changes.deadSet.length || changes.deadRemove.length)) {
        await domain.calendars.updateDeadProperties(path, changes.deadSet, changes.deadRemove);
      }
    }
  }

  const { propstats, precondition, description } = outcomePropstats(outcomes);
  const extra: XmlNode[] = [];
  if (precondition) extra.push({ name: d('error'), children: [{ name: clark(precondition.namespace, precondition.name) }] });
  if (description) extra.push({ name: d('responsedescription'), text: description });
  const out = startMultistatus(ctx.res);
  out.response(hrefFor(ctx.davRoot, segmentsOf(r), isCollection(r)), propstats, extra);
  await out.end();
}
