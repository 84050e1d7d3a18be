// SQL of `calendarinstances` read together with their `calendars` row: what a calendar view is
// made of (sabre/dav's split: the data row is shared, each instance is one principal's view of it).
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { ObjectRow } from './calendarObjects.ts';

export interface InstanceRow {
  id: number;
  calendarid: number;
  principaluri: string;
  uri: string;
  access: number;
  displayname: string | null;
  description: string | null;
  calendarcolor: string | null;
  calendarorder: number;
  timezone: string | null;
  transparent: number;
  public: boolean;
  web_hidden: boolean;
  components: string | null;
  synctoken: number;
  sync_floor: number;
  objectcount: number;
  owner: string | null;
  generated: string | null;
}

/** Which instances to read: every given field must match; `owned`: the owner's own instance. */
export interface InstanceFilter {
  id?: number;
  principaluri?: string;
  uri?: string;
  owned?: boolean;
  /** What the calendar is generated from (see the `generated` column of calendars). */
  generated?: string;
}

const SELECT_VIEW = `
  select i.id, i.calendarid, i.principaluri, i.uri, i.access, i.displayname, i.description,
         i.calendarcolor, i.calendarorder, i.timezone, i.transparent, i.public, i.web_hidden,
         c.components, c.synctoken, c.sync_floor, c.objectcount, c.generated,
         (select o.principaluri from calendarinstances o where o.calendarid = i.calendarid and o.access = 1 limit 1) as owner
    from calendarinstances i join calendars c on c.id = i.calendarid`;

function whereOf(f: InstanceFilter): [string, unknown[]] {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.id !== undefined) (parts.push('i.id = ?'), params.push(f.id));
  if (f.principaluri !== undefined) (parts.push('i.principaluri = ?'), params.push(f.principaluri));
  if (f.uri !== undefined) (parts.push('i.uri = ?'), params.push(f.uri));
  if (f.owned) parts.push('i.access = 1');
  if (f.generated !== undefined) (parts.push('c.generated = ?'), params.push(f.generated));
  return [parts.length ? parts.join(' and ') : 'true', params];
}

/** The instances matching `f`, in the owner's display order. */
export async function selectInstances(em: SqlEntityManager, f: InstanceFilter): Promise<InstanceRow[]> {
  const [where, params] = whereOf(f);
  return em.execute<InstanceRow[]>(`${SELECT_VIEW} where ${where} order by i.calendarorder, i.id`, params as never[]);
}

/**
 * A principal's instance named `calUri` and the object at `objUri` in it, in one query (the
 * object is null when absent); `withData` reads the object's UID and content too.
 */
export async function selectInstanceWithObject(
  em: SqlEntityManager,
  principaluri: string,
  calUri: string,
  objUri: string,
  withData: boolean,
): Promise<{ instance: InstanceRow; object: ObjectRow | null } | null> {
  const cols = `o.id as o_id, o.uri as o_uri, o.etag as o_etag, o.size as o_size, o.lastmodified as o_lastmodified,
    o.componenttype as o_componenttype, o.scheduletag as o_scheduletag${withData ? ', o.uid as o_uid, o.calendardata as o_calendardata' : ''}`;
  const rows = await em.execute<(InstanceRow & Record<string, unknown>)[]>(
    `select v.*, ${cols} from (${SELECT_VIEW} where i.principaluri = ? and i.uri = ?) v
       left join calendarobjects o on o.calendarid = v.calendarid and o.uri = ?`,
    [principaluri, calUri, objUri],
  );
  const r = rows[0];
  if (!r) return null;
  if (r.o_id === null || r.o_id === undefined) return { instance: r, object: null };
  return {
    instance: r,
    object: {
      id: r.o_id as number,
      uri: r.o_uri as string,
      etag: r.o_etag as string,
      size: r.o_size as number,
      lastmodified: r.o_lastmodified as number,
      componenttype: r.o_componenttype as string,
      scheduletag: (r.o_scheduletag as string | null) ?? null,
      uid: r.o_uid as string | undefined,
      calendardata: r.o_calendardata as string | undefined,
    },
  };
}
