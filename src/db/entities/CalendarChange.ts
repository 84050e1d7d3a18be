import { defineEntity, p } from '@mikro-orm/core';
import { Calendar } from './Calendar.ts';

/** sabre/dav `calendarchanges`: the change log behind sync-collection. */
export const CalendarChange = defineEntity({
  name: 'CalendarChange',
  tableName: 'calendarchanges',
  properties: {
    id: p.integer().primary().autoincrement(),
    uri: p.string().length(255),
    synctoken: p.integer(),
    calendar: p.manyToOne(Calendar).fieldName('calendarid').deleteRule('cascade').mapToPk(),
    /** 1 added, 2 modified, 3 deleted (sabre's values). */
    operation: p.smallint(),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
  indexes: [{ name: 'calendarchanges_calendarid_synctoken_index', properties: ['calendar', 'synctoken'] }],
});
