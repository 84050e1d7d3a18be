import { defineEntity, p } from '@mikro-orm/core';

/**
 * The change log of a schedule inbox (ours; sabre has none): one row per inbox item (its uri),
 * holding the inbox token before its latest change and whether that change removed it.
 * sync-collection on the inbox reads it (RFC 6578 §3.5).
 */
export const SchedulingInboxChange = defineEntity({
  name: 'SchedulingInboxChange',
  tableName: 'schedulinginboxchanges',
  properties: {
    id: p.integer().primary().autoincrement(),
    // principals.uri; the foreign key (on delete cascade) is declared in the migration.
    principaluri: p.string().length(200),
    uri: p.string().length(255),
    synctoken: p.integer(),
    deleted: p.boolean().default(false),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
  uniques: [{ name: 'schedulinginboxchanges_principaluri_uri_unique', properties: ['principaluri', 'uri'] }],
  indexes: [{ name: 'schedulinginboxchanges_principaluri_synctoken_index', properties: ['principaluri', 'synctoken'] }],
});
