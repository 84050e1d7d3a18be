// Calendar objects. This is the ONE write path: every face that creates, changes, moves or deletes
// an object comes through here. A write validates, derives the index columns, locks the calendar
// row, checks preconditions, stores, bumps the sync token and appends to the change log, and lets
// listeners (scheduling, synchronization jobs) act — all in one transaction.
import { createHash } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { PrepareOutput, PrepareShared } from '../compute/tasks.ts';
import type { EventFields } from '../ical/eventFields.ts';
import type { IcalComponentType } from '../ical/parse.ts';
import type { TimeRange } from '../ical/timeRange.ts';
import { canWriteContent, SELECT_VIEW, toView, type Actor, type CalendarView, type InstanceRow } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { CALDAV_NS, conflict, forbidden, invalid, notFound, preconditionFailed, tooLarge } from './errors.ts';

export interface ObjectMeta {
  id: number;
  uri: string;
  etag: string;
  size: number;
  lastmodified: number;
  componenttype: string;
}

export interface StoredObject extends ObjectMeta {
  uid: string;
  data: string;
}

/** HTTP preconditions, with ETags unquoted; '*' means "any". */
export interface WriteConditions {
  ifMatch?: string[];
  ifNoneMatch?: string[];
}

export type ChangeKind = 'created' | 'updated' | 'deleted';

/** What a write stores, as validated (the text) and read (the rest) off the request loop. */
export interface ObjectContent {
  text: string;
  componentType: IcalComponentType;
  uid: string;
  /** The ORGANIZER address of any component, lower-cased. */
  organizer: string | null;
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
}

/** Runs inside the write's transaction; throwing aborts the whole write. */
export type WriteListener = (em: SqlEntityManager, change: ObjectChange) => Promise<void>;

/**
 * A data-modifying statement that commits with a write (queueing pushes). It may read the relation
 * `written`, which has one row when the object was written and none otherwise.
 */
export interface WriteStatement {
  sql: string;
  params: (string | number | Date | null)[];
}
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

/** The event columns in the order the statements list them (attendees as a PostgreSQL array literal). */
function eventColumns(f: EventFields): (string | number | null)[] {
  const arr = `{${f.attendees.map((a) => `"${a.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
  return [f.dtstart, f.dtend, f.summary, f.description, f.organizer, arr];
}

/**
 * The statement that writes an object's row, returning its id: an update of `existing` that holds
 * only while its ETag is unchanged, or an insert that yields to a row already there (same name or
 * UID). `insertGuard` is a further condition for inserting.
 */
function rowWrite(
  p: PreparedObject,
  etag: string,
  now: number,
  calendarId: number,
  uri: string,
  existing: StoredObject | null,
  insertGuard?: WriteStatement,
): WriteStatement {
  const { content, first, last, size, fields, spans } = p;
  if (existing) {
    return {
      sql: `update calendarobjects set calendardata = ?, etag = ?, size = ?, lastmodified = ?, componenttype = ?,
              firstoccurence = ?, lastoccurence = ?, uid = ?, dtstart = ?, dtend = ?, summary = ?, description = ?,
              organizer = ?, attendees = ?, instancespans = ?, instancewindow = ? where id = ? and etag = ? returning id`,
      params: [content.text, etag, size, now, content.componentType, first, last, content.uid, ...eventColumns(fields), ...spans, existing.id, existing.etag],
    };
  }
  return {
    sql: `insert into calendarobjects (calendardata, uri, calendarid, lastmodified, etag, size, componenttype, firstoccurence,
            lastoccurence, uid, dtstart, dtend, summary, description, organizer, attendees, instancespans, instancewindow, created_at)
          select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${insertGuard ? ` where ${insertGuard.sql}` : ''}
          on conflict do nothing returning id`,
    params: [
      content.text, uri, calendarId, now, etag, size, content.componentType, first, last, content.uid, ...eventColumns(fields), ...spans, now,
      ...(insertGuard?.params ?? []),
    ],
  };
}

/**
 * The sync-token bump and the change-log row of one change, as two CTEs (`bumped`, `logged`, the
 * latter returning the logged token); `guard` is a further condition for the bump.
 */
function bumpAndLogStatement(guard: WriteStatement, calendarId: number, uri: string, operation: number, countDelta: number, at: Date): WriteStatement {
  return {
    sql: `bumped as (update calendars set synctoken = synctoken + 1, objectcount = objectcount + ?
                       where id = ? and ${guard.sql} returning synctoken - 1 as token),
          logged as (insert into calendarchanges (uri, synctoken, calendarid, operation, created_at)
                       select ?, token, ?, ?, ? from bumped returning synctoken)`,
    params: [countDelta, calendarId, ...guard.params, uri, calendarId, operation, at],
  };
}

/** What must hold to put `content` where `existing` is: the HTTP conditions, and the same UID (RFC 4791 §5.3.2.1). */
function checkReplacement(existing: StoredObject | null, content: ObjectContent, cond: WriteConditions, uri: string): void {
  checkConditions(existing?.etag ?? null, cond);
  if (existing && existing.uid !== content.uid) {
    throw conflict(`this resource holds the UID ${existing.uid}; an object with another UID needs a name of its own`, {
      precondition: { namespace: CALDAV_NS, name: 'no-uid-conflict', href: uri },
    });
  }
}

function changeOf(view: CalendarView, uri: string, content: ObjectContent, existing: StoredObject | null, actor: Actor | null, origin?: string): ObjectChange {
  return { kind: existing ? 'updated' : 'created', calendar: view, uri, uid: content.uid, content, previous: existing?.data, actor, origin };
}

/** About how much content one batch of candidates holds (objects may be up to MAX_OBJECT_BYTES each). */
const READ_BATCH_CHARS = 8 * 1024 * 1024;
/** Change-log rows read per query when answering a sync token. */
const CHANGES_PAGE = 10_000;
/** Creations take the one-statement path only while a calendar is this far below its object limit. */
const OBJECT_LIMIT_MARGIN = 1000;
/** Most instance spans kept per object; longer series are evaluated by parsing. */
const MAX_INDEXED_SPANS = 1000;
/** Open-ended series are listed up to this far past the time of writing. */
const SPAN_HORIZON_SECONDS = 3 * 366 * 86400;

export const OP_ADDED = 1;
export const OP_MODIFIED = 2;
export const OP_DELETED = 3;

export function etagOf(data: string): string {
  return createHash('md5').update(data).digest('hex');
}

export function checkObjectUri(uri: string): void {
  if (!uri || uri.length > 255 || uri === '.' || uri === '..' || /[\/\u0000-\u001f]/.test(uri)) {
    throw invalid(`"${uri}" cannot be an object name`);
  }
}

function matchesAny(etag: string | null, list: string[]): boolean {
  return list.some((t) => t === '*' || (etag !== null && t === etag));
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

interface Row extends ObjectMeta {
  uid?: string;
  calendardata?: string;
}

function toMeta(r: Row): ObjectMeta {
  return { id: r.id, uri: r.uri, etag: r.etag, size: r.size, lastmodified: r.lastmodified, componenttype: r.componenttype };
}

function toStored(r: Row): StoredObject {
  return { ...toMeta(r), uid: r.uid ?? '', data: r.calendardata ?? '' };
}

const META = 'id, uri, etag, size, lastmodified, componenttype';
const FULL = `${META}, uid, calendardata`;

export class ObjectService {
  private readonly listeners: { run: WriteListener; concerns: (change: ObjectChange) => boolean }[] = [];
  private readonly statements: WriteStatementSource[] = [];
  /** Per transaction: the last ETag written to each object, to tell when a listener rewrote one. */
  private readonly written = new WeakMap<SqlEntityManager, Map<string, string>>();

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
      if (st) await em.execute(`with written as (select 1) ${st.sql}`, st.params as never[]);
    }
  }

  private requireWrite(actor: Actor | null, view: CalendarView): Actor {
    if (!actor || actor.principaluri !== view.principaluri) throw notFound('no such calendar');
    if (!canWriteContent(view)) {
      throw forbidden('this calendar is shared with you read-only', { precondition: { namespace: 'DAV:', name: 'need-privileges' } });
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
    const content: ObjectContent = { text: r.text, componentType: r.componentType, uid: r.uid, organizer: r.organizer };
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
    const change = changeOf(view, uri, content, known, actor, origin);
    if (this.listeners.some((l) => l.concerns(change))) return null;
    const etag = etagOf(content.text);
    const now = Math.floor(this.ctx.clock.now().getTime() / 1000);
    // The object limit is checked against a margin here, so that concurrent statements cannot
    // pass it together; near the limit the transaction checks it under the calendar's lock.
    const write = rowWrite(prepared, etag, now, view.calendarId, uri, known, {
      sql: '(select objectcount from calendars where id = ?) < ?',
      params: [view.calendarId, this.ctx.config.limits.maxObjectsPerCalendar - OBJECT_LIMIT_MARGIN],
    });
    const bump = bumpAndLogStatement({ sql: 'exists (select 1 from written)', params: [] }, view.calendarId, uri, known ? OP_MODIFIED : OP_ADDED, known ? 0 : 1, this.ctx.clock.now());
    const parts = [`written as (${write.sql})`, bump.sql];
    const params: (string | number | Date | null)[] = [...write.params, ...bump.params];
    this.statements.forEach((source, i) => {
      const st = source(change);
      if (!st) return;
      parts.push(`follow${i} as (${st.sql})`);
      params.push(...st.params);
    });
    const rows = await this.ctx.db
      .em()
      .execute<{ n: number | string }[]>(`with ${parts.join(',\n')} select count(*) as n from written`, params as never[]);
    if (Number(rows[0]?.n ?? 0) !== 1) return null;
    if (!known) this.ctx.db.noteCreated(1);
    return { etag, created: !known, asSent: true };
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
      const write = rowWrite(prepared, etag, now, view.calendarId, uri, existing);
      const written = await em.execute<{ id: number }[]>(write.sql, write.params as never[]);
      // Nothing inserted: the UID is taken by another object, or a concurrent write created this one.
      if (!existing && !written.length) await this.checkUid(em, view, content.uid, uri);
      if (!written.length) {
        if (attempt >= 3) throw conflict('the object kept changing while it was written; try again');
        continue;
      }
      const change = changeOf(view, uri, content, existing, actor, origin);
      const key = `${view.calendarId}/${uri}`;
      let mine = this.written.get(em);
      if (!mine) this.written.set(em, (mine = new Map()));
      mine.set(key, etag);
      await this.follow(em, change);
      await this.bumpAndLog(em, view.calendarId, uri, existing ? OP_MODIFIED : OP_ADDED, existing ? 0 : 1);
      const final = mine.get(key) ?? etag;
      if (!existing) this.ctx.db.noteCreated(1);
      return { etag: final, created: !existing, asSent: final === etag };
    }
  }

  private async checkUid(em: SqlEntityManager, view: CalendarView, uid: string, uri: string): Promise<void> {
    const clash = await em.execute<{ uri: string }[]>('select uri from calendarobjects where calendarid = ? and uid = ? and uri <> ? limit 1', [
      view.calendarId,
      uid,
      uri,
    ]);
    if (clash[0]) {
      throw conflict(`another object in this calendar already has the UID ${uid}`, {
        precondition: { namespace: CALDAV_NS, name: 'no-uid-conflict', href: clash[0].uri },
      });
    }
  }

  /**
   * Bumps the calendar's sync token and logs the change under the token before it, in one
   * statement; the row lock it takes orders the calendar's changes until the commit.
   */
  private async bumpAndLog(em: SqlEntityManager, calendarId: number, uri: string, operation: number, countDelta: number): Promise<void> {
    const max = this.ctx.config.limits.maxObjectsPerCalendar;
    const st = bumpAndLogStatement({ sql: '(? <= 0 or objectcount < ?)', params: [countDelta, max] }, calendarId, uri, operation, countDelta, this.ctx.clock.now());
    const rows = await em.execute<{ synctoken: number }[]>(`with ${st.sql} select synctoken from logged`, st.params as never[]);
    if (rows[0]) return;
    const cal = await em.execute<{ id: number }[]>('select id from calendars where id = ?', [calendarId]);
    if (!cal[0]) throw notFound('the calendar is gone');
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
      const gone = await em.execute<{ id: number }[]>('delete from calendarobjects where id = ? and etag = ? returning id', [existing.id, existing.etag]);
      if (!gone.length) {
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
  ): Promise<{ created: boolean; etag: string }> {
    const who = this.requireWrite(actor, to);
    if (!opts.keepSource) this.requireWrite(actor, from);
    else if (!actor || actor.principaluri !== from.principaluri) throw notFound('no such calendar');
    checkObjectUri(toUri);
    return this.ctx.db.em().transactional(async (em) => {
      // Lock both calendars in id order so two opposite moves cannot deadlock.
      for (const id of [...new Set([from.calendarId, to.calendarId])].sort((a, b) => a - b)) await lockCalendar(em, id);
      const source = (await em.execute<Row[]>(`select ${FULL} from calendarobjects where calendarid = ? and uri = ?`, [from.calendarId, fromUri]))[0];
      if (!source) throw notFound('no such object');
      checkConditions(source.etag, opts.cond);
      if (from.calendarId === to.calendarId && fromUri === toUri) throw forbidden('source and destination are the same');
      const target = (await em.execute<Row[]>(`select ${META}, uid from calendarobjects where calendarid = ? and uri = ?`, [to.calendarId, toUri]))[0];
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
      return { created: !target, etag: res.etag };
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
    const cols = `o.id as o_id, o.uri as o_uri, o.etag as o_etag, o.size as o_size, o.lastmodified as o_lastmodified,
      o.componenttype as o_componenttype${withData ? ', o.uid as o_uid, o.calendardata as o_calendardata' : ''}`;
    const rows = await this.ctx.db.em().execute<(InstanceRow & Record<string, unknown>)[]>(
      `select v.*, ${cols} from (${SELECT_VIEW} where i.principaluri = ? and i.uri = ?) v
         left join calendarobjects o on o.calendarid = v.calendarid and o.uri = ?`,
      [principaluri, calUri, objUri],
    );
    const r = rows[0];
    if (!r) return null;
    if (r.o_id === null || r.o_id === undefined) return { view: toView(r), object: null };
    const row: Row = {
      id: r.o_id as number,
      uri: r.o_uri as string,
      etag: r.o_etag as string,
      size: r.o_size as number,
      lastmodified: r.o_lastmodified as number,
      componenttype: r.o_componenttype as string,
      uid: r.o_uid as string | undefined,
      calendardata: r.o_calendardata as string | undefined,
    };
    return { view: toView(r), object: withData ? toStored(row) : toMeta(row) };
  }

  /** Metadata of every object, in batches (PROPFIND Depth 1 never reads calendardata). */
  async *listMeta(view: CalendarView, batch = 1000): AsyncGenerator<ObjectMeta[]> {
    let after = 0;
    for (;;) {
      const rows = await this.ctx.db.em().execute<Row[]>(
        `select ${META} from calendarobjects where calendarid = ? and id > ? order by id limit ?`,
        [view.calendarId, after, batch],
      );
      if (!rows.length) return;
      yield rows.map(toMeta);
      after = (rows[rows.length - 1] as Row).id;
      if (rows.length < batch) return;
    }
  }

  /** When an object's recurrence set begins (epoch seconds), from its index column; null if unknown. */
  async firstStart(calendarId: number, uri: string): Promise<number | null> {
    const rows = await this.ctx.db.em().execute<{ firstoccurence: string | null }[]>(
      'select firstoccurence from calendarobjects where calendarid = ? and uri = ?',
      [calendarId, uri],
    );
    const v = rows[0]?.firstoccurence;
    return v === null || v === undefined ? null : Number(v);
  }

  async getMeta(view: CalendarView, uri: string): Promise<ObjectMeta | null> {
    const rows = await this.ctx.db.em().execute<Row[]>(`select ${META} from calendarobjects where calendarid = ? and uri = ?`, [view.calendarId, uri]);
    return rows[0] ? toMeta(rows[0]) : null;
  }

  async get(view: CalendarView, uri: string): Promise<StoredObject | null> {
    const rows = await this.ctx.db.em().execute<Row[]>(`select ${FULL} from calendarobjects where calendarid = ? and uri = ?`, [view.calendarId, uri]);
    return rows[0] ? toStored(rows[0]) : null;
  }

  /**
   * Objects by name (calendar-multiget, sync-collection with calendar-data), in batches of about
   * READ_BATCH_CHARS of content; names that are not there are left out.
   */
  async *getMany(view: CalendarView, uris: string[]): AsyncGenerator<StoredObject[]> {
    for (let i = 0; i < uris.length; i += 1000) {
      const part = [...new Set(uris.slice(i, i + 1000))];
      if (!part.length) continue;
      for await (const rows of this.readBatches(view, `uri in (${part.map(() => '?').join(', ')})`, part, 1000)) yield rows.map(toStored);
    }
  }

  /**
   * Rows of a calendar matching `where`, in id order, in batches of at most `batch` rows and
   * about READ_BATCH_CHARS of content (always one row at least): the running total of sizes cuts
   * each batch, so that objects of several MB never pile up in memory.
   */
  private async *readBatches<R extends Row>(
    view: CalendarView,
    where: string,
    params: (string | number | null)[],
    batch: number,
    extra: { select: string; params: (string | number | null)[] } = { select: '', params: [] },
  ): AsyncGenerator<R[]> {
    let after = 0;
    for (;;) {
      const rows = await this.ctx.db.em().execute<R[]>(
        `select * from (select ${FULL}${extra.select}, sum(size) over (order by id) as running
            from calendarobjects where calendarid = ? and id > ? and ${where} order by id limit ?) t
          where running - size < ? order by id`,
        [...extra.params, view.calendarId, after, ...params, batch, READ_BATCH_CHARS],
      );
      if (!rows.length) return;
      yield rows;
      after = (rows[rows.length - 1] as Row).id;
    }
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
    const where = ['true'];
    const params: (string | number | null)[] = [];
    if (narrow.componentType) {
      where.push('componenttype = ?');
      params.push(narrow.componentType);
    }
    if (narrow.range?.start !== undefined) {
      where.push('lastoccurence >= ?');
      params.push(narrow.range.start);
    }
    if (narrow.range?.end !== undefined) {
      where.push('firstoccurence <= ?');
      params.push(narrow.range.end);
    }
    if (narrow.range && narrow.range.start === undefined && narrow.range.end === undefined) where.push('firstoccurence is not null');
    let exact = 'false';
    const exactParams: (number | null)[] = [];
    if (narrow.exact && narrow.range) {
      const bounds = [narrow.range.start ?? null, narrow.range.end ?? null];
      const covered = `(instancespans is not null and instancewindow @> int8range(?, ?, '[)'))`;
      exact = covered;
      exactParams.push(...bounds);
      where.push(`(not ${covered} or instancespans && int8range(?, ?, '[)'))`);
      params.push(...bounds, ...bounds);
    }
    const select = { select: `, ${exact} as exact`, params: exactParams };
    for await (const rows of this.readBatches<Row & { exact: boolean }>(view, where.join(' and '), params, batch, select)) {
      yield rows.map((r) => ({ ...toStored(r), exact: r.exact === true }));
    }
  }

  /** What changed since a sync token (RFC 6578). Throws Invalid with valid-sync-token when unanswerable. */
  async changesSince(view: CalendarView, token: number, limit?: number): Promise<SyncChanges> {
    const em = this.ctx.db.em();
    const cal = (await em.execute<{ synctoken: number; sync_floor: number }[]>('select synctoken, sync_floor from calendars where id = ?', [view.calendarId]))[0];
    if (!cal) throw notFound('no such calendar');
    if (token < cal.sync_floor || token > cal.synctoken) {
      throw forbidden('the sync token is unknown or expired; sync again from scratch', {
        precondition: { namespace: 'DAV:', name: 'valid-sync-token' },
      });
    }
    const last = new Map<string, number>();
    let upTo = cal.synctoken;
    let truncated = false;
    // Read in pages, so that a token far behind (many changes) never lands as one huge result.
    let from = token;
    pages: for (;;) {
      const rows = await em.execute<{ uri: string; operation: number; synctoken: number }[]>(
        'select uri, operation, synctoken from calendarchanges where calendarid = ? and synctoken >= ? and synctoken < ? order by synctoken limit ?',
        [view.calendarId, from, cal.synctoken, CHANGES_PAGE],
      );
      for (const r of rows) {
        if (limit !== undefined && !last.has(r.uri) && last.size >= limit) {
          upTo = r.synctoken;
          truncated = true;
          break pages;
        }
        last.set(r.uri, r.operation);
      }
      if (rows.length < CHANGES_PAGE) break;
      from = (rows[rows.length - 1] as { synctoken: number }).synctoken + 1;
    }
    const present = [...last].filter(([, op]) => op !== OP_DELETED).map(([uri]) => uri);
    const metas = await this.metasByUri(view, present);
    const found = new Set(metas.map((m) => m.uri));
    // An object deleted after being logged as added in this window no longer exists: report it removed.
    const removed = [...last.keys()].filter((u) => !found.has(u));
    return { changed: metas, removed, token: upTo, truncated };
  }

  private async metasByUri(view: CalendarView, uris: string[]): Promise<ObjectMeta[]> {
    const out: ObjectMeta[] = [];
    for (let i = 0; i < uris.length; i += 1000) {
      const part = uris.slice(i, i + 1000);
      const rows = await this.ctx.db
        .em()
        .execute<Row[]>(`select ${META} from calendarobjects where calendarid = ? and uri in (${part.map(() => '?').join(', ')})`, [view.calendarId, ...part]);
      out.push(...rows.map(toMeta));
    }
    return out;
  }

  /** Fills the event columns of rows written before they existed (a no-op once done). */
  backfillEventFields(): Promise<number> {
    return this.backfill(
      "dtstart is null and summary is null and attendees is null and componenttype = 'VEVENT'",
      ['dtstart', 'dtend', 'summary', 'description', 'organizer', 'attendees'],
      (p) => eventColumns(p.fields),
      [null, null, null, null, null, '{}'],
    );
  }

  /** Fills the instance spans of rows written before they existed (a no-op once done). */
  backfillInstanceSpans(): Promise<number> {
    return this.backfill('instancewindow is null', ['instancespans', 'instancewindow'], (p) => p.spans, [null, 'empty']);
  }

  /**
   * Sets derived `columns` on every row matching `missing`, 200 at a time, from the prepare task.
   * `fallback` (for text that no longer passes) must make the row stop matching, or this would
   * never end.
   */
  private async backfill(
    missing: string,
    columns: string[],
    derive: (p: Extract<PrepareOutput, { ok: true }>) => (string | number | null)[],
    fallback: (string | number | null)[],
  ): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await this.ctx.db
        .em()
        .execute<{ id: number; calendardata: string }[]>(`select id, calendardata from calendarobjects where ${missing} limit 200`);
      if (!rows.length) return done;
      const prepared = await this.prepareMany(
        rows.map((r) => r.calendardata),
        ['VEVENT', 'VTODO', 'VJOURNAL'],
      );
      for (const [i, r] of rows.entries()) {
        const p = prepared[i];
        const values = p && 'ok' in p && p.ok ? derive(p) : fallback;
        await this.ctx.db.em().execute(`update calendarobjects set ${columns.map((c) => `${c} = ?`).join(', ')} where id = ?`, [...values, r.id]);
        done++;
      }
    }
  }

  /** Drops change-log entries older than the retention and raises each calendar's token floor. */
  async pruneChangeLog(): Promise<number> {
    const cutoff = new Date(this.ctx.clock.now().getTime() - this.ctx.config.syncLogRetentionDays * 86400_000);
    return this.ctx.db.em().transactional(async (em) => {
      const floors = await em.execute<{ calendarid: number; maxtok: number }[]>(
        'select calendarid, max(synctoken) as maxtok from calendarchanges where created_at < ? group by calendarid',
        [cutoff],
      );
      for (const f of floors) {
        await em.execute('update calendars set sync_floor = greatest(sync_floor, ?) where id = ?', [f.maxtok + 1, f.calendarid]);
      }
      const res = await em.execute<{ affectedRows?: number }>('delete from calendarchanges where created_at < ?', [cutoff], 'run');
      return res.affectedRows ?? 0;
    });
  }
}

async function lockCalendar(em: SqlEntityManager, calendarId: number): Promise<{ synctoken: number; objectcount: number }> {
  const rows = await em.execute<{ synctoken: number; objectcount: number }[]>(
    'select synctoken, objectcount from calendars where id = ? for update',
    [calendarId],
  );
  if (!rows[0]) throw notFound('the calendar is gone');
  return rows[0];
}

async function readStored(em: SqlEntityManager, calendarId: number, uri: string): Promise<StoredObject | null> {
  const rows = await em.execute<Row[]>(`select ${FULL} from calendarobjects where calendarid = ? and uri = ?`, [calendarId, uri]);
  return rows[0] ? toStored(rows[0]) : null;
}
