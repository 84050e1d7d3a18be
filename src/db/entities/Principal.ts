import { defineEntity, p } from '@mikro-orm/core';

/** sabre/dav `principals`: one row per user (is_main) plus future group or proxy principals. */
export const Principal = defineEntity({
  name: 'Principal',
  tableName: 'principals',
  properties: {
    id: p.integer().primary().autoincrement(),
    uri: p.string().length(200).unique('principals_uri_unique'),
    email: p.string().length(255).nullable(),
    displayname: p.string().length(255).nullable(),
    isMain: p.boolean().fieldName('is_main').default(true),
    /** The sync token of the principal's calendar home (ours): bumped by every change of a calendar in it. */
    homeSynctoken: p.integer().fieldName('home_synctoken').default(1),
    /** Oldest home token still answerable from homechanges (ours). */
    homeSyncFloor: p.integer().fieldName('home_sync_floor').default(1),
    /** The token of the principal's address-book home (ours): bumped by every change of an address book or card in it. */
    addressbookHomeSynctoken: p.integer().fieldName('addressbook_home_synctoken').default(1),
    /** Oldest address-book home token still answerable from addressbookhomechanges (ours). */
    addressbookHomeSyncFloor: p.integer().fieldName('addressbook_home_sync_floor').default(1),
    /** The sync token of the principal's schedule inbox (ours): bumped by every item that arrives or goes. */
    inboxSynctoken: p.integer().fieldName('inbox_synctoken').default(1),
    /** Oldest inbox token still answerable from schedulinginboxchanges (ours). */
    inboxSyncFloor: p.integer().fieldName('inbox_sync_floor').default(1),
    /** The calendar (its uri in the home) where invitations land; null: the server's choice. */
    scheduleDefaultCalendar: p.string().length(200).fieldName('schedule_default_calendar').nullable(),
  },
});
