// sync-collection (RFC 6578), sync-level 1, whatever the Depth header. An empty token lists every
// member; a token lists what changed since, removed members as 404. Tokens we cannot answer get
// 403 with <D:valid-sync-token/> (DAVx5, Evolution and Outlook CDS look for that element).
import type { ObjectMeta } from '../../domain/objects.ts';
import { DavError } from '../errors.ts';
import { wantsMinimal, type DavCtx } from '../context.ts';
import { hrefFor } from '../paths.ts';
import { homeSyncToken, parseSyncToken, syncTokenUri, type PropContext } from '../properties.ts';
import { segmentsOf, type Resource } from '../resources.ts';
import { child, textOf, type XmlElement } from '../xml/parse.ts';
import { c, d } from '../xml/names.ts';
import { answerFor, needsDead, propstatsOf, startMultistatus } from '../methods/propfind.ts';
import { parseReportProps, writeObjectResponse } from './common.ts';
import { deadPropertyPath } from '../properties.ts';

const invalidToken = () =>
  new DavError(403, 'the sync token is unknown or expired; sync again from scratch', { namespace: 'DAV:', name: 'valid-sync-token' });

export async function syncCollection(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'calendar' && self.kind !== 'home')) throw new DavError(403, 'sync-collection works on calendars and calendar homes');
  const level = child(body, d('sync-level'));
  const levelText = level ? textOf(level).trim() : '1';
  if (levelText !== '1') {
    throw new DavError(403, 'only sync-level 1 is supported', { namespace: 'DAV:', name: 'sync-traversal-supported' });
  }
  const tokenEl = child(body, d('sync-token'));
  const tokenText = tokenEl ? textOf(tokenEl).trim() : '';
  const limitEl = child(body, d('limit'));
  let limit: number | undefined;
  if (limitEl) {
    const n = Number(textOf(child(limitEl, d('nresults')) ?? limitEl).trim());
    if (!Number.isInteger(n) || n < 1) throw new DavError(400, 'DAV:nresults must be a positive integer');
    limit = n;
  }
  const props = parseReportProps(body);
  const minimal = wantsMinimal(ctx.req);
  const out = startMultistatus(ctx.res);
  const { domain } = ctx.deps;

  if (self.kind === 'home') {
    const cals = await domain.calendars.listForPrincipal(self.principaluri);
    const current = homeSyncToken(cals.map((x) => ({ instanceId: x.instanceId, synctoken: x.synctoken, displayname: x.displayname, color: x.color, order: x.order })));
    if (tokenText !== current) {
      const members: Resource[] = cals.map((cal) => ({ kind: 'calendar', username: self.username, cal }));
      const dead = needsDead(props.request)
        ? await domain.calendars.deadPropertiesMany(members.map(deadPropertyPath).filter((p): p is string => p !== null))
        : new Map();
      const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead };
      for (const m of members) out.response(hrefFor(ctx.davRoot, segmentsOf(m), true), propstatsOf(answerFor(m, props.request, propCtx), minimal));
    }
    await out.end([{ name: d('sync-token'), text: current }]);
    return;
  }

  const cal = self.cal;
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const wantsData = props.request.kind === 'prop' && props.request.names.includes(c('calendar-data'));
  const writeMembers = async (metas: ObjectMeta[]) => {
    if (wantsData) {
      for await (const objs of domain.objects.getMany(cal, metas.map((m) => m.uri))) {
        for (const hit of await domain.queries.render(cal, objs, props.calendarData ?? null)) {
          writeObjectResponse(out, ctx, propCtx, { kind: 'object', username: self.username, cal, uri: hit.object.uri, meta: hit.object }, hit, props, minimal);
        }
        await out.flush();
      }
      return;
    }
    for (const meta of metas) {
      const r: Resource = { kind: 'object', username: self.username, cal, uri: meta.uri, meta };
      out.response(hrefFor(ctx.davRoot, segmentsOf(r), false), propstatsOf(answerFor(r, props.request, propCtx), minimal));
    }
    await out.flush();
  };

  let newToken: number;
  if (tokenText === '') {
    // Read the token before listing: a write racing the listing is reported again next time.
    newToken = (await domain.calendars.refresh(cal)).synctoken;
    for await (const batch of domain.objects.listMeta(cal)) await writeMembers(batch);
  } else {
    const token = parseSyncToken(tokenText);
    if (token === null) throw invalidToken();
    const changes = await domain.objects.changesSince(cal, token, limit);
    await writeMembers(changes.changed);
    for (const uri of changes.removed) out.status(hrefFor(ctx.davRoot, ['calendars', self.username, cal.uri, uri], false), 404);
    if (changes.truncated) {
      out.status(hrefFor(ctx.davRoot, segmentsOf(self), true), 507, [{ name: d('error'), children: [{ name: d('number-of-matches-within-limits') }] }]);
    }
    newToken = changes.token;
  }
  await out.end([{ name: d('sync-token'), text: syncTokenUri(newToken) }]);
}
