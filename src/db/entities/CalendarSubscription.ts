import { defineEntity, p } from '@mikro-orm/core';

/** sabre/dav `calendarsubscriptions`: server-stored webcal subscriptions (CS:subscribed). */
export const CalendarSubscription = defineEntity({
  name: 'CalendarSubscription',
  tableName: 'calendarsubscriptions',
  properties: {
    id: p.integer().primary().autoincrement(),
    uri: p.string().length(200),
    // principals.uri, e.g. 'principals/alice'. The foreign key (on delete cascade) is declared in the
    // migration: MikroORM cannot map a relation to a non-primary column.
    principaluri: p.string().length(200),
    source: p.text().nullable(),
    displayname: p.string().length(255).nullable(),
    refreshrate: p.string().length(10).nullable(),
    calendarorder: p.integer().default(0),
    calendarcolor: p.string().length(10).nullable(),
    striptodos: p.smallint().nullable(),
    stripalarms: p.smallint().nullable(),
    stripattachments: p.smallint().nullable(),
    lastmodified: p.integer().nullable(),
  },
  uniques: [{ name: 'calendarsubscriptions_principaluri_uri_unique', properties: ['principaluri', 'uri'] }],
});
