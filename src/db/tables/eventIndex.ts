// Queries of `calendarobjects` through its event index columns (dtstart, dtend, summary,
// description, attendees), joined to the instances a principal sees: the events API's reads.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { placeholders } from './statement.ts';

export type EventSort = 'start' | 'end' | 'name' | 'created' | 'updated';

export interface EventFilter {
  /** Epoch seconds. */
  start?: number;
  end?: number;
  /** Lower-cased attendee addresses; any of them matches. */
  recipients?: string[];
  /** Case-insensitive substrings. */
  name?: string;
  description?: string;
  sortBy: EventSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface EventRow {
  id: number;
  uri: string;
  etag: string;
  calendardata: string;
  lastmodified: number;
  created_at: string | null;
  instance_id: number;
}

const SORT_COLUMNS: Record<EventSort, string> = {
  start: 'o.dtstart',
  end: 'o.dtend',
  // The index holds the first 200 characters (longer names tie there and fall back to the id).
  name: 'lower(left(o.summary, 200))',
  created: 'o.created_at',
  updated: 'o.lastmodified',
};

const FROM = 'from calendarobjects o join calendarinstances i on i.calendarid = o.calendarid and i.principaluri = ?';

function likePattern(s: string): string {
  return `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function whereOf(principaluri: string, q: EventFilter): { where: string; params: (string | number)[]; order: string } {
  const where = ["o.componenttype = 'VEVENT'"];
  const params: (string | number)[] = [principaluri];
  if (q.start !== undefined && q.end !== undefined && q.start === q.end) {
    // A window of one instant (as in the seed's example): the events that cover it.
    where.push('o.firstoccurence <= ? and o.lastoccurence >= ?');
    params.push(q.start, q.start);
  } else {
    if (q.end !== undefined) {
      where.push('o.firstoccurence < ?');
      params.push(q.end);
    }
    if (q.start !== undefined) {
      // Overlap: ends after the window starts; an instant event counts when it is inside the window.
      where.push('(o.lastoccurence > ? or (o.lastoccurence = o.firstoccurence and o.firstoccurence >= ?))');
      params.push(q.start, q.start);
    }
  }
  if (q.recipients?.length) {
    where.push(`o.attendees && array[${placeholders(q.recipients.length)}]::text[]`);
    params.push(...q.recipients);
  }
  if (q.name) {
    where.push("lower(o.summary) like ? escape '\\'");
    params.push(likePattern(q.name));
  }
  if (q.description) {
    where.push("lower(o.description) like ? escape '\\'");
    params.push(likePattern(q.description));
  }
  const dir = q.order === 'desc' ? 'desc' : 'asc';
  return { where: where.join(' and '), params, order: `${SORT_COLUMNS[q.sortBy]} ${dir} nulls last, o.id ${dir}` };
}

/** One page of the events the principal sees that match `q`, and how many match in all. */
export async function selectEventPage(em: SqlEntityManager, principaluri: string, q: EventFilter): Promise<{ rows: EventRow[]; total: number }> {
  const { where, params, order } = whereOf(principaluri, q);
  const total = await em.execute<{ n: string }[]>(`select count(*) as n ${FROM} where ${where}`, params);
  // The page is chosen on narrow rows (ids and sort keys), then its objects are read: sorting
  // whole objects for a deep offset spilled to disk (240 ms at 100,000 events, now far less).
  const rows = await em.execute<EventRow[]>(
    `select o.id, o.uri, o.etag, o.calendardata, o.lastmodified, o.created_at, p.instance_id
       from (select o.id, i.id as instance_id ${FROM} where ${where} order by ${order} limit ? offset ?) p
       join calendarobjects o on o.id = p.id
      order by ${order}`,
    [...params, q.limit, q.offset],
  );
  return { rows, total: Number(total[0]?.n ?? 0) };
}

/** The event with this object id, when the principal sees it. */
export async function selectEvent(em: SqlEntityManager, principaluri: string, id: number): Promise<EventRow | undefined> {
  const rows = await em.execute<EventRow[]>(
    `select o.id, o.uri, o.etag, o.calendardata, o.lastmodified, o.created_at, i.id as instance_id
       ${FROM} where o.id = ? and o.componenttype = 'VEVENT'`,
    [principaluri, id],
  );
  return rows[0];
}
