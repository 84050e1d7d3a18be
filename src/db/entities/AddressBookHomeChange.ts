import { defineEntity, p } from '@mikro-orm/core';

/**
 * The change log of an address-book home (ours; sabre has none), as homechanges is for the
 * calendar home: one row per address book of the home (its uri), holding the home token before its
 * latest change (of the book or of a card in it) and whether that change removed it.
 * sync-collection on the home reads it (RFC 6578 §3.5).
 */
export const AddressBookHomeChange = defineEntity({
  name: 'AddressBookHomeChange',
  tableName: 'addressbookhomechanges',
  properties: {
    id: p.integer().primary().autoincrement(),
    // principals.uri; the foreign key (on delete cascade) is declared in the migration.
    principaluri: p.string().length(255),
    uri: p.string().length(200),
    synctoken: p.integer(),
    deleted: p.boolean().default(false),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
  uniques: [{ name: 'addressbookhomechanges_principaluri_uri_unique', properties: ['principaluri', 'uri'] }],
  indexes: [{ name: 'addressbookhomechanges_principaluri_synctoken_index', properties: ['principaluri', 'synctoken'] }],
});
