// SQL of the `calendarobjects` table: the stored iCalendar text and the index columns derived
// from it (UID, component type, first/last instant, instance spans, event fields).
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { EventFields } from '../../ical/eventFields.ts';
import { placeholders, type SqlValue, type Statement } from './statement.ts';

export interface ObjectRow {
  id: number;
  uri: string;
  etag: string;
  size: number;
  lastmodified: number;
  componenttype: string;
  scheduletag: string | null;
  uid?: string;
  calendardata?: string;
}

const META = 'id, uri, etag, size, lastmodified, componenttype, scheduletag';
const FULL = `${META}, uid, calendardata`;

/** Every column a write sets, as derived off the request loop. */
export interface ObjectValues {
  text: string;
  etag: string;
  size: number;
  /** Epoch seconds. */
  now: number;
  componentType: string;
  first: number | null;
  last: number | null;
  uid: string;
  fields: EventFields;
  /** instancespans and instancewindow column literals. */
  spans: [string | null, string];
  /** The Schedule-Tag (RFC 6638 §3.2.10); null for objects that are no scheduling objects. */
  scheduleTag: string | null;
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
export function rowWrite(
  v: ObjectValues,
  calendarId: number,
  uri: string,
  existing: { id: number; etag: string; scheduletag: string | null } | null,
  insertGuard?: Statement,
): Statement {
  const common = [v.componentType, v.first, v.last, v.uid, ...eventColumns(v.fields), ...v.spans, v.scheduleTag];
  if (existing) {
    // The Schedule-Tag is part of what was read: a write that kept it must not land on a newer one.
    return {
      sql: `update calendarobjects set calendardata = ?, etag = ?, size = ?, lastmodified = ?, componenttype = ?,
              firstoccurence = ?, lastoccurence = ?, uid = ?, dtstart = ?, dtend = ?, summary = ?, description = ?,
              organizer = ?, attendees = ?, instancespans = ?, instancewindow = ?, scheduletag = ?
            where id = ? and etag = ? and scheduletag is not distinct from ? returning id`,
      params: [v.text, v.etag, v.size, v.now, ...common, existing.id, existing.etag, existing.scheduletag],
    };
  }
  return {
    sql: `insert into calendarobjects (calendardata, uri, calendarid, lastmodified, etag, size, componenttype, firstoccurence,
            lastoccurence, uid, dtstart, dtend, summary, description, organizer, attendees, instancespans, instancewindow, scheduletag, created_at)
          select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${insertGuard ? ` where ${insertGuard.sql}` : ''}
          on conflict do nothing returning id`,
    params: [v.text, uri, calendarId, v.now, v.etag, v.size, ...common, v.now, ...(insertGuard?.params ?? [])],
  };
}

/** Runs a row write; false when it wrote nothing (the ETag changed, or the name or UID is taken). */
export async function executeRowWrite(em: SqlEntityManager, write: Statement): Promise<boolean> {
  return (await em.execute<{ id: number }[]>(write.sql, write.params as never[])).length > 0;
}

/**
 * One statement: `write` as the CTE `written`, then `ctes` (each `name as (…)`, reading
 * `written`); true when the row was written. Everything commits together or not at all.
 */
export async function executeWithWritten(em: SqlEntityManager, write: Statement, ctes: Statement[]): Promise<boolean> {
  const sql = `with written as (${write.sql}),\n${ctes.map((c) => c.sql).join(',\n')} select count(*) as n from written`;
  const params: SqlValue[] = [...write.params, ...ctes.flatMap((c) => c.params)];
  const rows = await em.execute<{ n: number | string }[]>(sql, params as never[]);
  return Number(rows[0]?.n ?? 0) === 1;
}

/** A guard for statements after a row write: the row was written. */
export const WAS_WRITTEN: Statement = { sql: 'exists (select 1 from written)', params: [] };

/** Runs a statement that reads `written` after a row write that already happened in this transaction. */
export async function executeAfterWrite(em: SqlEntityManager, st: Statement): Promise<void> {
  await em.execute(`with written as (select 1) ${st.sql}`, st.params as never[]);
}

/** The object at `uri`: its metadata and UID, and with `withData` its text. */
export async function selectObject(em: SqlEntityManager, calendarId: number, uri: string, withData: boolean): Promise<ObjectRow | undefined> {
  const rows = await em.execute<ObjectRow[]>(`select ${withData ? FULL : `${META}, uid`} from calendarobjects where calendarid = ? and uri = ?`, [calendarId, uri]);
  return rows[0];
}

/** Metadata of up to `limit` objects with ids above `afterId`, in id order. */
export async function selectMetaPage(em: SqlEntityManager, calendarId: number, afterId: number, limit: number): Promise<ObjectRow[]> {
  return em.execute<ObjectRow[]>(`select ${META} from calendarobjects where calendarid = ? and id > ? order by id limit ?`, [calendarId, afterId, limit]);
}

/** Metadata of the named objects that exist. */
export async function selectMetaByUri(em: SqlEntityManager, calendarId: number, uris: string[]): Promise<ObjectRow[]> {
  if (!uris.length) return [];
  return em.execute<ObjectRow[]>(`select ${META} from calendarobjects where calendarid = ? and uri in (${placeholders(uris.length)})`, [calendarId, ...uris]);
}

export async function selectFirstStart(em: SqlEntityManager, calendarId: number, uri: string): Promise<number | null> {
  const rows = await em.execute<{ firstoccurence: string | null }[]>('select firstoccurence from calendarobjects where calendarid = ? and uri = ?', [calendarId, uri]);
  const v = rows[0]?.firstoccurence;
  return v === null || v === undefined ? null : Number(v);
}

/** Another object of the calendar holding `uid`, by name. */
export async function uriHoldingUid(em: SqlEntityManager, calendarId: number, uid: string, exceptUri: string): Promise<string | undefined> {
  const rows = await em.execute<{ uri: string }[]>('select uri from calendarobjects where calendarid = ? and uid = ? and uri <> ? limit 1', [calendarId, uid, exceptUri]);
  return rows[0]?.uri;
}

/** The names of a calendar's objects that begin with `prefix` (a generated calendar's objects of one source). */
export async function selectUrisWithPrefix(em: SqlEntityManager, calendarId: number, prefix: string): Promise<string[]> {
  const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await em.execute<{ uri: string }[]>("select uri from calendarobjects where calendarid = ? and uri like ? escape '\\' order by id", [calendarId, like]);
  return rows.map((r) => r.uri);
}

/** Deletes the row while its ETag is unchanged; false when it changed or went. */
export async function deleteIfUnchanged(em: SqlEntityManager, id: number, etag: string): Promise<boolean> {
  return (await em.execute<{ id: number }[]>('delete from calendarobjects where id = ? and etag = ? returning id', [id, etag])).length > 0;
}

/** Which rows a batch read takes: named ones, or those the index says may match a query. */
export type BatchFilter =
  | { uris: string[] }
  | {
      componentType?: string;
      /** Epoch seconds; undefined ends are open. */
      range?: { start?: number; end?: number };
      /** Decide in SQL, from the instance spans, the rows whose spans cover the range. */
      exact?: boolean;
    };

function batchWhere(f: BatchFilter): { where: string; params: (string | number | null)[]; exact: string; exactParams: (number | null)[] } {
  if ('uris' in f) return { where: `uri in (${placeholders(f.uris.length)})`, params: f.uris, exact: 'false', exactParams: [] };
  const where = ['true'];
  const params: (string | number | null)[] = [];
  if (f.componentType) (where.push('componenttype = ?'), params.push(f.componentType));
  if (f.range?.start !== undefined) (where.push('lastoccurence >= ?'), params.push(f.range.start));
  if (f.range?.end !== undefined) (where.push('firstoccurence <= ?'), params.push(f.range.end));
  if (f.range && f.range.start === undefined && f.range.end === undefined) where.push('firstoccurence is not null');
  if (!(f.exact && f.range)) return { where: where.join(' and '), params, exact: 'false', exactParams: [] };
  const bounds = [f.range.start ?? null, f.range.end ?? null];
  const covered = `(instancespans is not null and instancewindow @> int8range(?, ?, '[)'))`;
  where.push(`(not ${covered} or instancespans && int8range(?, ?, '[)'))`);
  params.push(...bounds, ...bounds);
  return { where: where.join(' and '), params, exact: covered, exactParams: bounds };
}

/** A batch of rows and whether rows after it may match too. */
export interface Batch<R> {
  rows: R[];
  /** False when this batch is known to be the last: no query for the next one is needed. */
  more: boolean;
}

/**
 * The next rows of a calendar matching `f` after `afterId`, in id order: at most `limit` rows and
 * about `maxChars` of content (always one row at least), cut by the running total of sizes so
 * that objects of several MB never pile up in memory. `exact` is set on rows whose instance spans
 * decide the range in SQL (they overlap it; those that do not are left out).
 */
export async function selectBatch(
  em: SqlEntityManager,
  calendarId: number,
  afterId: number,
  f: BatchFilter,
  limit: number,
  maxChars: number,
): Promise<Batch<ObjectRow & { exact: boolean }>> {
  const w = batchWhere(f);
  const rows = await em.execute<(ObjectRow & { exact: boolean; running: string | number })[]>(
    `select * from (select ${FULL}, ${w.exact} as exact, sum(size) over (order by id) as running
        from calendarobjects where calendarid = ? and id > ? and ${w.where} order by id limit ?) t
      where running - size < ? order by id`,
    [...w.exactParams, calendarId, afterId, ...w.params, limit, maxChars],
  );
  return { rows, more: mayHaveMore(rows, limit, maxChars) };
}

/**
 * Whether rows may follow a batch cut at `limit` rows or `maxChars` of running size. Fewer rows
 * than the limit whose total stays below the size bound means the inner query ran out of rows:
 * the next row, had there been one, would have started below the bound and been kept. Saves the
 * query that used to find the last batch empty (a round trip per multiget and per export).
 */
export function mayHaveMore(rows: { running: string | number }[], limit: number, maxChars: number): boolean {
  const last = rows[rows.length - 1];
  if (!last) return false;
  return rows.length >= limit || Number(last.running) >= maxChars;
}

/**
 * selectBatch's rows with their name and text only (`data`), for reads that need nothing else (a
 * plain export, the web views): PGlite decodes each field of each row, and its thread and the
 * request loop copy them, so metadata nobody reads costs about as much as the text's own transfer.
 */
export async function selectTextBatch(
  em: SqlEntityManager,
  calendarId: number,
  afterId: number,
  f: BatchFilter,
  limit: number,
  maxChars: number,
): Promise<Batch<{ id: number; uri: string; data: string }>> {
  const w = batchWhere(f);
  const rows = await em.execute<{ id: number; uri: string; data: string; running: string | number }[]>(
    `select id, uri, calendardata as data, running from (select id, uri, calendardata, size, sum(size) over (order by id) as running
        from calendarobjects where calendarid = ? and id > ? and ${w.where} order by id limit ?) t
      where running - size < ? order by id`,
    [calendarId, afterId, ...w.params, limit, maxChars],
  );
  return { rows, more: mayHaveMore(rows, limit, maxChars) };
}

/** How many objects of each component type the calendars hold. */
export async function countByComponent(em: SqlEntityManager, calendarIds: number[]): Promise<{ calendarid: number; componenttype: string; n: string }[]> {
  if (!calendarIds.length) return [];
  return em.execute(
    `select calendarid, componenttype, count(*) as n from calendarobjects where calendarid in (${placeholders(calendarIds.length)}) group by calendarid, componenttype`,
    calendarIds,
  );
}

/**
 * Index columns added after rows were written: which rows still lack them, the columns, and what
 * a row whose text no longer passes gets (it must make the row stop matching).
 */
const BACKFILLS = {
  eventFields: {
    missing: "dtstart is null and summary is null and attendees is null and componenttype = 'VEVENT'",
    columns: ['dtstart', 'dtend', 'summary', 'description', 'organizer', 'attendees'],
    fallback: [null, null, null, null, null, '{}'],
  },
  instanceSpans: {
    missing: 'instancewindow is null',
    columns: ['instancespans', 'instancewindow'],
    fallback: [null, 'empty'],
  },
} as const;

export type Backfill = keyof typeof BACKFILLS;

/** Up to `limit` rows still lacking the backfill's columns. */
export async function rowsToBackfill(em: SqlEntityManager, which: Backfill, limit: number): Promise<{ id: number; calendardata: string }[]> {
  return em.execute(`select id, calendardata from calendarobjects where ${BACKFILLS[which].missing} limit ?`, [limit]);
}

/**
 * Sets the backfill's columns of a row from the derived values, or to the fallback when there are
 * none. Instance spans come with the bounds derived beside them (a reindex widened those until now).
 */
export async function writeBackfill(
  em: SqlEntityManager,
  which: Backfill,
  id: number,
  derived: { fields: EventFields; spans: [string | null, string]; first: number | null; last: number | null } | null,
): Promise<void> {
  const b = BACKFILLS[which];
  const columns: string[] = [...b.columns];
  const values: unknown[] = !derived ? [...b.fallback] : which === 'eventFields' ? eventColumns(derived.fields) : [...derived.spans];
  if (derived && which === 'instanceSpans') {
    columns.push('firstoccurence', 'lastoccurence');
    values.push(derived.first, derived.last);
  }
  await em.execute(`update calendarobjects set ${columns.map((c) => `${c} = ?`).join(', ')} where id = ?`, [...values, id]);
}

/** The oldest object with `uid` in any calendar the principal owns, with the instance it is in. */
export async function selectOwnedByUid(em: SqlEntityManager, principaluri: string, uid: string): Promise<{ uri: string; calendardata: string; instance_id: number } | undefined> {
  const rows = await em.execute<{ uri: string; calendardata: string; instance_id: number }[]>(
    `select o.uri, o.calendardata, i.id as instance_id from calendarobjects o
       join calendarinstances i on i.calendarid = o.calendarid and i.principaluri = ? and i.access = 1
      where o.uid = ? order by o.id limit 1`,
    [principaluri, uid],
  );
  return rows[0];
}
