// PROPPATCH (RFC 4918 §9.2): all or nothing. A refused property gets 403/409, the others 424,
// and nothing is stored; otherwise every property is answered 200.
import { DavError } from '../errors.ts';
import { xmlBody, type DavCtx } from '../context.ts';
import { hrefFor, segmentsOfHref } from '../paths.ts';
import { emptyChanges, type Target } from '../propertyChanges.ts';
import { outcomePropstats, removeProperty, setProperty, type PropOutcome } from '../propertyValues.ts';
import { deadPropertyPath, VALID_DEFAULT_CALENDAR } from '../properties.ts';
import { isCollection, isUnmapped, segmentsOf } from '../resources.ts';
import { c, clark, d } from '../../xml/names.ts';
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
  // Only the owner reaches an inbox (resources.ts); it keeps schedule-default-calendar-URL.
  else if (r.kind === 'inbox') target = 'inbox';

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

  // The default calendar's href names one of the user's own calendars that takes invitations, or
  // it is refused with the precondition of RFC 6638 §9.2 (and the whole PROPPATCH with it).
  let defaultCalendarUri: string | null | undefined;
  if (typeof changes.scheduleDefaultCalendarHref === 'string') {
    const segs = segmentsOfHref(changes.scheduleDefaultCalendarHref, ctx.davRoot);
    const calUri = segs && segs.length === 3 && segs[0] === 'calendars' && segs[1] === viewer.username ? (segs[2] as string) : null;
    const problem = calUri === null ? 'the href is not a calendar in your home' : await ctx.deps.domain.inbox.defaultCalendarProblem(viewer, calUri);
    const at = outcomes.findIndex((o) => o.name === c('schedule-default-calendar-URL'));
    if (problem) outcomes[at] = { name: c('schedule-default-calendar-URL'), status: 403, message: problem, precondition: VALID_DEFAULT_CALENDAR };
    else defaultCalendarUri = calUri;
  } else if (changes.scheduleDefaultCalendarHref === null) defaultCalendarUri = null;

  if (!outcomes.some((o) => o.status !== 200) && target) {
    const { domain } = ctx.deps;
    if (defaultCalendarUri !== undefined) await domain.inbox.setDefaultCalendar(viewer, defaultCalendarUri);
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
