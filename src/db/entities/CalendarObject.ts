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
    /** RFC 6638 §3.2.10 Schedule-Tag of a scheduling object (null: not one, or written before tags). */
    scheduletag: p.string().length(64).nullable(),
    componenttype: p.string().length(8),
    /** UTC epoch seconds of the first instant of the whole recurrence set. */
    firstoccurence: p.bigint('number').nullable(),
    /** UTC epoch seconds of the last instant (far future for open-ended series). */
    lastoccurence: p.bigint('number').nullable(),
    uid: p.string().length(255),
    // For the events API: the master component's times and texts, and who is involved.
    /** UTC epoch seconds of the master's DTSTART. */
    dtstart: p.bigint('number').nullable(),
    /** UTC epoch seconds of the master's end (DTEND, DTSTART + DURATION, or the start). */
    dtend: p.bigint('number').nullable(),
    summary: p.text().nullable(),
    description: p.text().nullable(),
    /** Lower-case e-mail of the ORGANIZER. */
    organizer: p.string().length(320).nullable(),
    /** Lower-case e-mails of the ATTENDEEs. */
    attendees: p.array().nullable(),
    /** For time-range queries in SQL: each VEVENT instance's [start, end) in epoch seconds. */
    instancespans: p.string().columnType('int8multirange').nullable(),
    /** Where `instancespans` is complete; empty when the object has none (floating, too many). */
    instancewindow: p.string().columnType('int8range').nullable(),
    /** UTC epoch seconds of the creation of the object on this server. */
    createdAt: p.bigint('number').fieldName('created_at').nullable(),
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
    { name: 'calendarobjects_events_start_index', properties: ['calendar', 'dtstart', 'id'] },
    { name: 'calendarobjects_events_end_index', properties: ['calendar', 'dtend', 'id'] },
    { name: 'calendarobjects_events_modified_index', properties: ['calendar', 'lastmodified', 'id'] },
    { name: 'calendarobjects_events_created_index', properties: ['calendar', 'createdAt', 'id'] },
    {
      name: 'calendarobjects_events_name_index',
      expression: 'create index "calendarobjects_events_name_index" on "calendarobjects" ("calendarid", lower(left("summary", 200)), "id")',
    },
    { name: 'calendarobjects_organizer_index', properties: ['organizer'] },
    {
      name: 'calendarobjects_attendees_index',
      expression: 'create index "calendarobjects_attendees_index" on "calendarobjects" using gin ("attendees")',
    },
  ],
});
