import { defineEntity, p } from '@mikro-orm/core';

/** sabre/dav `addressbooks`: one CardDAV address book of a principal (no sharing yet, so no instances). */
export const AddressBook = defineEntity({
  name: 'AddressBook',
  tableName: 'addressbooks',
  properties: {
    id: p.integer().primary().autoincrement(),
    // principals.uri, e.g. 'principals/alice' (sabre's varchar(255)). The foreign key (on delete
    // cascade) is declared in the migration: MikroORM cannot map a relation to a non-primary column.
    principaluri: p.string().length(255),
    displayname: p.string().length(255).nullable(),
    uri: p.string().length(200),
    description: p.text().nullable(),
    synctoken: p.integer().default(1),
    /** Oldest sync token still answerable from the change log (ours). */
    syncFloor: p.integer().fieldName('sync_floor').default(1),
    /** How many cards the book holds, kept by the write path (ours; enforces the limit cheaply). */
    cardcount: p.integer().default(0),
  },
  uniques: [{ name: 'addressbooks_principaluri_uri_unique', properties: ['principaluri', 'uri'] }],
});
