// sync-collection (RFC 6578), whatever the Depth header. An empty token lists every member; a
// token lists what changed since, removed members as 404. Tokens we cannot answer get 403 with
// <D:valid-sync-token/> (DAVx5, Evolution and Outlook CDS look for that element). On the calendar
// home the members are its calendars, with the home's own token (Apple Calendar asks the home
// which calendars changed, then syncs those). An address book syncs its cards the same way, and
// the address-book home its books.
import type { ObjectMeta } from '../../domain/objects.ts';
import { DavError } from '../errors.ts';
import { wantsMinimal, type DavCtx } from '../context.ts';
import { hrefFor } from '../paths.ts';
import {
  addressBookHomeSyncTokenUri,
  addressBookSyncTokenUri,
  homeSyncTokenUri,
  inboxSyncTokenUri,
  parseInboxSyncToken,
  parseAddressBookHomeSyncToken,
  parseAddressBookSyncToken,
  parseHomeSyncToken,
  parseSyncToken,
  syncTokenUri,
  type PropContext,
} from '../properties.ts';
import { segmentsOf, type Resource } from '../resources.ts';
import { child, textOf, type XmlElement } from '../../xml/parse.ts';
import { c, d } from '../../xml/names.ts';
import { answerFor, needsDead, propstatsOf, startMultistatus } from '../multistatus.ts';
import type { MultistatusWriter } from '../../xml/write.ts';
import { parseReportProps, writeInboxItemResponse, writeObjectResponse, type ReportProps } from './common.ts';
import type { InboxItemMeta } from '../../domain/inbox.ts';
import { deadPropertyPath } from '../properties.ts';
import { defaultCalendarOf } from '../methods/propfind.ts';
import type { CalendarView } from '../../domain/calendars.ts';
import type { CardMeta } from '../../domain/cards.ts';
import type { AddressBookView } from '../../domain/addressBooks.ts';
import { parseCardReportProps, writeCardResponse } from './addressData.ts';

const invalidToken = () =>
  new DavError(403, 'the sync token is unknown or expired; sync again from scratch', { namespace: 'DAV:', name: 'valid-sync-token' });

/**
 * DAV:sync-level is "1" or "infinite" (RFC 6578 §6.3; CalendarServer writes "infinity"); anything
 * else is a malformed request. A calendar has no child collections, so "infinite" there is "1";
 * on the home it would reach into every calendar, which we refuse as §3.3 allows.
 */
function checkSyncLevel(body: XmlElement, target: 'home' | 'calendar' | 'addressbook'): void {
  const level = child(body, d('sync-level'));
  const text = level ? textOf(level).trim() : '1';
  if (text === '1') return;
  if (text !== 'infinite' && text !== 'infinity') throw new DavError(400, `sync-level must be 1 or infinite, not "${text.slice(0, 40)}"`);
  if (target === 'home') {
    throw new DavError(403, 'sync-level infinite is not supported on a home; sync each calendar or address book', { namespace: 'DAV:', name: 'sync-traversal-supported' });
  }
}

function parseLimit(body: XmlElement): number | undefined {
  const limitEl = child(body, d('limit'));
  if (!limitEl) return undefined;
  const n = Number(textOf(child(limitEl, d('nresults')) ?? limitEl).trim());
  if (!Number.isInteger(n) || n < 1) throw new DavError(400, 'DAV:nresults must be a positive integer');
  return n;
}

export async function syncCollection(ctx: DavCtx, body: XmlElement): Promise<void> {
  const self = ctx.resource;
  if (!self || (self.kind !== 'calendar' && self.kind !== 'home' && self.kind !== 'inbox' && self.kind !== 'addressbook' && self.kind !== 'addressbook-home')) {
    throw new DavError(403, 'sync-collection works on calendars, address books, their homes and the schedule inbox');
  }
  // The inbox holds no collections: "infinite" is "1" there, as on a calendar.
  checkSyncLevel(body, self.kind === 'addressbook-home' ? 'home' : self.kind === 'inbox' ? 'calendar' : self.kind);
  const tokenEl = child(body, d('sync-token'));
  const tokenText = tokenEl ? textOf(tokenEl).trim() : '';
  const limit = parseLimit(body);
  if (self.kind === 'addressbook') return syncAddressBook(ctx, self, body, tokenText, limit);
  const props = parseReportProps(body);
  const minimal = wantsMinimal(ctx.req);
  if (self.kind === 'addressbook-home') return syncAddressBookHome(ctx, self, tokenText, limit, props, minimal);
  if (self.kind === 'home') return syncHome(ctx, self, tokenText, limit, props, minimal);
  if (self.kind === 'inbox') return syncInbox(ctx, self, tokenText, limit, props, minimal);
  const out = startMultistatus(ctx.res);
  const { domain } = ctx.deps;

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

/** An address book's members are its cards; address-data is answered as in addressbook-multiget. */
async function syncAddressBook(ctx: DavCtx, self: Resource & { kind: 'addressbook' }, body: XmlElement, tokenText: string, limit: number | undefined): Promise<void> {
  const props = parseCardReportProps(body);
  const minimal = wantsMinimal(ctx.req);
  const { cards } = ctx.deps.domain;
  const book = self.book;
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const member = (meta: CardMeta): Resource & { kind: 'card' } => ({ kind: 'card', username: self.username, book, uri: meta.uri, meta });
  let changes: { changed: CardMeta[]; removed: string[]; token: number; truncated: boolean } | null = null;
  if (tokenText !== '') {
    const token = parseAddressBookSyncToken(tokenText);
    if (token === null) throw invalidToken();
    // Before the 207 starts: an expired token is a 403 of its own.
    changes = await cards.changesSince(book, token, limit);
  }
  const out = startMultistatus(ctx.res);
  const writeMembers = async (metas: CardMeta[]) => {
    if (props.addressData) {
      for await (const batch of cards.getMany(book, metas.map((m) => m.uri))) {
        for (const stored of batch) writeCardResponse(out, ctx, propCtx, member(stored), stored, props, minimal);
        await out.flush();
      }
      return;
    }
    for (const meta of metas) writeCardResponse(out, ctx, propCtx, member(meta), null, props, minimal);
    await out.flush();
  };
  let newToken: number;
  if (!changes) {
    // The book (and its token) was read when the request was resolved, before this listing: a
    // write racing the listing is reported again next time.
    newToken = book.synctoken;
    for await (const batch of cards.listMeta(book)) await writeMembers(batch);
  } else {
    await writeMembers(changes.changed);
    for (const uri of changes.removed) out.status(hrefFor(ctx.davRoot, ['addressbooks', self.username, book.uri, uri], false), 404);
    if (changes.truncated) {
      out.status(hrefFor(ctx.davRoot, segmentsOf(self), true), 507, [{ name: d('error'), children: [{ name: d('number-of-matches-within-limits') }] }]);
    }
    newToken = changes.token;
  }
  await out.end([{ name: d('sync-token'), text: addressBookSyncTokenUri(newToken) }]);
}

/** The home's members are its calendars; a removed one is a 404 response (RFC 6578 §3.5.2). */
async function syncHome(
  ctx: DavCtx,
  self: Resource & { kind: 'home' },
  tokenText: string,
  limit: number | undefined,
  props: ReportProps,
  minimal: boolean,
): Promise<void> {
  const { calendars } = ctx.deps.domain;
  let changed: CalendarView[];
  let removed: string[] = [];
  let inboxChanged = false;
  let token: number;
  let truncated = false;
  if (tokenText === '') {
    // Read the token before listing: a change racing the listing is reported again next time.
    token = await calendars.homeSyncToken(self.principaluri);
    changed = await calendars.listForPrincipal(self.principaluri);
  } else {
    const from = parseHomeSyncToken(tokenText);
    if (from === null) throw invalidToken();
    ({ changed, removed, inbox: inboxChanged, token, truncated } = await calendars.homeChangesSince(self.principaluri, from, limit));
  }
  const members: Resource[] = changed.map((cal) => ({ kind: 'calendar', username: self.username, cal }));
  // Only the home's owner sees its inbox; its default calendar changed (RFC 6638 §9.2).
  const ownInbox = inboxChanged && ctx.viewer?.principaluri === self.principaluri;
  if (ownInbox) members.push({ kind: 'inbox', username: self.username, principaluri: self.principaluri, synctoken: await ctx.deps.domain.inbox.syncToken(self.principaluri) });
  const dead = needsDead(props.request)
    ? await calendars.deadPropertiesMany(members.map(deadPropertyPath).filter((p): p is string => p !== null))
    : new Map();
  const defaultCalendarUri = ownInbox ? await defaultCalendarOf(ctx, self.principaluri) : undefined;
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead, defaultCalendarUri };
  const out: MultistatusWriter = startMultistatus(ctx.res);
  for (const m of members) out.response(hrefFor(ctx.davRoot, segmentsOf(m), true), propstatsOf(answerFor(m, props.request, propCtx), minimal));
  for (const uri of removed) out.status(hrefFor(ctx.davRoot, ['calendars', self.username, uri], true), 404);
  if (truncated) out.status(hrefFor(ctx.davRoot, segmentsOf(self), true), 507, [{ name: d('error'), children: [{ name: d('number-of-matches-within-limits') }] }]);
  await out.end([{ name: d('sync-token'), text: homeSyncTokenUri(token) }]);
}

/** The address-book home's members are its books, as the calendar home's are its calendars. */
async function syncAddressBookHome(
  ctx: DavCtx,
  self: Resource & { kind: 'addressbook-home' },
  tokenText: string,
  limit: number | undefined,
  props: ReportProps,
  minimal: boolean,
): Promise<void> {
  const viewer = ctx.viewer;
  if (!viewer) throw new DavError(401, 'Authentication required');
  const { addressBooks, calendars } = ctx.deps.domain;
  let changed: AddressBookView[];
  let removed: string[] = [];
  let token: number;
  let truncated = false;
  if (tokenText === '') {
    // The token was read when the request was resolved, before this listing: a change racing the
    // listing is reported again next time.
    token = self.synctoken;
    changed = await addressBooks.list(viewer);
  } else {
    const from = parseAddressBookHomeSyncToken(tokenText);
    if (from === null) throw invalidToken();
    ({ changed, removed, token, truncated } = await addressBooks.homeChangesSince(viewer, from, limit));
  }
  const members: Resource[] = changed.map((book) => ({ kind: 'addressbook', username: self.username, book }));
  const dead = needsDead(props.request)
    ? await calendars.deadPropertiesMany(members.map(deadPropertyPath).filter((p): p is string => p !== null))
    : new Map();
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead };
  const out: MultistatusWriter = startMultistatus(ctx.res);
  for (const m of members) out.response(hrefFor(ctx.davRoot, segmentsOf(m), true), propstatsOf(answerFor(m, props.request, propCtx), minimal));
  for (const uri of removed) out.status(hrefFor(ctx.davRoot, ['addressbooks', self.username, uri], true), 404);
  if (truncated) out.status(hrefFor(ctx.davRoot, segmentsOf(self), true), 507, [{ name: d('error'), children: [{ name: d('number-of-matches-within-limits') }] }]);
  await out.end([{ name: d('sync-token'), text: addressBookHomeSyncTokenUri(token) }]);
}

/**
 * The schedule inbox's members are its items: an item arrives once and is never rewritten, so a
 * token lists the items that arrived since and, as 404, those deleted or pruned since.
 */
async function syncInbox(
  ctx: DavCtx,
  self: Resource & { kind: 'inbox' },
  tokenText: string,
  limit: number | undefined,
  props: ReportProps,
  minimal: boolean,
): Promise<void> {
  const { inbox } = ctx.deps.domain;
  let changed: InboxItemMeta[];
  let removed: string[] = [];
  let token: number;
  let truncated = false;
  if (tokenText === '') {
    // The token was read when the request was resolved, before this listing: an item arriving
    // meanwhile is reported again next time.
    token = self.synctoken;
    changed = await inbox.list(self.principaluri);
  } else {
    const from = parseInboxSyncToken(tokenText);
    if (from === null) throw invalidToken();
    ({ changed, removed, token, truncated } = await inbox.changesSince(self.principaluri, from, limit));
  }
  const wantsData = props.request.kind === 'prop' && props.request.names.includes(c('calendar-data'));
  const data = wantsData ? new Map((await inbox.getMany(self.principaluri, changed.map((m) => m.uri))).map((i) => [i.uri, i.data])) : new Map<string, string>();
  const propCtx: PropContext = { davRoot: ctx.davRoot, viewer: ctx.viewer, config: ctx.deps.config, dead: new Map() };
  const out: MultistatusWriter = startMultistatus(ctx.res);
  for (const meta of changed) {
    const r: Resource & { kind: 'inbox-item' } = { kind: 'inbox-item', username: self.username, principaluri: self.principaluri, uri: meta.uri, meta };
    writeInboxItemResponse(out, ctx, propCtx, r, data.get(meta.uri) ?? null, props, minimal);
  }
  for (const uri of removed) out.status(hrefFor(ctx.davRoot, ['calendars', self.username, 'inbox', uri], false), 404);
  if (truncated) out.status(hrefFor(ctx.davRoot, segmentsOf(self), true), 507, [{ name: d('error'), children: [{ name: d('number-of-matches-within-limits') }] }]);
  await out.end([{ name: d('sync-token'), text: inboxSyncTokenUri(token) }]);
}
