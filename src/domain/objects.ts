// Calendar objects. This is the ONE write path: every face that creates, changes, moves or deletes
// an object comes through here. A write validates, derives the index columns, locks the calendar
// row, checks preconditions, stores, bumps the sync token and appends to the change log, and lets
// listeners (scheduling, synchronization jobs) act — all in one transaction.
import { REPLY_ORIGIN } from './origins.ts';
import { createHash, randomBytes } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { PrepareOutput, PrepareShared } from '../compute/tasks.ts';
import type { EventFields } from '../ical/eventFields.ts';
import type { IcalComponentType } from '../ical/parse.ts';
import type { TimeRange } from '../ical/timeRange.ts';
import { selectInstanceWithObject } from '../db/tables/calendarInstances.ts';
import * as objectTable from '../db/tables/calendarObjects.ts';
import type { ObjectRow, ObjectValues } from '../db/tables/calendarObjects.ts';
import * as calendarTable from '../db/tables/calendars.ts';
import { pruneHomeChanges } from '../db/tables/homeChanges.ts';
import type { Statement } from '../db/tables/statement.ts';
import { canWriteContent, readOnlyReason } from './access.ts';
import { toView, type Actor, type CalendarView } from './calendars.ts';
import { OP_ADDED, OP_DELETED, OP_MODIFIED, readChangeLog } from './changeLog.ts';
import type { DomainContext } from './context.ts';
import { CALDAV_NS, conflict, forbidden, invalid, notFound, preconditionFailed, tooLarge } from './errors.ts';

export interface ObjectMeta {
  id: number;
  uri: string;
  etag: string;
  size: number;
  lastmodified: number;
  componenttype: string;
  /** The Schedule-Tag (RFC 6638 §3.2.10) of a scheduling object (one with an ORGANIZER), else null. */
  scheduletag: string | null;
}

export interface StoredObject extends ObjectMeta {
  uid: string;
  data: string;
}

/** HTTP preconditions, with ETags unquoted; '*' means "any". */
export interface WriteConditions {
  ifMatch?: string[];
  ifNoneMatch?: string[];
  /** If-Schedule-Tag-Match (RFC 6638 §8.3), unquoted: the Schedule-Tag the client last saw. */
  ifScheduleTagMatch?: string;
}

export type ChangeKind = 'created' | 'updated' | 'deleted';

/** One write of ObjectService.writeTogether: new content at a name, or the object there removed. */
export type TogetherWrite = { uri: string; body: string; cond: WriteConditions } | { uri: string; remove: true; cond: WriteConditions };

/** What a write stores, as validated (the text) and read (the rest) off the request loop. */
export interface ObjectContent {
  text: string;
  componentType: IcalComponentType;
  uid: string;
  /** The ORGANIZER address of any component, lower-cased. */
  organizer: string | null;
  /** When the last instance ends (epoch seconds; the far future for open-ended series), null if unknown. */
  last: number | null;
}

export interface ObjectChange {
  kind: ChangeKind;
  calendar: CalendarView;
  uri: string;
  uid: string;
  /** The new content (created, updated). */
  content?: ObjectContent;
  /** The content before the change (updated, deleted). */
  previous?: string;
  actor: Actor | null;
  /** Set when the change comes from another module (scheduling), so it does not loop back. */
  origin?: string;
  /**
   * The client wrote with an If-Schedule-Tag-Match that matched: it knew the object as of that tag,
   * so answers the server recorded since (which keep the tag) are to be kept (RFC 6638 §3.2.10).
   */
  scheduleTagMatched?: boolean;
}

/** Runs inside the write's transaction; throwing aborts the whole write. */
export type WriteListener = (em: SqlEntityManager, change: ObjectChange) => Promise<void>;

/**
 * A data-modifying statement that commits with a write (queueing pushes). It may read the relation
 * `written`, which has one row when the object was written and none otherwise.
 */
export type WriteStatement = Statement;
export type WriteStatementSource = (change: ObjectChange) => WriteStatement | null;

/** One object write: who writes what where, under which conditions. */
interface ObjectWrite {
  actor: Actor | null;
  view: CalendarView;
  uri: string;
  prepared: PreparedObject;
  cond: WriteConditions;
  origin?: string;
}

export interface WriteResult {
  /** The ETag of what is stored now. */
  etag: string;
  created: boolean;
  /** False when a listener (scheduling) changed the object after it was written as sent. */
  asSent: boolean;
  /** The Schedule-Tag of what is stored now (null: no scheduling object). */
  scheduleTag: string | null;
}

export interface SyncChanges {
  /** Members changed since the token: present ones (with meta) and removed ones. */
  changed: ObjectMeta[];
  removed: string[];
  /** The token that represents the state answered. */
  token: number;
  /** True when `limit` cut the answer short (the client should ask again with `token`). */
  truncated: boolean;
}

export interface PreparedObject {
  content: ObjectContent;
  first: number | null;
  last: number | null;
  size: number;
  fields: EventFields;
  /** instancespans and instancewindow column literals (see deriveInstanceSpans). */
  spans: [string | null, string];
}

/** The columns a write of `p` sets. */
function valuesOf(p: PreparedObject, etag: string, now: number, scheduleTag: string | null): ObjectValues {
  const { content } = p;
  return { text: content.text, etag, size: p.size, now, componentType: content.componentType, first: p.first, last: p.last, uid: content.uid, fields: p.fields, spans: p.spans, scheduleTag };
}

/**
 * The Schedule-Tag a write stores (RFC 6638 §3.2.10): an object with an ORGANIZER is a scheduling
 * object and gets a new tag on every write, except when the server only records an attendee's
 * answer in the organizer's copy (an "inconsequential" change: the tag stays, so the organizer's
 * client may still write with If-Schedule-Tag-Match); any other object has none.
 */
function scheduleTagFor(content: ObjectContent, existing: { scheduletag: string | null } | null, origin: string | undefined): string | null {
  if (!content.organizer) return null;
  if (origin === REPLY_ORIGIN && existing?.scheduletag) return existing.scheduletag;
  return randomBytes(12).toString('base64url');
}

/** What must hold to put `content` where `existing` is: the HTTP conditions, and the same UID (RFC 4791 §5.3.2.1). */
function checkReplacement(existing: StoredObject | null, content: ObjectContent, cond: WriteConditions, uri: string): void {
  checkConditions(existing?.etag ?? null, cond);
  checkScheduleTag(existing, cond);
  if (existing && existing.uid !== content.uid) {
    throw conflict(`this resource holds the UID ${existing.uid}; an object with another UID needs a name of its own`, {
      precondition: { namespace: CALDAV_NS, name: 'no-uid-conflict', href: uri },
    });
  }
}

function changeOf(view: CalendarView, uri: string, content: ObjectContent, existing: StoredObject | null, actor: Actor | null, origin: string | undefined, cond: WriteConditions): ObjectChange {
  const change: ObjectChange = { kind: existing ? 'updated' : 'created', calendar: view, uri, uid: content.uid, content, previous: existing?.data, actor, origin };
  if (cond.ifScheduleTagMatch !== undefined && existing) change.scheduleTagMatched = true;
  return change;
}

/** About how much content one batch of candidates holds (objects may be up to MAX_OBJECT_BYTES each). */
const READ_BATCH_CHARS = 8 * 1024 * 1024;
/** Creations take the one-statement path only while a calendar is this far below its object limit. */
const OBJECT_LIMIT_MARGIN = 1000;
/** Most instance spans kept per object; longer series are evaluated by parsing. */
const MAX_INDEXED_SPANS = 1000;
/** Open-ended series are listed up to this far past the time of writing. */
const SPAN_HORIZON_SECONDS = 3 * 366 * 86400;

export { OP_ADDED, OP_MODIFIED, OP_DELETED } from './changeLog.ts';

export function etagOf(data: string): string {
  return createHash('md5').update(data).digest('hex');
}

export function checkObjectUri(uri: string): void {
  if (!uri || uri.length > 255 || uri === '.' || uri === '..' || /[\/\u0000-\u001f]/.test(uri)) {
    throw invalid(`"${uri}" cannot be an object name`);
  }
}

/** Whether a tag of `list` matches the current ETag; nothing matches a resource that does not exist, not even '*' (RFC 9110 §13.1.1). */
function matchesAny(etag: string | null, list: string[]): boolean {
  return etag !== null && list.some((t) => t === '*' || t === etag);
}

/** RFC 9110 §13: If-Match needs an existing, matching resource; If-None-Match the opposite. */
export function checkConditions(etag: string | null, cond: WriteConditions): void {
  if (cond.ifMatch && !matchesAny(etag, cond.ifMatch)) {
    throw preconditionFailed(etag === null ? 'the resource does not exist (If-Match)' : 'the resource has changed (If-Match)');
  }
  if (cond.ifNoneMatch && etag !== null && matchesAny(etag, cond.ifNoneMatch)) {
    throw preconditionFailed('the resource already exists (If-None-Match)');
  }
}

/**
 * If-Schedule-Tag-Match (RFC 6638 §8.3): the object must be there with that Schedule-Tag; an object
 * without one (no scheduling object, or nothing at the name) matches no tag, as If-Match would not.
 */
export function checkScheduleTag(existing: { scheduletag: string | null } | null, cond: WriteConditions): void {
  if (cond.ifScheduleTagMatch === undefined) return;
  if (!existing || existing.scheduletag !== cond.ifScheduleTagMatch) {
    throw preconditionFailed(
      !existing ? 'the resource does not exist (If-Schedule-Tag-Match)' : existing.scheduletag === null ? 'the resource has no Schedule-Tag (If-Schedule-Tag-Match)' : 'the organizer or attendee changed the resource since (If-Schedule-Tag-Match)',
    );
  }
}

function toMeta(r: ObjectRow): ObjectMeta {
  return { id: r.id, uri: r.uri, etag: r.etag, size: r.size, lastmodified: r.lastmodified, componenttype: r.componenttype, scheduletag: r.scheduletag ?? null };
}

function toStored(r: ObjectRow): StoredObject {
  return { ...toMeta(r), uid: r.uid ?? '', data: r.calendardata ?? '' };
}

export class ObjectService {
  private readonly listeners: { run: WriteListener; concerns: (change: ObjectChange) => boolean }[] = [];
  private readonly statements: WriteStatementSource[] = [];
  /** Per transaction: the last ETag and Schedule-Tag written to each object, to tell when a listener rewrote one. */
  private readonly written = new WeakMap<SqlEntityManager, Map<string, { etag: string; scheduleTag: string | null }>>();

  constructor(private readonly ctx: DomainContext) {}

  /**
   * `listener` runs in the transaction of every write that `concerns` says it acts on; writes that
   * concern no listener take the one-statement path.
   */
  onWrite(listener: WriteListener, concerns: (change: ObjectChange) => boolean = () => true): void {
    this.listeners.push({ run: listener, concerns });
  }

  /** `source` adds a statement to every write (in its transaction, or in its one statement). */
  onWriteStatement(source: WriteStatementSource): void {
    this.statements.push(source);
  }

  /** Runs the listeners and statements of a change inside its transaction. */
  private async follow(em: SqlEntityManager, change: ObjectChange): Promise<void> {
    for (const l of this.listeners) if (l.concerns(change)) await l.run(em, change);
    for (const source of this.statements) {
      const st = source(change);
      if (st) await objectTable.executeAfterWrite(em, st);
    }
  }

  private requireWrite(actor: Actor | null, view: CalendarView): Actor {
    if (!actor || actor.principaluri !== view.principaluri) throw notFound('no such calendar');
    if (!canWriteContent(view)) {
      throw forbidden(readOnlyReason(view), { precondition: { namespace: 'DAV:', name: 'need-privileges' } });
    }
    return actor;
  }

  /**
   * Validates and indexes a body without storing it, in the compute pool: a body whose work runs
   * past its deadline is refused like invalid data.
   */
  async prepare(view: CalendarView, body: Uint8Array | string): Promise<PreparedObject> {
    const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    if (size > this.ctx.config.limits.maxObjectBytes) {
      throw tooLarge(`calendar objects may be at most ${this.ctx.config.limits.maxObjectBytes} bytes`, {
        precondition: { namespace: CALDAV_NS, name: 'max-resource-size' },
      });
    }
    const [prepared] = await this.prepareMany([body], view.components);
    const r = prepared as PrepareOutput | { stopped: string };
    if ('stopped' in r) {
      throw invalid(`the object could not be evaluated: ${r.stopped}; simplify its recurrence rules`, {
        precondition: { namespace: CALDAV_NS, name: 'valid-calendar-data' },
      });
    }
    if (!r.ok) throw invalid(r.message, { precondition: { namespace: CALDAV_NS, name: r.failure } });
    const content: ObjectContent = { text: r.text, componentType: r.componentType, uid: r.uid, organizer: r.organizer, last: r.last };
    return { content, first: r.first, last: r.last, size: Buffer.byteLength(r.text), fields: r.fields, spans: r.spans };
  }

  /** The prepare task over many bodies; an item stopped at its deadline says so. */
  private async prepareMany(bodies: (Uint8Array | string)[], components: IcalComponentType[]): Promise<(PrepareOutput | { stopped: string })[]> {
    const limits = this.ctx.config.limits;
    const shared: PrepareShared = {
      components,
      limits: { maxInstances: limits.maxRecurrenceInstances, maxSteps: limits.maxRecurrenceSteps, maxSpans: Math.min(MAX_INDEXED_SPANS, limits.maxRecurrenceInstances) },
      horizon: Math.floor(this.ctx.clock.now().getTime() / 1000) + SPAN_HORIZON_SECONDS,
    };
    const outcomes = await this.ctx.compute.runBatch('prepare', bodies, shared);
    return outcomes.map((o) => {
      if (o.ok) return o.value;
      if ('stopped' in o) return { stopped: o.error };
      throw new Error(`the prepare task failed: ${o.error}`);
    });
  }

  /**
   * Creates or replaces the object at `uri`. `known` is what the caller already read at that name
   * (null: nothing); it saves a read and is verified when writing.
   */
  async put(
    actor: Actor | null,
    view: CalendarView,
    uri: string,
    body: Uint8Array | string,
    cond: WriteConditions = {},
    origin?: string,
    known?: StoredObject | null,
  ): Promise<WriteResult> {
    const who = this.requireWrite(actor, view);
    checkObjectUri(uri);
    const prepared = await this.prepare(view, body);
    return this.write(null, { actor: who, view, uri, prepared, cond, origin }, known);
  }

  /**
   * Several writes to one calendar in ONE transaction, all or none: a series split (the old series
   * shortened or removed, the new one created). Each body is validated first, as put() does; a
   * failed condition or write of any one changes nothing.
   */
  async writeTogether(actor: Actor | null, view: CalendarView, writes: TogetherWrite[], origin?: string): Promise<(WriteResult | null)[]> {
    const who = this.requireWrite(actor, view);
    const prepared: (PreparedObject | null)[] = [];
    for (const w of writes) {
      checkObjectUri(w.uri);
      prepared.push('body' in w ? await this.prepare(view, w.body) : null);
    }
    return this.ctx.db.transactional(async (em) => {
      const out: (WriteResult | null)[] = [];
      for (const [i, w] of writes.entries()) {
        const p = prepared[i];
        if (p) out.push(await this.write(em, { actor: who, view, uri: w.uri, prepared: p, cond: w.cond, origin }));
        else {
          await this.remove(em, who, view, w.uri, w.cond, origin);
          out.push(null);
        }
      }
      return out;
    });
  }

  /** put() for callers that already hold a transaction (scheduling, moves, imports). */
  store(em: SqlEntityManager, actor: Actor | null, view: CalendarView, uri: string, prepared: PreparedObject, cond: WriteConditions, origin?: string): Promise<WriteResult> {
    return this.write(em, { actor, view, uri, prepared, cond, origin });
  }

  /**
   * The one write path of a calendar object: check the preconditions against what is at the
   * name, write the row conditionally on it, run the write listeners, bump the sync token and log
   * the change, all committed together. Outside a caller's transaction, when the caller knows what
   * is at the name and no listener is concerned, all of that goes to the database as one statement;
   * anything that statement cannot decide (a concurrent change, a UID taken elsewhere, a calendar
   * near its object limit) is decided by the transaction, which reads again.
   */
  private async write(em: SqlEntityManager | null, w: ObjectWrite, known?: StoredObject | null): Promise<WriteResult> {
    if (!em && known !== undefined) {
      const done = await this.writeOneStatement(w, known);
      if (done) return done;
    }
    if (em) return this.writeInTransaction(em, w);
    return this.ctx.db.transactional((tx) => this.writeInTransaction(tx, w));
  }

  /**
   * The write as ONE statement: object row, token bump, change log and the statements from
   * onWriteStatement commit together without a transaction's extra round trips, and the calendar
   * row is locked only while the statement runs. Null when it wrote nothing.
   */
  private async writeOneStatement(w: ObjectWrite, known: StoredObject | null): Promise<WriteResult | null> {
    const { actor, view, uri, prepared, cond, origin } = w;
    const { content } = prepared;
    checkReplacement(known, content, cond, uri);
    const change = changeOf(view, uri, content, known, actor, origin, cond);
    if (this.listeners.some((l) => l.concerns(change))) return null;
    const etag = etagOf(content.text);
    const now = Math.floor(this.ctx.clock.now().getTime() / 1000);
    const scheduleTag = scheduleTagFor(content, known, origin);
    // The object limit is checked against a margin here, so that concurrent statements cannot
    // pass it together; near the limit the transaction checks it under the calendar's lock.
    const write = objectTable.rowWrite(
      valuesOf(prepared, etag, now, scheduleTag),
      view.calendarId,
      uri,
      known,
      calendarTable.objectCountBelow(view.calendarId, this.ctx.config.limits.maxObjectsPerCalendar - OBJECT_LIMIT_MARGIN),
    );
    const ctes = [calendarTable.bumpAndLogStatement(objectTable.WAS_WRITTEN, view.calendarId, uri, known ? OP_MODIFIED : OP_ADDED, known ? 0 : 1, this.ctx.clock.now())];
    this.statements.forEach((source, i) => {
      const st = source(change);
      if (st) ctes.push({ sql: `follow${i} as (${st.sql})`, params: st.params });
    });
    if (!(await objectTable.executeWithWritten(this.ctx.db.em(), write, ctes))) return null;
    if (!known) this.ctx.db.noteCreated(1);
    return { etag, created: !known, asSent: true, scheduleTag };
  }

  /**
   * The write inside a transaction. The object row is written first, conditionally on what was
   * read (a concurrent change is read again, never overwritten blindly); the calendar row is
   * locked last, by the token bump, so the lock that orders a calendar's changes is held only
   * until the commit.
   */
  private async writeInTransaction(em: SqlEntityManager, w: ObjectWrite): Promise<WriteResult> {
    const { actor, view, uri, prepared, cond, origin } = w;
    const { content } = prepared;
    const etag = etagOf(content.text);
    for (let attempt = 0; ; attempt++) {
      const existing = await readStored(em, view.calendarId, uri);
      checkReplacement(existing, content, cond, uri);
      const now = Math.floor(this.ctx.clock.now().getTime() / 1000);
      const scheduleTag = scheduleTagFor(content, existing, origin);
      const written = await objectTable.executeRowWrite(em, objectTable.rowWrite(valuesOf(prepared, etag, now, scheduleTag), view.calendarId, uri, existing));
      // Nothing inserted: the UID is taken by another object, or a concurrent write created this one.
      if (!existing && !written) await this.checkUid(em, view, content.uid, uri);
      if (!written) {
        if (attempt >= 3) throw conflict('the object kept changing while it was written; try again');
        continue;
      }
      const change = changeOf(view, uri, content, existing, actor, origin, cond);
      const key = `${view.calendarId}/${uri}`;
      let mine = this.written.get(em);
      if (!mine) this.written.set(em, (mine = new Map()));
      mine.set(key, { etag, scheduleTag });
      await this.follow(em, change);
      await this.bumpAndLog(em, view.calendarId, uri, existing ? OP_MODIFIED : OP_ADDED, existing ? 0 : 1);
      const final = mine.get(key) ?? { etag, scheduleTag };
      if (!existing) this.ctx.db.noteCreated(1);
      return { etag: final.etag, created: !existing, asSent: final.etag === etag, scheduleTag: final.scheduleTag };
    }
  }

  private async checkUid(em: SqlEntityManager, view: CalendarView, uid: string, uri: string): Promise<void> {
    const clash = await objectTable.uriHoldingUid(em, view.calendarId, uid, uri);
    if (clash !== undefined) {
      throw conflict(`another object in this calendar already has the UID ${uid}`, {
        precondition: { namespace: CALDAV_NS, name: 'no-uid-conflict', href: clash },
      });
    }
  }

  /**
   * Bumps the calendar's sync token and logs the change under the token before it, in one
   * statement; the row lock it takes orders the calendar's changes until the commit.
   */
  private async bumpAndLog(em: SqlEntityManager, calendarId: number, uri: string, operation: number, countDelta: number): Promise<void> {
    const max = this.ctx.config.limits.maxObjectsPerCalendar;
    const st = calendarTable.bumpAndLogStatement(calendarTable.roomFor(countDelta, max), calendarId, uri, operation, countDelta, this.ctx.clock.now());
    if (await calendarTable.bumpAndLog(em, st)) return;
    if (!(await calendarTable.calendarExists(em, calendarId))) throw notFound('the calendar is gone');
    throw forbidden(`a calendar may hold at most ${max} objects`, { precondition: { namespace: CALDAV_NS, name: 'max-resource-size' } });
  }

  async delete(actor: Actor | null, view: CalendarView, uri: string, cond: WriteConditions = {}, origin?: string): Promise<void> {
    const who = this.requireWrite(actor, view);
    await this.ctx.db.transactional((em) => this.remove(em, who, view, uri, cond, origin));
  }

  /** The delete step, for callers that already hold a transaction. */
  async remove(em: SqlEntityManager, actor: Actor | null, view: CalendarView, uri: string, cond: WriteConditions, origin?: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const existing = await readStored(em, view.calendarId, uri);
      if (!existing) throw notFound('no such object');
      checkConditions(existing.etag, cond);
      checkScheduleTag(existing, cond);
      if (!(await objectTable.deleteIfUnchanged(em, existing.id, existing.etag))) {
        if (attempt >= 3) throw conflict('the object kept changing while it was deleted; try again');
        continue;
      }
      const change: ObjectChange = { kind: 'deleted', calendar: view, uri, uid: existing.uid, previous: existing.data, actor, origin };
      await this.follow(em, change);
      await this.bumpAndLog(em, view.calendarId, uri, OP_DELETED, -1);
      return;
    }
  }

  /**
   * Moves (or copies) an object, possibly into another calendar, replacing what is at the
   * destination when `overwrite` allows. Returns whether the destination was created.
   */
  async transfer(
    actor: Actor | null,
    from: CalendarView,
    fromUri: string,
    to: CalendarView,
    toUri: string,
    opts: { overwrite: boolean; keepSource: boolean; cond: WriteConditions },
  ): Promise<{ created: boolean; etag: string; scheduleTag: string | null }> {
    const who = this.requireWrite(actor, to);
    if (!opts.keepSource) this.requireWrite(actor, from);
    else if (!actor || actor.principaluri !== from.principaluri) throw notFound('no such calendar');
    checkObjectUri(toUri);
    return this.ctx.db.em().transactional(async (em) => {
      // Lock both calendars in id order so two opposite moves cannot deadlock.
      for (const id of [...new Set([from.calendarId, to.calendarId])].sort((a, b) => a - b)) {
        if (!(await calendarTable.lockCalendar(em, id))) throw notFound('the calendar is gone');
      }
      const source = await objectTable.selectObject(em, from.calendarId, fromUri, true);
      if (!source) throw notFound('no such object');
      checkConditions(source.etag, opts.cond);
      checkScheduleTag({ scheduletag: source.scheduletag ?? null }, opts.cond);
      if (from.calendarId === to.calendarId && fromUri === toUri) throw forbidden('source and destination are the same');
      const target = await objectTable.selectObject(em, to.calendarId, toUri, false);
      if (target && !opts.overwrite) throw preconditionFailed('the destination exists and Overwrite is F');
      if (target && target.uid !== source.uid) {
        throw conflict(`the destination holds the UID ${target.uid}; it cannot be overwritten by an object with another UID`, {
          precondition: { namespace: CALDAV_NS, name: 'no-uid-conflict', href: toUri },
        });
      }
      const prepared = await this.prepare(to, source.calendardata ?? '');
      if (!opts.keepSource) await this.remove(em, who, from, fromUri, {});
      if (target) await this.remove(em, who, to, toUri, {});
      const res = await this.store(em, who, to, toUri, prepared, {});
      return { created: !target, etag: res.etag, scheduleTag: res.scheduleTag };
    });
  }

  /**
   * A calendar of a home and what is at `objUri` in it, in one query; `withData` reads the
   * object's content too (GET, PUT). Null when there is no such calendar.
   */
  async lookup(
    principaluri: string,
    calUri: string,
    objUri: string,
    withData: boolean,
  ): Promise<{ view: CalendarView; object: StoredObject | ObjectMeta | null } | null> {
    const found = await selectInstanceWithObject(this.ctx.db.em(), principaluri, calUri, objUri, withData);
    if (!found) return null;
    const view = toView(found.instance);
    if (!found.object) return { view, object: null };
    return { view, object: withData ? toStored(found.object) : toMeta(found.object) };
  }

  /** Metadata of every object, in batches (PROPFIND Depth 1 never reads calendardata). */
  async *listMeta(view: CalendarView, batch = 1000): AsyncGenerator<ObjectMeta[]> {
    let after = 0;
    for (;;) {
      const rows = await objectTable.selectMetaPage(this.ctx.db.em(), view.calendarId, after, batch);
      if (!rows.length) return;
      yield rows.map(toMeta);
      after = (rows[rows.length - 1] as ObjectRow).id;
      if (rows.length < batch) return;
    }
  }

  /** The name of the calendar's object holding `uid`, if any. */
  async uriOfUid(view: CalendarView, uid: string): Promise<string | null> {
    return (await objectTable.uriHoldingUid(this.ctx.db.em(), view.calendarId, uid, '')) ?? null;
  }

  /** When an object's recurrence set begins (epoch seconds), from its index column; null if unknown. */
  async firstStart(calendarId: number, uri: string): Promise<number | null> {
    return objectTable.selectFirstStart(this.ctx.db.em(), calendarId, uri);
  }

  async getMeta(view: CalendarView, uri: string): Promise<ObjectMeta | null> {
    const row = await objectTable.selectObject(this.ctx.db.em(), view.calendarId, uri, false);
    return row ? toMeta(row) : null;
  }

  async get(view: CalendarView, uri: string): Promise<StoredObject | null> {
    return readStored(this.ctx.db.em(), view.calendarId, uri);
  }

  /** get() inside the caller's transaction (a listener deciding what to write). */
  read(em: SqlEntityManager, view: CalendarView, uri: string): Promise<StoredObject | null> {
    return readStored(em, view.calendarId, uri);
  }

  /** The names of the calendar's objects that begin with `prefix`, read inside the caller's transaction. */
  urisWithPrefix(em: SqlEntityManager, view: CalendarView, prefix: string): Promise<string[]> {
    return objectTable.selectUrisWithPrefix(em, view.calendarId, prefix);
  }

  /**
   * Objects by name (calendar-multiget, sync-collection with calendar-data), in batches of about
   * READ_BATCH_CHARS of content; names that are not there are left out.
   */
  async *getMany(view: CalendarView, uris: string[]): AsyncGenerator<StoredObject[]> {
    for (let i = 0; i < uris.length; i += 1000) {
      const part = [...new Set(uris.slice(i, i + 1000))];
      if (!part.length) continue;
      for await (const rows of this.readBatches(view, { uris: part }, 1000)) yield rows.map(toStored);
    }
  }

  /** Rows of a calendar matching `f`, in id order, in batches (see selectBatch for their bounds). */
  private readBatches(view: CalendarView, f: objectTable.BatchFilter, batch: number): AsyncGenerator<(ObjectRow & { exact: boolean })[]> {
    return pages((after) => objectTable.selectBatch(this.ctx.db.em(), view.calendarId, after, f, batch, READ_BATCH_CHARS));
  }

  /**
   * Objects that may match a query, narrowed in SQL by component type and index bounds, in
   * batches of at most `batch` rows and about READ_BATCH_CHARS of content (always one row at
   * least). With `exact`, rows whose instance spans cover the range are decided in SQL: those that
   * do not overlap are left out, those that do come with `exact` set and need no parsing.
   */
  async *candidates(
    view: CalendarView,
    narrow: { componentType?: string; range?: TimeRange; exact?: boolean },
    batch = 500,
  ): AsyncGenerator<(StoredObject & { exact: boolean })[]> {
    for await (const rows of this.readBatches(view, narrow, batch)) {
      yield rows.map((r) => ({ ...toStored(r), exact: r.exact === true }));
    }
  }

  /**
   * The names and texts of the objects that may match, as `candidates` narrows and batches them
   * (an `exact` narrowing leaves out in SQL the rows whose instance spans miss the range), without
   * their metadata: for reads that need only the text, like the web views and a plain export.
   */
  candidateTexts(
    view: CalendarView,
    narrow: { componentType?: string; range?: TimeRange; exact?: boolean },
    batch = 500,
  ): AsyncGenerator<{ uri: string; data: string }[]> {
    return pages((after) => objectTable.selectTextBatch(this.ctx.db.em(), view.calendarId, after, narrow, batch, READ_BATCH_CHARS));
  }

  /** What changed since a sync token (RFC 6578); Forbidden with DAV:valid-sync-token when it cannot be answered. */
  async changesSince(view: CalendarView, token: number, limit?: number): Promise<SyncChanges> {
    const em = this.ctx.db.em();
    const cal = await calendarTable.syncState(em, view.calendarId);
    if (!cal) throw notFound('no such calendar');
    const log = await readChangeLog(cal, token, limit, (from, below, n) => calendarTable.selectChanges(em, view.calendarId, from, below, n));
    const metas = await this.metasByUri(view, log.present);
    const found = new Set(metas.map((m) => m.uri));
    // An object deleted after being logged as added in this window no longer exists: report it removed.
    const removed = log.logged.filter((u) => !found.has(u));
    return { changed: metas, removed, token: log.token, truncated: log.truncated };
  }

  private async metasByUri(view: CalendarView, uris: string[]): Promise<ObjectMeta[]> {
    const out: ObjectMeta[] = [];
    for (let i = 0; i < uris.length; i += 1000) {
      const part = uris.slice(i, i + 1000);
      out.push(...(await objectTable.selectMetaByUri(this.ctx.db.em(), view.calendarId, part)).map(toMeta));
    }
    return out;
  }

  /** Fills the event columns of rows written before they existed (a no-op once done). */
  backfillEventFields(): Promise<number> {
    return this.backfill('eventFields');
  }

  /** Fills the instance spans of rows written before they existed (a no-op once done). */
  backfillInstanceSpans(): Promise<number> {
    return this.backfill('instanceSpans');
  }

  /** Sets derived columns on every row that lacks them, 200 at a time, from the prepare task. */
  private async backfill(which: objectTable.Backfill): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await objectTable.rowsToBackfill(this.ctx.db.em(), which, 200);
      if (!rows.length) return done;
      const prepared = await this.prepareMany(
        rows.map((r) => r.calendardata),
        ['VEVENT', 'VTODO', 'VJOURNAL'],
      );
      for (const [i, r] of rows.entries()) {
        const p = prepared[i];
        await objectTable.writeBackfill(this.ctx.db.em(), which, r.id, p && 'ok' in p && p.ok ? p : null);
        done++;
      }
    }
  }

  /**
   * Drops change-log entries older than the retention and raises each calendar's token floor; the
   * same for the records of calendars removed from homes.
   */
  async pruneChangeLog(): Promise<number> {
    const cutoff = new Date(this.ctx.clock.now().getTime() - this.ctx.config.syncLogRetentionDays * 86400_000);
    const objects = await this.ctx.db.em().transactional((em) => calendarTable.pruneChanges(em, cutoff));
    return objects + (await this.ctx.db.em().transactional((em) => pruneHomeChanges(em, cutoff)));
  }
}

/** The batches `read` gives, each after the last id of the one before, until one is known to be the last. */
async function* pages<R extends { id: number }>(read: (afterId: number) => Promise<objectTable.Batch<R>>): AsyncGenerator<R[]> {
  let after = 0;
  for (;;) {
    const { rows, more } = await read(after);
    const last = rows[rows.length - 1];
    if (!last) return;
    yield rows;
    if (!more) return;
    after = last.id;
  }
}

async function readStored(em: SqlEntityManager, calendarId: number, uri: string): Promise<StoredObject | null> {
  const row = await objectTable.selectObject(em, calendarId, uri, true);
  return row ? toStored(row) : null;
}
