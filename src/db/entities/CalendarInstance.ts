import { defineEntity, p } from '@mikro-orm/core';
import { Calendar } from './Calendar.ts';

/** sabre/dav `calendarinstances`: one user's view of a calendar (owner or sharee). */
export const CalendarInstance = defineEntity({
  name: 'CalendarInstance',
  tableName: 'calendarinstances',
  properties: {
    id: p.integer().primary().autoincrement(),
    calendar: p.manyToOne(Calendar).fieldName('calendarid').deleteRule('cascade').mapToPk(),
    // principals.uri, e.g. 'principals/alice'. The foreign key (on delete cascade) is declared in the
    // migration: MikroORM cannot map a relation to a non-primary column.
    principaluri: p.string().length(200),
    /** 1 owner, 2 read-only sharee, 3 read-write sharee (sabre's values). */
    access: p.smallint().default(1),
    displayname: p.string().length(255).nullable(),
    uri: p.string().length(200),
    description: p.text().nullable(),
    calendarorder: p.integer().default(0),
    calendarcolor: p.string().length(10).nullable(),
    timezone: p.text().nullable(),
    transparent: p.smallint().default(0),
    shareHref: p.string().length(255).fieldName('share_href').nullable(),
    shareDisplayname: p.string().length(255).fieldName('share_displayname').nullable(),
    shareInvitestatus: p.smallint().fieldName('share_invitestatus').default(2),
    public: p.boolean().default(false),
    /** Hidden from this user's web views (their own choice; clients and feeds are not affected). */
    webHidden: p.boolean().fieldName('web_hidden').default(false),
  },
  uniques: [
    { name: 'calendarinstances_principaluri_uri_unique', properties: ['principaluri', 'uri'] },
    { name: 'calendarinstances_calendarid_principaluri_unique', properties: ['calendar', 'principaluri'] },
  ],
});
