import { defineEntity, p } from '@mikro-orm/core';
import { Calendar } from './Calendar.ts';

/** sabre/dav `calendarobjects`: the iCalendar text as received plus the index columns. */
export const CalendarObject = defineEntity({
  name: 'CalendarObject',
  tableName: 'calendarobjects',
  properties: {
    id: p.integer().primary().autoincrement(),
    calendardata: p.text().lazy(),
    uri: p.string().length(255),
    calendar: p.manyToOne(Calendar).fieldName('calendarid').deleteRule('cascade').mapToPk(),
    lastmodified: p.integer(),
    etag: p.string().length(64),
    size: p.integer(),
    componenttype: p.string().length(8),
    /** UTC epoch seconds of the first instant of the whole recurrence set. */
    firstoccurence: p.bigint('number').nullable(),
    /** UTC epoch seconds of the last instant (far future for open-ended series). */
    lastoccurence: p.bigint('number').nullable(),
    uid: p.string().length(255),
  },
  uniques: [
    { name: 'calendarobjects_calendarid_uri_unique', properties: ['calendar', 'uri'] },
    { name: 'calendarobjects_calendarid_uid_unique', properties: ['calendar', 'uid'] },
  ],
  indexes: [
    {
      name: 'calendarobjects_timerange_index',
      properties: ['calendar', 'componenttype', 'firstoccurence', 'lastoccurence'],
    },
  ],
});
