// Live WebDAV/CalDAV/CardDAV properties: what each resource answers for each property name. Anything not
// listed here is a dead property (stored verbatim) or a 404 in the propstat.
import type { Config } from '../config.ts';
import type { Actor, CalendarChanges, DeadProperty } from '../domain/calendars.ts';
import { addressBookPath, MAX_ADDRESS_BOOK_NAME_LENGTH } from '../domain/addressBooks.ts';
import { calendarPath, MAX_CALENDAR_NAME_LENGTH } from '../domain/calendars.ts';
import { isComponentType, type ComponentType } from '../domain/components.ts';
import { exportEtag, type ExportRequest } from '../domain/exports.ts';
import type { Precondition } from '../domain/errors.ts';
import { parseTimezoneCalendar } from '../ical/parse.ts';
import { hrefFor } from './paths.ts';
import { privilegeSetXml, privilegesFor } from './privileges.ts';
import { supportedReports } from './reports/registry.ts';
import type { PropChanges, Target } from './propertyChanges.ts';
import type { Resource, ResourceKind } from './resources.ts';
import { apple, c, card, cs, d } from '../xml/names.ts';
import { textOf, type XmlElement } from '../xml/parse.ts';
import type { XmlNode } from '../xml/write.ts';

export interface PropContext {
  davRoot: string;
  viewer: Actor | null;
  config: Config;
  /** Dead properties by storage path, loaded for the resources being answered. */
  dead: Map<string, DeadProperty[]>;
  /** Where invitations land (schedule-default-calendar-URL), when known. */
  defaultCalendarUri?: string;
}

/** Children of the property element, or its text. */
export type PropValue = XmlNode[] | string;

/** Why a value was refused: 409 for a value out of range, 403 with the precondition it breaks. */
export class Refusal {
  constructor(
    readonly status: 403 | 409,
    readonly message: string,
    readonly precondition?: Precondition,
  ) {}
}

/** What a property's setter may need beyond the element (it runs on the request loop). */
export interface WriteLimits {
  maxTimezoneBytes: number;
}

/** The write side of a live property: where it may be set, how its value is checked and kept. */
export interface LiveWrite {
  /** Where PROPPATCH (or MKCALENDAR/extended MKCOL, 'new-calendar') may set it. */
  targets: readonly Target[];
  /** Checks the value and records it in `out`, or says why not (nothing recorded). */
  set(el: XmlElement, target: Target, out: PropChanges, limits: WriteLimits): Refusal | null;
  /** Records its removal; absent: it can be set but not removed (protected for `remove`). */
  remove?(target: Target, out: PropChanges): void;
}

interface LiveProperty {
  kinds: readonly ResourceKind[] | 'all';
  /** Whether PROPFIND allprop includes it (RFC 4918 §9.1; CalDAV keeps some out). */
  allprop: boolean;
  /** null: the resource has no value (404 in the propstat). */
  get(r: Resource, ctx: PropContext): PropValue | null;
  /** Absent: protected (cannot-modify-protected-property). */
  write?: LiveWrite;
}

/** What a GET of a calendar without query parameters asks for (see methods/get.ts). */
const PLAIN_EXPORT: ExportRequest = { expand: false };

const SYNC_PREFIX = 'http://calendula.dev/ns/sync/';

export function syncTokenUri(token: number): string {
  return `${SYNC_PREFIX}${token}`;
}

/** The integer in a sync token we issued for a calendar, or null for anything else. */
export function parseSyncToken(uri: string): number | null {
  const t = uri.trim();
  if (!t.startsWith(SYNC_PREFIX)) return null;
  const n = t.slice(SYNC_PREFIX.length);
  return /^\d{1,10}$/.test(n) ? Number(n) : null;
}

// A home's tokens are told apart from a calendar's, so that neither is taken for the other.
const HOME_SYNC_PREFIX = `${SYNC_PREFIX}home/`;

export function homeSyncTokenUri(token: number): string {
  return `${HOME_SYNC_PREFIX}${token}`;
}

/** The integer in a home sync token we issued, or null for anything else. */
export function parseHomeSyncToken(uri: string): number | null {
  const t = uri.trim();
  if (!t.startsWith(HOME_SYNC_PREFIX)) return null;
  const n = t.slice(HOME_SYNC_PREFIX.length);
  return /^\d{1,10}$/.test(n) ? Number(n) : null;
}

// The schedule inbox's tokens likewise.
const INBOX_SYNC_PREFIX = `${SYNC_PREFIX}inbox/`;

export function inboxSyncTokenUri(token: number): string {
  return `${INBOX_SYNC_PREFIX}${token}`;
}

/** The integer in an inbox sync token we issued, or null for anything else. */
export function parseInboxSyncToken(uri: string): number | null {
  const t = uri.trim();
  if (!t.startsWith(INBOX_SYNC_PREFIX)) return null;
  const n = t.slice(INBOX_SYNC_PREFIX.length);
  return /^\d{1,10}$/.test(n) ? Number(n) : null;
}

// An address book's tokens are told apart from a calendar's and a home's in the same way.
const ADDRESS_BOOK_SYNC_PREFIX = `${SYNC_PREFIX}addressbook/`;

export function addressBookSyncTokenUri(token: number): string {
  return `${ADDRESS_BOOK_SYNC_PREFIX}${token}`;
}

// And an address-book home's from a calendar home's.
const ADDRESS_BOOK_HOME_SYNC_PREFIX = `${SYNC_PREFIX}addressbooks/`;

export function addressBookHomeSyncTokenUri(token: number): string {
  return `${ADDRESS_BOOK_HOME_SYNC_PREFIX}${token}`;
}

/** The integer in an address-book home's sync token we issued, or null for anything else. */
export function parseAddressBookHomeSyncToken(uri: string): number | null {
  const t = uri.trim();
  if (!t.startsWith(ADDRESS_BOOK_HOME_SYNC_PREFIX)) return null;
  const n = t.slice(ADDRESS_BOOK_HOME_SYNC_PREFIX.length);
  return /^\d{1,10}$/.test(n) ? Number(n) : null;
}

/** The integer in an address book's sync token we issued, or null for anything else. */
export function parseAddressBookSyncToken(uri: string): number | null {
  const t = uri.trim();
  if (!t.startsWith(ADDRESS_BOOK_SYNC_PREFIX)) return null;
  const n = t.slice(ADDRESS_BOOK_SYNC_PREFIX.length);
  return /^\d{1,10}$/.test(n) ? Number(n) : null;
}

/** What GET and PROPFIND say an inbox item is: an iTIP message, whatever its component. */
export const INBOX_ITEM_CONTENT_TYPE = 'text/calendar; charset=utf-8';

/** What GET, PROPFIND and the reports say a card is: vCard, in the version it was stored in. */
export const CARD_CONTENT_TYPE = 'text/vcard; charset=utf-8';

const href = (text: string): XmlNode => ({ name: d('href'), text });
const principalHref = (ctx: PropContext, username: string) => hrefFor(ctx.davRoot, ['principals', username], true);
const usernameOf = (principaluri: string) => principaluri.replace(/^principals\//, '');

function httpDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toUTCString();
}

export function contentTypeOf(componenttype: string): string {
  return `text/calendar; charset=utf-8; component=${componenttype.toLowerCase()}`;
}

function reports(names: XmlNode[]): XmlNode[] {
  return names.map((n) => ({ name: d('supported-report'), children: [{ name: d('report'), children: [n] }] }));
}

const COMPONENT_SETS: readonly (readonly ComponentType[])[] = [
  ['VEVENT'],
  ['VTODO'],
  ['VJOURNAL'],
  ['VEVENT', 'VTODO'],
  ['VEVENT', 'VJOURNAL'],
  ['VTODO', 'VJOURNAL'],
  ['VEVENT', 'VTODO', 'VJOURNAL'],
];

const CALENDARS: readonly Target[] = ['calendar', 'new-calendar'];
const COLOR = /^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/;
const VALID_CALENDAR_DATA: Precondition = { namespace: 'urn:ietf:params:xml:ns:caldav', name: 'valid-calendar-data' };
const SUPPORTED_COMPONENT: Precondition = { namespace: 'urn:ietf:params:xml:ns:caldav', name: 'supported-calendar-component' };
/** RFC 6638 §9.2: the value must name one of the user's calendars that can take invitations. */
export const VALID_DEFAULT_CALENDAR: Precondition = { namespace: 'urn:ietf:params:xml:ns:caldav', name: 'valid-schedule-default-calendar-URL' };

/**
 * A calendar column set from the element's value: `parse` gives the value or a refusal; removing
 * it restores `cleared`.
 */
function calendarField<K extends keyof CalendarChanges>(
  field: K,
  parse: (el: XmlElement, limits: WriteLimits) => CalendarChanges[K] | Refusal,
  cleared: CalendarChanges[K],
): LiveWrite {
  return {
    targets: CALENDARS,
    set: (el, _target, out, limits) => {
      const value = parse(el, limits);
      if (value instanceof Refusal) return value;
      out.calendar[field] = value;
      return null;
    },
    remove: (_target, out) => {
      out.calendar[field] = cleared;
    },
  };
}

const trimmed = (el: XmlElement) => textOf(el).trim();

function parseCalendarTimezone(el: XmlElement, limits: WriteLimits): string | null | Refusal {
  const value = trimmed(el);
  if (!value) return null;
  try {
    parseTimezoneCalendar(value, limits.maxTimezoneBytes);
  } catch (e) {
    return new Refusal(403, `calendar-timezone: ${e instanceof Error ? e.message : String(e)}`, VALID_CALENDAR_DATA);
  }
  return value;
}

function parseComponents(el: XmlElement): ComponentType[] | Refusal {
  const comps = el.children.filter((x) => x.name === c('comp')).map((x) => (x.attrs.get('name') ?? '').toUpperCase());
  const bad = comps.find((x) => !isComponentType(x));
  if (bad !== undefined || !comps.length) {
    return new Refusal(403, `components must be among VEVENT, VTODO, VJOURNAL${bad ? ` (not ${bad})` : ''}`, SUPPORTED_COMPONENT);
  }
  return comps as ComponentType[];
}

const COLLECTIONS: readonly ResourceKind[] = [
  'root',
  'principals',
  'homes',
  'home',
  'inbox',
  'outbox',
  'calendar',
  'addressbook-homes',
  'addressbook-home',
  'addressbook',
];

const ADDRESS_BOOKS: readonly Target[] = ['addressbook', 'new-addressbook'];
const isAddressBook = (target: Target) => target === 'addressbook' || target === 'new-addressbook';
/** vCard versions a card may be stored in (RFC 6352 §6.2.2); cards are kept as sent, never converted. */
export const VCARD_VERSIONS = ['3.0', '4.0'] as const;

export const LIVE: ReadonlyMap<string, LiveProperty> = new Map<string, LiveProperty>([
  [
    d('resourcetype'),
    {
      kinds: 'all',
      allprop: true,
      get: (r) => {
        switch (r.kind) {
          case 'object':
          case 'card':
          case 'inbox-item':
            return [];
          case 'principal':
            return [{ name: d('principal') }];
          case 'calendar':
            return [{ name: d('collection') }, { name: c('calendar') }];
          case 'addressbook':
            return [{ name: d('collection') }, { name: card('addressbook') }];
          case 'inbox':
            return [{ name: d('collection') }, { name: c('schedule-inbox') }];
          case 'outbox':
            return [{ name: d('collection') }, { name: c('schedule-outbox') }];
          default:
            return [{ name: d('collection') }];
        }
      },
      // Extended MKCOL names the resource type it makes; the method checks it is a calendar or an
      // address book, whichever its place allows.
      write: {
        targets: ['new-calendar', 'new-addressbook'],
        set: (el, _target, out) => {
          out.resourceTypes = el.children.map((x) => x.name);
          return null;
        },
      },
    },
  ],
  [
    d('displayname'),
    {
      kinds: ['principal', 'calendar', 'home', 'root', 'principals', 'homes', 'addressbook', 'addressbook-home'],
      allprop: true,
      get: (r) => {
        switch (r.kind) {
          case 'principal':
            return r.user.displayName ?? r.user.username;
          case 'calendar':
            return r.cal.displayname;
          case 'addressbook':
            return r.book.displayname;
          case 'home':
          case 'addressbook-home':
            return r.username;
          default:
            return null;
        }
      },
      write: {
        targets: [...CALENDARS, ...ADDRESS_BOOKS, 'principal'],
        set: (el, target, out) => {
          const text = trimmed(el);
          const max = isAddressBook(target) ? MAX_ADDRESS_BOOK_NAME_LENGTH : MAX_CALENDAR_NAME_LENGTH;
          if (text.length > max) return new Refusal(409, `displayname is too long (${max} characters at most)`);
          if (target === 'principal') out.principalDisplayName = text || null;
          else if (isAddressBook(target)) out.addressBook.displayname = text || null;
          else out.calendar.displayname = text || null;
          return null;
        },
        remove: (target, out) => {
          if (target === 'principal') out.principalDisplayName = null;
          else if (isAddressBook(target)) out.addressBook.displayname = null;
          else out.calendar.displayname = null;
        },
      },
    },
  ],
  [
    d('current-user-principal'),
    {
      kinds: 'all',
      allprop: false,
      get: (_r, ctx) => (ctx.viewer ? [href(principalHref(ctx, usernameOf(ctx.viewer.principaluri)))] : [{ name: d('unauthenticated') }]),
    },
  ],
  [
    d('current-user-privilege-set'),
    { kinds: 'all', allprop: false, get: (r, ctx) => privilegeSetXml(privilegesFor(r, ctx.viewer)) },
  ],
  [
    d('principal-collection-set'),
    { kinds: 'all', allprop: false, get: (_r, ctx) => [href(hrefFor(ctx.davRoot, ['principals'], true))] },
  ],
  [
    d('owner'),
    {
      kinds: ['principal', 'home', 'inbox', 'outbox', 'inbox-item', 'calendar', 'object', 'addressbook-home', 'addressbook', 'card'],
      allprop: false,
      get: (r, ctx) => {
        switch (r.kind) {
          case 'principal':
            return [href(principalHref(ctx, r.user.username))];
          case 'home':
          case 'inbox':
          case 'outbox':
          case 'inbox-item':
          case 'addressbook-home':
            return [href(principalHref(ctx, r.username))];
          case 'addressbook':
          case 'card':
            return [href(principalHref(ctx, usernameOf(r.book.principaluri)))];
          case 'calendar':
          case 'object':
            return [href(principalHref(ctx, usernameOf(r.cal.ownerPrincipaluri)))];
          default:
            return null;
        }
      },
    },
  ],
  [
    d('supported-report-set'),
    {
      kinds: COLLECTIONS.concat(['principal']),
      allprop: false,
      get: (r) => reports(supportedReports(r.kind).map((name) => ({ name }))),
    },
  ],
  // Principals
  [d('principal-URL'), { kinds: ['principal'], allprop: true, get: (r, ctx) => (r.kind === 'principal' ? [href(principalHref(ctx, r.user.username))] : null) }],
  [
    c('calendar-home-set'),
    {
      kinds: ['principal'],
      allprop: false,
      get: (r, ctx) => (r.kind === 'principal' ? [href(hrefFor(ctx.davRoot, ['calendars', r.user.username], true))] : null),
    },
  ],
  [
    card('addressbook-home-set'),
    {
      kinds: ['principal'],
      allprop: false,
      get: (r, ctx) => (r.kind === 'principal' ? [href(hrefFor(ctx.davRoot, ['addressbooks', r.user.username], true))] : null),
    },
  ],
  [
    c('calendar-user-address-set'),
    {
      kinds: ['principal'],
      allprop: false,
      get: (r, ctx) => {
        if (r.kind !== 'principal') return null;
        const out = r.user.email ? [href(`mailto:${r.user.email}`)] : [];
        return [...out, href(principalHref(ctx, r.user.username))];
      },
    },
  ],
  [
    cs('email-address-set'),
    {
      kinds: ['principal'],
      allprop: false,
      get: (r) => (r.kind === 'principal' && r.user.email ? [{ name: cs('email-address'), text: r.user.email }] : null),
    },
  ],
  [d('alternate-URI-set'), { kinds: ['principal'], allprop: false, get: (r) => (r.kind === 'principal' && r.user.email ? [href(`mailto:${r.user.email}`)] : []) }],
  [c('calendar-user-type'), { kinds: ['principal'], allprop: false, get: () => 'INDIVIDUAL' }],
  [
    c('schedule-inbox-URL'),
    { kinds: ['principal'], allprop: false, get: (r, ctx) => (r.kind === 'principal' ? [href(hrefFor(ctx.davRoot, ['calendars', r.user.username, 'inbox'], true))] : null) },
  ],
  [
    c('schedule-outbox-URL'),
    { kinds: ['principal'], allprop: false, get: (r, ctx) => (r.kind === 'principal' ? [href(hrefFor(ctx.davRoot, ['calendars', r.user.username, 'outbox'], true))] : null) },
  ],
  [
    c('schedule-default-calendar-URL'),
    {
      kinds: ['inbox'],
      allprop: false,
      get: (r, ctx) => (r.kind === 'inbox' && ctx.defaultCalendarUri ? [href(hrefFor(ctx.davRoot, ['calendars', r.username, ctx.defaultCalendarUri], true))] : null),
      // Writable (RFC 6638 §9.2): one DAV:href here; methods/proppatch.ts resolves it and the
      // domain decides whether that calendar may take invitations.
      write: {
        targets: ['inbox'],
        set: (el, _target, out) => {
          const hrefs = el.children.filter((x) => x.name === d('href'));
          const text = hrefs.length === 1 ? textOf(hrefs[0] as XmlElement).trim() : '';
          if (!text) return new Refusal(403, 'schedule-default-calendar-URL takes the DAV:href of one of your calendars', VALID_DEFAULT_CALENDAR);
          out.scheduleDefaultCalendarHref = text;
          return null;
        },
        remove: (_target, out) => {
          out.scheduleDefaultCalendarHref = null;
        },
      },
    },
  ],
  [d('group-membership'), { kinds: ['principal'], allprop: false, get: () => [] }],
  [d('group-member-set'), { kinds: ['principal'], allprop: false, get: () => [] }],
  [cs('calendar-proxy-read-for'), { kinds: ['principal'], allprop: false, get: () => [] }],
  [cs('calendar-proxy-write-for'), { kinds: ['principal'], allprop: false, get: () => [] }],
  // Calendars
  [
    d('sync-token'),
    {
      kinds: ['calendar', 'home', 'inbox', 'addressbook', 'addressbook-home'],
      allprop: false,
      get: (r) => {
        switch (r.kind) {
          case 'calendar':
            return syncTokenUri(r.cal.synctoken);
          case 'home':
            return homeSyncTokenUri(r.synctoken);
          case 'inbox':
            return inboxSyncTokenUri(r.synctoken);
          case 'addressbook':
            return addressBookSyncTokenUri(r.book.synctoken);
          case 'addressbook-home':
            return addressBookHomeSyncTokenUri(r.synctoken);
          default:
            return null;
        }
      },
    },
  ],
  [
    cs('getctag'),
    {
      // The address-book home has one too (CalendarServer's, which CalDAVTester's CardDAV scripts read).
      kinds: ['calendar', 'inbox', 'addressbook', 'addressbook-home'],
      allprop: false,
      get: (r) => {
        switch (r.kind) {
          case 'calendar':
            return syncTokenUri(r.cal.synctoken);
          case 'inbox':
            return inboxSyncTokenUri(r.synctoken);
          case 'addressbook':
            return addressBookSyncTokenUri(r.book.synctoken);
          case 'addressbook-home':
            return addressBookHomeSyncTokenUri(r.synctoken);
          default:
            return null;
        }
      },
    },
  ],
  [
    c('calendar-description'),
    {
      kinds: ['calendar'],
      allprop: false,
      get: (r) => (r.kind === 'calendar' ? r.cal.description : null),
      write: calendarField('description', (el) => textOf(el) || null, null),
    },
  ],
  [
    c('calendar-timezone'),
    {
      kinds: ['calendar'],
      allprop: false,
      get: (r) => (r.kind === 'calendar' ? r.cal.timezone : null),
      write: calendarField('timezone', parseCalendarTimezone, null),
    },
  ],
  [
    // CalendarServer's list of the component sets MKCALENDAR accepts here: any non-empty mix.
    c('supported-calendar-component-sets'),
    {
      kinds: ['home'],
      allprop: false,
      get: () =>
        COMPONENT_SETS.map((set) => ({ name: c('supported-calendar-component-set'), children: set.map((name) => ({ name: c('comp'), attrs: { name } })) })),
    },
  ],
  [
    c('supported-calendar-component-set'),
    {
      kinds: ['calendar'],
      allprop: false,
      get: (r) => (r.kind === 'calendar' ? r.cal.components.map((name) => ({ name: c('comp'), attrs: { name } })) : null),
      // Chosen when the calendar is made; changing it later would strand objects of other kinds.
      write: {
        targets: ['new-calendar'],
        set: (el, _target, out) => {
          const comps = parseComponents(el);
          if (comps instanceof Refusal) return comps;
          out.calendar.components = comps;
          return null;
        },
      },
    },
  ],
  [
    c('supported-calendar-data'),
    {
      kinds: ['calendar'],
      allprop: false,
      get: () => [{ name: c('calendar-data'), attrs: { 'content-type': 'text/calendar', version: '2.0' } }],
    },
  ],
  [c('max-resource-size'), { kinds: ['calendar'], allprop: false, get: (_r, ctx) => String(ctx.config.limits.maxObjectBytes) }],
  [
    apple('calendar-color'),
    {
      kinds: ['calendar'],
      allprop: false,
      get: (r) => (r.kind === 'calendar' ? r.cal.color : null),
      write: calendarField(
        'color',
        (el) => {
          const text = trimmed(el);
          return text && !COLOR.test(text) ? new Refusal(409, 'calendar-color must be #RRGGBB or #RRGGBBAA') : text || null;
        },
        null,
      ),
    },
  ],
  [
    apple('calendar-order'),
    {
      kinds: ['calendar'],
      allprop: false,
      get: (r) => (r.kind === 'calendar' ? String(r.cal.order) : null),
      write: calendarField(
        'order',
        (el) => {
          const text = trimmed(el);
          return text && !/^-?\d{1,9}$/.test(text) ? new Refusal(409, 'calendar-order must be an integer') : text ? Number(text) : 0;
        },
        0,
      ),
    },
  ],
  [
    c('schedule-calendar-transp'),
    {
      kinds: ['calendar'],
      allprop: false,
      get: (r) => (r.kind === 'calendar' ? [{ name: c(r.cal.transparent ? 'transparent' : 'opaque') }] : null),
      write: calendarField('transparent', (el) => el.children.some((x) => x.name === c('transparent')), false),
    },
  ],
  // Address books (RFC 6352 §6.2)
  [
    card('addressbook-description'),
    {
      kinds: ['addressbook'],
      allprop: false,
      get: (r) => (r.kind === 'addressbook' ? r.book.description : null),
      write: {
        targets: ADDRESS_BOOKS,
        set: (el, _target, out) => {
          out.addressBook.description = textOf(el) || null;
          return null;
        },
        remove: (_target, out) => {
          out.addressBook.description = null;
        },
      },
    },
  ],
  [
    card('supported-address-data'),
    {
      kinds: ['addressbook'],
      allprop: false,
      get: () => VCARD_VERSIONS.map((version) => ({ name: card('address-data-type'), attrs: { 'content-type': 'text/vcard', version } })),
    },
  ],
  [card('max-resource-size'), { kinds: ['addressbook'], allprop: false, get: (_r, ctx) => String(ctx.config.limits.maxObjectBytes) }],
  // Objects, and calendars as far as their GET (the export) goes: RFC 4918 §15.5 and §15.6 define
  // getcontenttype and getetag for every resource whose GET answers those headers.
  [
    d('getetag'),
    {
      kinds: ['object', 'calendar', 'card', 'inbox-item'],
      allprop: true,
      get: (r) =>
        (r.kind === 'object' || r.kind === 'card' || r.kind === 'inbox-item') && r.meta
          ? `"${r.meta.etag}"`
          : r.kind === 'calendar'
            ? `"${exportEtag(r.cal, PLAIN_EXPORT)}"`
            : null,
    },
  ],
  [
    // RFC 6638 §9.3 (a quoted opaque-tag, as the Schedule-Tag header): only scheduling objects have one.
    c('schedule-tag'),
    {
      kinds: ['object'],
      allprop: false,
      get: (r) => (r.kind === 'object' && r.meta?.scheduletag ? `"${r.meta.scheduletag}"` : null),
    },
  ],
  [
    d('getcontenttype'),
    {
      kinds: ['object', 'calendar', 'card', 'inbox-item'],
      allprop: true,
      get: (r) => {
        if (r.kind === 'object' && r.meta) return contentTypeOf(r.meta.componenttype);
        if (r.kind === 'card' && r.meta) return CARD_CONTENT_TYPE;
        if (r.kind === 'inbox-item' && r.meta) return INBOX_ITEM_CONTENT_TYPE;
        return r.kind === 'calendar' ? 'text/calendar; charset=utf-8' : null;
      },
    },
  ],
  [
    d('getcontentlength'),
    {
      kinds: ['object', 'card', 'inbox-item'],
      allprop: true,
      get: (r) => ((r.kind === 'object' || r.kind === 'card' || r.kind === 'inbox-item') && r.meta ? String(r.meta.size) : null),
    },
  ],
  [
    d('getlastmodified'),
    {
      kinds: ['object', 'card', 'inbox-item'],
      allprop: true,
      get: (r) => ((r.kind === 'object' || r.kind === 'card' || r.kind === 'inbox-item') && r.meta ? httpDate(r.meta.lastmodified) : null),
    },
  ],
]);

/** Where a resource's dead properties are stored (null: it cannot have any). */
export function deadPropertyPath(r: Resource): string | null {
  switch (r.kind) {
    case 'calendar':
      return calendarPath(r.cal.principaluri, r.cal.uri);
    case 'home':
      return `calendars/${r.username}`;
    // Clients keep their own properties on the inbox (the default calendar is a live one).
    case 'inbox':
      return `calendars/${r.username}/inbox`;
    case 'principal':
      return r.user.principalUri;
    case 'addressbook':
      return addressBookPath(r.book.principaluri, r.book.uri);
    case 'addressbook-home':
      return `addressbooks/${r.username}`;
    default:
      return null;
  }
}

export function applies(p: LiveProperty, r: Resource): boolean {
  return p.kinds === 'all' || p.kinds.includes(r.kind);
}

export interface PropAnswer {
  found: XmlNode[];
  missing: XmlNode[];
}

function deadNode(p: DeadProperty): XmlNode {
  return p.isXml ? { raw: p.value } : { name: p.name, text: p.value };
}

function liveNode(name: string, value: PropValue): XmlNode {
  return typeof value === 'string' ? { name, text: value } : { name, children: value };
}

/** Values of the named properties of a resource (PROPFIND prop). */
export function answerProps(r: Resource, names: string[], ctx: PropContext, namesOnly = false): PropAnswer {
  const found: XmlNode[] = [];
  const missing: XmlNode[] = [];
  const deadPath = deadPropertyPath(r);
  const dead = deadPath ? (ctx.dead.get(deadPath) ?? []) : [];
  for (const name of names) {
    const live = LIVE.get(name);
    if (live) {
      const value = applies(live, r) ? live.get(r, ctx) : null;
      if (value === null) missing.push({ name });
      else found.push(namesOnly ? { name } : liveNode(name, value));
      continue;
    }
    const dp = dead.find((x) => x.name === name);
    if (dp) found.push(namesOnly ? { name } : deadNode(dp));
    else missing.push({ name });
  }
  return { found, missing };
}

/** allprop: live properties meant for it, plus every dead property, plus the `include`d ones. */
export function allProps(r: Resource, ctx: PropContext, include: string[] = []): PropAnswer {
  const names = [...LIVE].filter(([, p]) => p.allprop && applies(p, r)).map(([n]) => n);
  const deadPath = deadPropertyPath(r);
  const dead = deadPath ? (ctx.dead.get(deadPath) ?? []) : [];
  const answer = answerProps(r, [...new Set([...names, ...include])], ctx);
  return { found: [...answer.found.filter((n) => !('name' in n) || !dead.some((x) => x.name === n.name)), ...dead.map(deadNode)], missing: answer.missing.filter((m) => 'name' in m && include.includes(m.name)) };
}

/** propname: the names of every property the resource has. */
export function propNames(r: Resource, ctx: PropContext): PropAnswer {
  const names = [...LIVE].filter(([, p]) => applies(p, r) && p.get(r, ctx) !== null).map(([n]) => n);
  const deadPath = deadPropertyPath(r);
  const dead = deadPath ? (ctx.dead.get(deadPath) ?? []) : [];
  return { found: [...names, ...dead.map((x) => x.name)].map((name) => ({ name })), missing: [] };
}

