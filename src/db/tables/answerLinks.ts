// SQL the answer links need: the organizer's copy of an event with its last instant (the index
// column calendarobjects.lastoccurence, epoch seconds), which bounds how long a link answers.
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export interface OrganizerCopyRow {
  calendardata: string;
  /** Epoch seconds of the end of the last instance; null when no time is known. */
  lastoccurence: number | null;
}

/**
 * The organizer's copy: the oldest object with `uid` in a calendar the principal owns (the copy
 * scheduling writes replies into, as selectOwnedByUid picks it).
 */
export async function selectOrganizerCopy(em: SqlEntityManager, principaluri: string, uid: string): Promise<OrganizerCopyRow | undefined> {
  const rows = await em.execute<{ calendardata: string; lastoccurence: string | number | null }[]>(
    `select o.calendardata, o.lastoccurence from calendarobjects o
       join calendarinstances i on i.calendarid = o.calendarid and i.principaluri = ? and i.access = 1
      where o.uid = ? order by o.id limit 1`,
    [principaluri, uid],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { calendardata: r.calendardata, lastoccurence: r.lastoccurence === null ? null : Number(r.lastoccurence) };
}
