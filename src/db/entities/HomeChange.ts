import { defineEntity, p } from '@mikro-orm/core';

/**
 * The change log of a calendar home (ours; sabre has none): one row per member of the home (a
 * calendar instance's uri), holding the home token before its latest change and whether that
 * change removed it. sync-collection on the home reads it (RFC 6578 §3.5).
 */
export const HomeChange = defineEntity({
  name: 'HomeChange',
  tableName: 'homechanges',
  properties: {
    id: p.integer().primary().autoincrement(),
    // principals.uri; the foreign key (on delete cascade) is declared in the migration.
    principaluri: p.string().length(200),
    uri: p.string().length(200),
    synctoken: p.integer(),
    deleted: p.boolean().default(false),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
  uniques: [{ name: 'homechanges_principaluri_uri_unique', properties: ['principaluri', 'uri'] }],
  indexes: [{ name: 'homechanges_principaluri_synctoken_index', properties: ['principaluri', 'synctoken'] }],
});
