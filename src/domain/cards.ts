// Cards (vCards) in address books. This is the ONE write path for cards: every face that creates,
// changes or deletes one comes through here. A write validates the vCard, locks the address book
// row, checks If-Match/If-None-Match and the UID, stores the text as sent, bumps the book's sync
// token, appends to its change log and runs the card listeners (the birthday calendar) — all in
// one transaction.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import * as bookTable from '../db/tables/addressBooks.ts';
import * as cardTable from '../db/tables/cards.ts';
import type { CardRow } from '../db/tables/cards.ts';
import type { AddressFilter } from '../vcard/filter.ts';
import { parseCard, VcardError, type ParsedCard } from '../vcard/parse.ts';
import { isOwner, type AddressBookView } from './addressBooks.ts';
import type { Actor } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { CARDDAV_NS, conflict, forbidden, invalid, notFound, preconditionFailed, tooLarge, type DomainError } from './errors.ts';
import { OP_ADDED, OP_DELETED, OP_MODIFIED, readChangeLog } from './changeLog.ts';
import { checkConditions, etagOf, type WriteConditions } from './objects.ts';

export interface CardMeta {
  id: number;
  uri: string;
  etag: string;
  size: number;
  lastmodified: number;
}

export interface StoredCard extends CardMeta {
  uid: string;
  data: string;
}

export interface CardChanges {
  /** Cards created or changed since the token, as they are now. */
  changed: CardMeta[];
  /** Names of cards removed since the token. */
  removed: string[];
  /** The token that represents the state answered. */
  token: number;
  /** True when `limit` cut the answer short (the client asks again with `token`). */
  truncated: boolean;
}

export type CardChangeKind = 'created' | 'updated' | 'deleted';

export interface CardChange {
  kind: CardChangeKind;
  book: AddressBookView;
  uri: string;
  uid: string;
  /** The new text (created, updated). */
  data?: string;
  /** The text before the change (updated, deleted). */
  previous?: string;
  actor: Actor | null;
}

/** Runs inside the card write's transaction (the birthday calendar hooks in here); throwing aborts the write. */
export type CardListener = (em: SqlEntityManager, change: CardChange) => Promise<void>;

/** Cards per compute-pool call when matching a query (a batch is split so that both threads work). */
const MATCH_PART = 250;
/** About how much content one batch of cards holds. */
const READ_BATCH_CHARS = 8 * 1024 * 1024;

/** A card name: one path segment the column holds. */
export function checkCardUri(uri: string): void {
  if (!uri || uri.length > 200 || uri === '.' || uri === '..' || /[\/\u0000-\u001f]/.test(uri)) {
    throw invalid(`"${uri}" cannot be a card name`);
  }
}

/** Validates a vCard body for storing; the failure as a domain error with its CardDAV precondition. */
export function validateCard(body: Uint8Array | string, maxBytes: number): ParsedCard {
  try {
    return parseCard(body, maxBytes);
  } catch (e) {
    if (!(e instanceof VcardError)) throw e;
    throw cardError(e);
  }
}

function cardError(e: VcardError): DomainError {
  const precondition = { namespace: CARDDAV_NS, name: e.failure } as const;
  if (e.failure === 'max-resource-size') return tooLarge(e.message, { precondition });
  return invalid(e.message, { precondition });
}

function toMeta(r: CardRow): CardMeta {
  return { id: r.id, uri: r.uri, etag: r.etag, size: r.size, lastmodified: r.lastmodified };
}

function toStored(r: CardRow): StoredCard {
  return { ...toMeta(r), uid: r.uid ?? '', data: r.carddata ?? '' };
}

export class CardService {
  private readonly listeners: CardListener[] = [];

  constructor(private readonly ctx: DomainContext) {}

  /** `listener` runs in the transaction of every card write, in the order added. */
  onWrite(listener: CardListener): void {
    this.listeners.push(listener);
  }

  private requireWrite(actor: Actor | null, book: AddressBookView): Actor {
    if (!isOwner(actor, book)) throw notFound('no such address book');
    return actor;
  }

  /** Creates or replaces the card at `uri` with `body`, stored as sent. */
  async put(actor: Actor, book: AddressBookView, uri: string, body: string | Uint8Array, cond: WriteConditions = {}): Promise<{ etag: string; created: boolean }> {
    const who = this.requireWrite(actor, book);
    checkCardUri(uri);
    const card = validateCard(body, this.ctx.config.limits.maxObjectBytes);
    return this.ctx.db.transactional((em) => this.store(em, who, book, uri, card, cond));
  }

  async delete(actor: Actor, book: AddressBookView, uri: string, cond: WriteConditions = {}): Promise<void> {
    const who = this.requireWrite(actor, book);
    await this.ctx.db.transactional((em) => this.remove(em, who, book, uri, cond));
  }

  /**
   * Copies (`keepSource`) or moves a card, possibly into another of the actor's address books, in
   * one transaction: a failure at the destination (its UID taken there, Overwrite F) leaves the
   * source as it was, and no reader sees the card in both places or in neither. `cond` speaks of
   * the source (RFC 4918 §10.4). Within one book a MOVE is a rename (the source goes first, so its
   * UID is free for the new name); a COPY there clashes with the source's UID (no-uid-conflict).
   */
  async transfer(
    actor: Actor,
    from: AddressBookView,
    fromUri: string,
    to: AddressBookView,
    toUri: string,
    opts: { overwrite: boolean; keepSource: boolean; cond: WriteConditions },
  ): Promise<{ etag: string; created: boolean }> {
    const who = this.requireWrite(actor, to);
    this.requireWrite(actor, from);
    checkCardUri(toUri);
    return this.ctx.db.transactional(async (em) => {
      // Both books locked in id order, so two opposite moves cannot deadlock.
      for (const id of [...new Set([from.id, to.id])].sort((a, b) => a - b)) {
        if (!(await bookTable.lockBook(em, id))) throw notFound('the address book is gone');
      }
      const source = await readStored(em, from.id, fromUri);
      if (!source) throw notFound('no such card');
      checkConditions(source.etag, opts.cond);
      if (from.id === to.id && fromUri === toUri) throw forbidden('source and destination are the same');
      const target = await cardTable.selectCard(em, to.id, toUri, false);
      if (target && !opts.overwrite) throw preconditionFailed('the destination exists and Overwrite is F');
      const card = validateCard(source.data, this.ctx.config.limits.maxObjectBytes);
      if (!opts.keepSource) await this.remove(em, who, from, fromUri, { ifMatch: [source.etag] });
      return this.store(em, who, to, toUri, card, target ? { ifMatch: [target.etag] } : { ifNoneMatch: ['*'] });
    });
  }

  /** The card write itself, in the caller's transaction: lock, conditions, UID rules, store, log. */
  private async store(em: SqlEntityManager, who: Actor, book: AddressBookView, uri: string, card: ParsedCard, cond: WriteConditions): Promise<{ etag: string; created: boolean }> {
    const etag = etagOf(card.text);
    const values: cardTable.CardValues = { text: card.text, etag, size: Buffer.byteLength(card.text), uid: card.uid, now: this.now() };
    const locked = await bookTable.lockBook(em, book.id);
    if (!locked) throw notFound('the address book is gone');
    const existing = await readStored(em, book.id, uri);
    checkConditions(existing?.etag ?? null, cond);
    if (existing && existing.uid !== card.uid) {
      // As for calendar objects: a name keeps its UID; a card with another UID needs a name of its own.
      throw conflict(`this resource holds the UID ${existing.uid}; a card with another UID needs a name of its own`, {
        precondition: { namespace: CARDDAV_NS, name: 'no-uid-conflict', href: uri },
      });
    }
    const clash = await cardTable.uriHoldingUid(em, book.id, card.uid, uri);
    if (clash !== undefined) {
      throw conflict(`another card in this address book already has the UID ${card.uid}`, {
        precondition: { namespace: CARDDAV_NS, name: 'no-uid-conflict', href: clash },
      });
    }
    const max = this.ctx.config.limits.maxObjectsPerCalendar;
    if (!existing && locked.cardcount >= max) {
      throw forbidden(`an address book may hold at most ${max} cards`, { precondition: { namespace: CARDDAV_NS, name: 'max-resource-size' } });
    }
    if (existing) await cardTable.updateCard(em, existing.id, values);
    else await cardTable.insertCard(em, book.id, uri, values);
    await this.follow(em, { kind: existing ? 'updated' : 'created', book, uri, uid: card.uid, data: card.text, previous: existing?.data, actor: who });
    await this.bumpAndLog(em, book, uri, existing ? OP_MODIFIED : OP_ADDED, existing ? 0 : 1);
    return { etag, created: !existing };
  }

  /** The card delete itself, in the caller's transaction. */
  private async remove(em: SqlEntityManager, who: Actor, book: AddressBookView, uri: string, cond: WriteConditions): Promise<void> {
    if (!(await bookTable.lockBook(em, book.id))) throw notFound('the address book is gone');
    const existing = await readStored(em, book.id, uri);
    if (!existing) throw notFound('no such card');
    checkConditions(existing.etag, cond);
    await cardTable.deleteCard(em, existing.id);
    await this.follow(em, { kind: 'deleted', book, uri, uid: existing.uid, previous: existing.data, actor: who });
    await this.bumpAndLog(em, book, uri, OP_DELETED, -1);
  }

  private async follow(em: SqlEntityManager, change: CardChange): Promise<void> {
    for (const l of this.listeners) await l(em, change);
  }

  private async bumpAndLog(em: SqlEntityManager, book: AddressBookView, uri: string, operation: number, countDelta: number): Promise<void> {
    if (!(await bookTable.bumpAndLog(em, book.id, uri, operation, countDelta, this.ctx.clock.now()))) throw notFound('the address book is gone');
  }

  private now(): number {
    return Math.floor(this.ctx.clock.now().getTime() / 1000);
  }

  async get(book: AddressBookView, uri: string): Promise<StoredCard | null> {
    return readStored(this.ctx.db.em(), book.id, uri);
  }

  async getMeta(book: AddressBookView, uri: string): Promise<CardMeta | null> {
    const row = await cardTable.selectCard(this.ctx.db.em(), book.id, uri, false);
    return row ? toMeta(row) : null;
  }

  /** Cards by name (addressbook-multiget), in batches, in no set order; names not there are left out. */
  async *getMany(book: AddressBookView, uris: string[]): AsyncGenerator<StoredCard[]> {
    for (let i = 0; i < uris.length; i += 1000) {
      const part = [...new Set(uris.slice(i, i + 1000))];
      if (part.length) yield* this.batches(book, part);
    }
  }

  /** Every card of the book with its text, in batches in name order (addressbook-query, export). */
  all(book: AddressBookView): AsyncGenerator<StoredCard[]> {
    return this.batches(book, null);
  }

  /**
   * The cards that match an addressbook-query filter (RFC 6352 §10.5), in batches in name order.
   * Matching reads every card of the book, so it runs in the compute pool, a batch split across
   * its threads: a large book costs the asker time, never the other users' requests a wait. A card
   * the matcher cannot read, or one that ran past the pool's deadline, does not match.
   */
  async *query(book: AddressBookView, filter: AddressFilter): AsyncGenerator<StoredCard[]> {
    for await (const batch of this.all(book)) {
      if (!filter.propFilters.length) {
        yield batch;
        continue;
      }
      const parts: StoredCard[][] = [];
      for (let i = 0; i < batch.length; i += MATCH_PART) parts.push(batch.slice(i, i + MATCH_PART));
      const outcomes = await Promise.all(parts.map((part) => this.ctx.compute.runBatch('matchCard', part.map((c) => c.data), filter)));
      yield parts.flatMap((part, i) => part.filter((_, j) => {
        const o = outcomes[i]?.[j];
        return o !== undefined && o.ok && o.value;
      }));
    }
  }

  private async *batches(book: AddressBookView, uris: string[] | null): AsyncGenerator<StoredCard[]> {
    let after: string | null = null;
    for (;;) {
      const rows = await cardTable.selectBatch(this.ctx.db.em(), book.id, after, uris, 1000, READ_BATCH_CHARS);
      if (!rows.length) return;
      yield rows.map(toStored);
      after = (rows[rows.length - 1] as CardRow).uri;
    }
  }

  /** Metadata of every card, in batches (PROPFIND Depth 1 never reads the text). */
  async *listMeta(book: AddressBookView, batch = 1000): AsyncGenerator<CardMeta[]> {
    let after = 0;
    for (;;) {
      const rows = await cardTable.selectMetaPage(this.ctx.db.em(), book.id, after, batch);
      if (!rows.length) return;
      yield rows.map(toMeta);
      after = (rows[rows.length - 1] as CardRow).id;
      if (rows.length < batch) return;
    }
  }

  /** What changed since a sync token (RFC 6578); Forbidden with DAV:valid-sync-token when it cannot be answered. */
  async changesSince(book: AddressBookView, token: number, limit?: number): Promise<CardChanges> {
    const em = this.ctx.db.em();
    const state = await bookTable.syncState(em, book.id);
    if (!state) throw notFound('no such address book');
    const log = await readChangeLog(state, token, limit, (from, below, n) => bookTable.selectChanges(em, book.id, from, below, n));
    const metas: CardMeta[] = [];
    for (let i = 0; i < log.present.length; i += 1000) {
      metas.push(...(await cardTable.selectMetaByUri(em, book.id, log.present.slice(i, i + 1000))).map(toMeta));
    }
    const found = new Set(metas.map((m) => m.uri));
    // A card deleted after being logged as added in this window no longer exists: report it removed.
    const removed = log.logged.filter((u) => !found.has(u));
    return { changed: metas, removed, token: log.token, truncated: log.truncated };
  }

  /** Drops change-log entries older than the retention and raises each book's token floor. */
  async pruneChangeLog(): Promise<number> {
    const cutoff = new Date(this.ctx.clock.now().getTime() - this.ctx.config.syncLogRetentionDays * 86400_000);
    return this.ctx.db.transactional(async (em) => (await bookTable.pruneChanges(em, cutoff)) + (await bookTable.pruneHomeChanges(em, cutoff)));
  }
}

async function readStored(em: SqlEntityManager, bookId: number, uri: string): Promise<StoredCard | null> {
  const row = await cardTable.selectCard(em, bookId, uri, true);
  return row ? toStored(row) : null;
}
