// Which resource a path names, and whether the viewer may see it (404 when not).
//   /                                root
//   /principals/  /principals/<u>/   principal collection, principal
//   /calendars/   /calendars/<u>/    calendar homes (a home is visible to its user only)
//   /calendars/<u>/<cal>/            calendar (owned, shared with <u>, or public)
//   /calendars/<u>/<cal>/<name>      calendar object
//   /calendars/<u>/inbox/<name>      an item of the schedule inbox (RFC 6638 §2.2), its owner's only
//   /addressbooks/                   address-book homes (CardDAV, RFC 6352)
//   /addressbooks/<u>/               address-book home (visible to its user only)
//   /addressbooks/<u>/<book>/        address book (its owner's only, until address books are shared)
//   /addressbooks/<u>/<book>/<name>  card (vCard object)
import type { AddressBookView } from '../domain/addressBooks.ts';
import type { CardMeta, StoredCard } from '../domain/cards.ts';
import type { CalendarView, Actor } from '../domain/calendars.ts';
import type { Domain } from '../domain/index.ts';
import type { InboxItem, InboxItemMeta } from '../domain/inbox.ts';
import type { ObjectMeta, StoredObject } from '../domain/objects.ts';
import type { UserInfo } from '../domain/users.ts';
import { isValidUsername } from '../usernames.ts';

export type Resource =
  | { kind: 'root' }
  | { kind: 'principals' }
  | { kind: 'principal'; user: UserInfo }
  | { kind: 'homes' }
  /** `synctoken`: the home's own sync token (RFC 6578 §4), read when the home is resolved. */
  | { kind: 'home'; username: string; principaluri: string; synctoken: number }
  /** `synctoken`: the inbox's own token (its getctag and sync-token), read when it is resolved. */
  | { kind: 'inbox'; username: string; principaluri: string; synctoken: number }
  | { kind: 'outbox'; username: string; principaluri: string }
  | {
      kind: 'inbox-item';
      username: string;
      principaluri: string;
      uri: string;
      meta: InboxItemMeta | null;
      /** The item with its content, when it was read along (GET). */
      stored?: InboxItem | null;
    }
  | { kind: 'calendar'; username: string; cal: CalendarView }
  | {
      kind: 'object';
      username: string;
      cal: CalendarView;
      uri: string;
      meta: ObjectMeta | null;
      /** The object with its content, when it was read along (GET, PUT); null: nothing is there. */
      stored?: StoredObject | null;
    }
  | { kind: 'addressbook-homes' }
  | { kind: 'addressbook-home'; username: string; principaluri: string; synctoken: number }
  | { kind: 'addressbook'; username: string; book: AddressBookView }
  | {
      kind: 'card';
      username: string;
      book: AddressBookView;
      uri: string;
      meta: CardMeta | null;
      /** The card with its content, when it was read along (GET, PUT); null: nothing is there. */
      stored?: StoredCard | null;
    };

export type ResourceKind = Resource['kind'];

export function isCollection(r: Resource): boolean {
  return r.kind !== 'object' && r.kind !== 'card' && r.kind !== 'inbox-item';
}

/** A member resource (calendar object, card, inbox item) that names nothing yet: the target of a PUT. */
export function isUnmapped(r: Resource): boolean {
  return (r.kind === 'object' || r.kind === 'card' || r.kind === 'inbox-item') && !r.meta;
}

/** The segments of a resource's path below the DAV root. */
export function segmentsOf(r: Resource): string[] {
  switch (r.kind) {
    case 'root':
      return [];
    case 'principals':
      return ['principals'];
    case 'principal':
      return ['principals', r.user.username];
    case 'homes':
      return ['calendars'];
    case 'home':
      return ['calendars', r.username];
    case 'inbox':
    case 'outbox':
      return ['calendars', r.username, r.kind];
    case 'inbox-item':
      return ['calendars', r.username, 'inbox', r.uri];
    case 'calendar':
      return ['calendars', r.username, r.cal.uri];
    case 'object':
      return ['calendars', r.username, r.cal.uri, r.uri];
    case 'addressbook-homes':
      return ['addressbooks'];
    case 'addressbook-home':
      return ['addressbooks', r.username];
    case 'addressbook':
      return ['addressbooks', r.username, r.book.uri];
    case 'card':
      return ['addressbooks', r.username, r.book.uri, r.uri];
  }
}

/**
 * Resolves segments to a resource the viewer may see, or null (404). For objects, `meta` is null
 * when nothing exists at that name yet (a PUT target).
 */
export async function resolveResource(
  segments: string[],
  viewer: Actor | null,
  domain: Domain,
  opts: { withData?: boolean } = {},
): Promise<Resource | null> {
  const [top, name, calUri, objUri, ...rest] = segments;
  if (rest.length) return null;
  if (top === undefined) return { kind: 'root' };
  if (top === 'principals') {
    if (name === undefined) return { kind: 'principals' };
    if (calUri !== undefined || !viewer) return null;
    const user = await domain.users.get(name);
    return user ? { kind: 'principal', user } : null;
  }
  if (top === 'addressbooks') return resolveAddressBookPath(segments, viewer, domain, opts.withData ?? false);
  if (top !== 'calendars') return null;
  if (name === undefined) return { kind: 'homes' };
  if (!isValidUsername(name)) return null;
  const principaluri = `principals/${name}`;
  const own = viewer?.principaluri === principaluri;
  if (calUri === undefined) return own ? { kind: 'home', username: name, principaluri, synctoken: await domain.calendars.homeSyncToken(principaluri) } : null;
  // The scheduling inbox and outbox (RFC 6638). Invitations between users here go straight into
  // calendars; the inbox holds a copy of every iTIP message delivered (domain/inbox.ts).
  if (own && calUri === 'outbox') return objUri === undefined ? { kind: 'outbox', username: name, principaluri } : null;
  if (own && calUri === 'inbox') {
    if (objUri === undefined) return { kind: 'inbox', username: name, principaluri, synctoken: await domain.inbox.syncToken(principaluri) };
    if (opts.withData) {
      const stored = await domain.inbox.get(principaluri, objUri);
      return { kind: 'inbox-item', username: name, principaluri, uri: objUri, meta: stored, stored };
    }
    return { kind: 'inbox-item', username: name, principaluri, uri: objUri, meta: await domain.inbox.getMeta(principaluri, objUri) };
  }
  if (objUri === undefined) {
    const cal = await domain.calendars.get(principaluri, calUri);
    if (!cal || (!own && !domain.calendars.isPublic(cal))) return null;
    return { kind: 'calendar', username: name, cal };
  }
  const withData = opts.withData ?? false;
  const found = await domain.objects.lookup(principaluri, calUri, objUri, withData);
  if (!found || (!own && !domain.calendars.isPublic(found.view))) return null;
  const meta = found.object;
  return { kind: 'object', username: name, cal: found.view, uri: objUri, meta, ...(withData ? { stored: meta as StoredObject | null } : {}) };
}

/** The CardDAV part of the tree: only the owner sees a home, its address books and their cards. */
async function resolveAddressBookPath(segments: string[], viewer: Actor | null, domain: Domain, withData: boolean): Promise<Resource | null> {
  const [, name, bookUri, cardUri] = segments;
  if (name === undefined) return { kind: 'addressbook-homes' };
  if (!isValidUsername(name)) return null;
  const principaluri = `principals/${name}`;
  if (bookUri === undefined) {
    return viewer?.principaluri === principaluri ? { kind: 'addressbook-home', username: name, principaluri, synctoken: await domain.addressBooks.homeToken(name) } : null;
  }
  const book = await domain.addressBooks.get(viewer, name, bookUri);
  if (!book) return null;
  if (cardUri === undefined) return { kind: 'addressbook', username: name, book };
  if (withData) {
    const stored = await domain.cards.get(book, cardUri);
    return { kind: 'card', username: name, book, uri: cardUri, meta: stored, stored };
  }
  return { kind: 'card', username: name, book, uri: cardUri, meta: await domain.cards.getMeta(book, cardUri) };
}
