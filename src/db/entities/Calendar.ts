import { defineEntity, p } from '@mikro-orm/core';

/** sabre/dav `calendars`: the data side of a calendar (shared by all its instances). */
export const Calendar = defineEntity({
  name: 'Calendar',
  tableName: 'calendars',
  properties: {
    id: p.integer().primary().autoincrement(),
    synctoken: p.integer().default(1),
    /** CSV of VEVENT, VJOURNAL, VTODO in that order. */
    components: p.string().length(21).nullable(),
    /** How many objects the calendar holds, kept by the write path (ours; enforces the limit cheaply). */
    objectcount: p.integer().default(0),
    /** Oldest sync token still answerable from the change log (ours). */
    syncFloor: p.integer().fieldName('sync_floor').default(1),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
    /**
     * What the server generates the calendar from (ours): `birthdays` for the birthday calendar;
     * null for a calendar of objects its users write. Nobody writes into a generated calendar.
     */
    generated: p.string().length(32).nullable(),
  },
});
