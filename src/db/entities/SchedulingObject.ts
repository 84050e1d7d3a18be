import { defineEntity, p } from '@mikro-orm/core';

/** sabre/dav `schedulingobjects`: iTIP messages in a principal's schedule inbox. */
export const SchedulingObject = defineEntity({
  name: 'SchedulingObject',
  tableName: 'schedulingobjects',
  properties: {
    id: p.integer().primary().autoincrement(),
    // principals.uri, e.g. 'principals/alice'. The foreign key (on delete cascade) is declared in the
    // migration: MikroORM cannot map a relation to a non-primary column.
    principaluri: p.string().length(200),
    calendardata: p.text().lazy(),
    uri: p.string().length(255),
    lastmodified: p.integer(),
    etag: p.string().length(64),
    size: p.integer(),
    /** When the item arrived (items are kept INBOX_RETENTION_DAYS). */
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
  uniques: [{ name: 'schedulingobjects_principaluri_uri_unique', properties: ['principaluri', 'uri'] }],
});
