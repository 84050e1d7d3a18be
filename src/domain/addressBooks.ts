// CardDAV address books (RFC 6352 §5.2) as their owner sees them: listing, creation, properties
// (live and dead) and removal. Cards inside them live in cards.ts. Only the owner sees a book for
// now; sharing comes later, and will go through the predicates of access.ts like calendars.
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { AddressBook, PropertyStorage } from '../db/entities/index.ts';
import * as bookTable from '../db/tables/addressBooks.ts';
import type { AddressBookRow } from '../db/tables/addressBooks.ts';
import { OWNER_ACCESS, owns } from './access.ts';
import { writeDeadProps, type Actor, type DeadProperty } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';

export interface AddressBookView {
  id: number;
  /** The owner's principal, e.g. principals/alice. */
  principaluri: string;
  /** The owner's username. */
  username: string;
  uri: string;
  displayname: string | null;
  description: string | null;
  synctoken: number;
  cardCount: number;
}

export interface AddressBookHomeChanges {
  /** Books created or changed since the token, as they are now. */
  changed: AddressBookView[];
  /** Names of books removed since the token. */
  removed: string[];
  /** The token that represents the state answered. */
  token: number;
  /** True when `limit` cut the answer short. */
  truncated: boolean;
}

export interface AddressBookChanges {
  displayname?: string | null;
  description?: string | null;
  deadSet?: DeadProperty[];
  deadRemove?: string[];
}

/** The address book every user starts with (as Davis makes it). */
export const DEFAULT_ADDRESS_BOOK_URI = 'default';
export const DEFAULT_ADDRESS_BOOK_NAME = 'Contacts';
/** The longest address-book name the store holds (the column's length). */
export const MAX_ADDRESS_BOOK_NAME_LENGTH = 255;

/** The same rule as calendar names (calendars.ts checkCalendarUri): one path segment the column holds. */
export function checkAddressBookUri(uri: string): void {
  if (!uri || uri.length > 200 || uri === '.' || uri === '..' || /[\/\u0000-\u001f]/.test(uri)) {
    throw invalid(`"${uri}" cannot be an address book name`);
  }
}

/** What the store can hold, whichever face asks: name length, no NUL (PostgreSQL text cannot hold it). */
function checkFields(f: AddressBookChanges): void {
  if (f.displayname && f.displayname.length > MAX_ADDRESS_BOOK_NAME_LENGTH) {
    throw invalid(`an address book name may be at most ${MAX_ADDRESS_BOOK_NAME_LENGTH} characters`, { field: 'displayname' });
  }
  for (const [field, v] of [['displayname', f.displayname], ['description', f.description]] as const) {
    if (v?.includes('\u0000')) throw invalid(`the ${field} contains a NUL character`, { field });
  }
}

/** Where an address book's dead properties are kept in propertystorage (sabre's paths). */
export function addressBookPath(principaluri: string, uri: string): string {
  return `addressbooks/${usernameOf(principaluri)}/${uri}`;
}

function usernameOf(principaluri: string): string {
  return principaluri.replace(/^principals\//, '');
}

function toView(r: AddressBookRow): AddressBookView {
  return {
    id: r.id,
    principaluri: r.principaluri,
    username: usernameOf(r.principaluri),
    uri: r.uri,
    displayname: r.displayname,
    description: r.description,
    synctoken: r.synctoken,
    cardCount: r.cardcount,
  };
}

/** The owner's level: every book a principal has is their own until address books can be shared. */
const OWNED = { access: OWNER_ACCESS } as const;

/** Whether `actor` may see and change `book` (its owner). */
export function isOwner(actor: Actor | null, book: { principaluri: string }): actor is Actor {
  return actor !== null && actor.principaluri === book.principaluri && owns(OWNED);
}

const nameTaken = (uri: string) =>
  conflict(`an address book named ${uri} already exists`, {
    precondition: { namespace: 'DAV:', name: 'resource-must-be-null' },
    code: 'exists',
  });

/** Creates an address book inside the caller's transaction (UserService.create makes the default one with it). */
export async function insertAddressBook(em: SqlEntityManager, principaluri: string, uri: string, fields: AddressBookChanges, at: Date): Promise<number> {
  checkAddressBookUri(uri);
  checkFields(fields);
  if (await em.count(AddressBook, { principaluri, uri })) throw nameTaken(uri);
  const book = em.create(AddressBook, {
    principaluri,
    uri,
    displayname: fields.displayname ?? null,
    description: fields.description ?? null,
    synctoken: 1,
    syncFloor: 1,
    cardcount: 0,
  });
  await em.flush();
  if (fields.deadSet?.length) await writeDeadProps(em, addressBookPath(principaluri, uri), fields.deadSet, []);
  await bookTable.bumpHome(em, principaluri, uri, false, at);
  return book.id;
}

/** Runs inside the transaction that removes a book, before it goes (the birthday calendar drops its events); throwing aborts the removal. */
export type AddressBookRemoveListener = (em: SqlEntityManager, book: AddressBookView) => Promise<void>;

export class AddressBookService {
  private readonly removeListeners: AddressBookRemoveListener[] = [];

  constructor(private readonly ctx: DomainContext) {}

  /** `listener` runs in the transaction of every book removal (its cards go by cascade, with no card write each). */
  onRemove(listener: AddressBookRemoveListener): void {
    this.removeListeners.push(listener);
  }

  /** The actor's own address books, by uri. */
  async list(actor: Actor): Promise<AddressBookView[]> {
    return (await bookTable.selectBooks(this.ctx.db.em(), { principaluri: actor.principaluri })).map(toView);
  }

  /** The book `uri` of `username`; null when it is not there or the actor may not see it. */
  async get(actor: Actor | null, username: string, uri: string): Promise<AddressBookView | null> {
    if (!actor || actor.username !== username) return null;
    const [row] = await bookTable.selectBooks(this.ctx.db.em(), { principaluri: actor.principaluri, uri });
    return row && isOwner(actor, row) ? toView(row) : null;
  }

  /** Creates a book in the actor's home; Conflict when the name is taken, Invalid for a bad name. */
  async create(actor: Actor, uri: string, fields: AddressBookChanges = {}): Promise<AddressBookView> {
    try {
      const id = await this.ctx.db.transactional((em) => insertAddressBook(em, actor.principaluri, uri, fields, this.ctx.clock.now()));
      return await this.byId(id);
    } catch (e) {
      // Two creates racing for one name: the unique index decides.
      if (e instanceof UniqueConstraintViolationException) throw nameTaken(uri);
      throw e;
    }
  }

  private async byId(id: number): Promise<AddressBookView> {
    const [row] = await bookTable.selectBooks(this.ctx.db.em(), { id });
    if (!row) throw notFound('the address book is gone');
    return toView(row);
  }

  /** Applies property changes atomically; returns the book as it is now. */
  async update(actor: Actor, book: AddressBookView, changes: AddressBookChanges): Promise<AddressBookView> {
    if (!isOwner(actor, book)) throw notFound('no such address book');
    checkFields(changes);
    await this.ctx.db.transactional(async (em) => {
      const set: { displayname?: string | null; description?: string | null } = {};
      if (changes.displayname !== undefined) set.displayname = changes.displayname;
      if (changes.description !== undefined) set.description = changes.description;
      if (Object.keys(set).length) {
        if (!(await em.nativeUpdate(AddressBook, { id: book.id }, set))) throw notFound('the address book is gone');
      }
      if (changes.deadSet?.length || changes.deadRemove?.length) {
        await writeDeadProps(em, addressBookPath(book.principaluri, book.uri), changes.deadSet ?? [], changes.deadRemove ?? []);
      }
      await bookTable.bumpHome(em, book.principaluri, book.uri, false, this.ctx.clock.now());
    });
    return this.byId(book.id);
  }

  /** Removes the book with its cards, change log and dead properties. */
  async remove(actor: Actor, book: AddressBookView): Promise<void> {
    if (!isOwner(actor, book)) throw notFound('no such address book');
    await this.ctx.db.transactional(async (em) => {
      for (const l of this.removeListeners) await l(em, book);
      const path = addressBookPath(book.principaluri, book.uri);
      await em.nativeDelete(PropertyStorage, { $or: [{ path }, { path: { $like: `${escapeLike(path)}/%` } }] });
      // Cascades: cards, addressbookchanges.
      if (!(await em.nativeDelete(AddressBook, { id: book.id }))) throw notFound('the address book is gone already');
      await bookTable.bumpHome(em, book.principaluri, book.uri, true, this.ctx.clock.now());
    });
  }

  async deadProperties(book: AddressBookView): Promise<DeadProperty[]> {
    const rows = await this.ctx.db.em().find(PropertyStorage, { path: addressBookPath(book.principaluri, book.uri) }, { orderBy: { id: 'asc' } });
    return rows.map((r) => ({ name: r.name, value: r.value, isXml: r.valuetype === 2 }));
  }

  /**
   * The token of a user's address-book home (getctag, sync-token): it moves whenever a book of the
   * home appears, changes or goes, and with every card write.
   */
  async homeToken(username: string): Promise<number> {
    const token = await bookTable.homeToken(this.ctx.db.em(), `principals/${username}`);
    if (token === null) throw notFound('no such address book home');
    return token;
  }
  /**
   * What changed in the actor's address-book home since `token` (RFC 6578 on the home): the books
   * created or changed (in their properties or cards) as they are now, and the names of those
   * removed; Forbidden with DAV:valid-sync-token for a token it cannot answer.
   */
  async homeChangesSince(actor: Actor, token: number, limit?: number): Promise<AddressBookHomeChanges> {
    const em = this.ctx.db.em();
    const state = await bookTable.homeSyncState(em, actor.principaluri);
    if (!state) throw notFound('no such address book home');
    if (!Number.isSafeInteger(token) || token < state.floor || token > state.synctoken) {
      throw forbidden('the sync token is unknown or expired; sync again from scratch', { precondition: { namespace: 'DAV:', name: 'valid-sync-token' } });
    }
    let rows = await bookTable.selectHomeChanges(em, actor.principaluri, token, state.synctoken);
    let upTo = state.synctoken;
    let truncated = false;
    if (limit !== undefined && rows.length > limit) {
      upTo = (rows[limit] as { synctoken: number }).synctoken;
      rows = rows.slice(0, limit);
      truncated = true;
    }
    const books = new Map((await this.list(actor)).map((b) => [b.uri, b]));
    const changed: AddressBookView[] = [];
    const removed: string[] = [];
    for (const r of rows) {
      // A book removed after the log was read is reported removed; the next sync agrees.
      const book = r.deleted ? undefined : books.get(r.uri);
      if (book) changed.push(book);
      else removed.push(r.uri);
    }
    return { changed, removed, token: upTo, truncated };
  }

}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
