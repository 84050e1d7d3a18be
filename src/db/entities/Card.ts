import { defineEntity, p } from '@mikro-orm/core';
import { AddressBook } from './AddressBook.ts';

/** sabre/dav `cards`: the vCard text as received (sabre: bytea; text here, like calendarobjects) and its UID. */
export const Card = defineEntity({
  name: 'Card',
  tableName: 'cards',
  properties: {
    id: p.integer().primary().autoincrement(),
    addressbook: p.manyToOne(AddressBook).fieldName('addressbookid').deleteRule('cascade').mapToPk(),
    carddata: p.text().lazy(),
    uri: p.string().length(200),
    /** Epoch seconds of the last write. */
    lastmodified: p.integer(),
    etag: p.string().length(32),
    size: p.integer(),
    /** The vCard's UID (ours: sabre finds UIDs by parsing; this keeps them unique per book). */
    uid: p.string().length(255),
  },
  uniques: [
    { name: 'cards_addressbookid_uri_unique', properties: ['addressbook', 'uri'] },
    { name: 'cards_addressbookid_uid_unique', properties: ['addressbook', 'uid'] },
  ],
});
