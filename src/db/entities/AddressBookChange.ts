import { defineEntity, p } from '@mikro-orm/core';
import { AddressBook } from './AddressBook.ts';

/** sabre/dav `addressbookchanges`: the change log behind sync-collection on an address book. */
export const AddressBookChange = defineEntity({
  name: 'AddressBookChange',
  tableName: 'addressbookchanges',
  properties: {
    id: p.integer().primary().autoincrement(),
    uri: p.string().length(200),
    synctoken: p.integer(),
    addressbook: p.manyToOne(AddressBook).fieldName('addressbookid').deleteRule('cascade').mapToPk(),
    /** 1 added, 2 modified, 3 deleted (sabre's values). */
    operation: p.smallint(),
    /** When the change was logged (ours: the log is pruned by age). */
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
  indexes: [{ name: 'addressbookchanges_addressbookid_synctoken_index', properties: ['addressbook', 'synctoken'] }],
});
