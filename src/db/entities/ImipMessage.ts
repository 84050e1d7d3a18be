import { defineEntity, p } from '@mikro-orm/core';

/**
 * An iMIP message (RFC 6047) a user here sends to an address elsewhere: the iTIP object, to whom,
 * and how its delivery went (queued → sent | failed | refused). The mail job (kind `imip`) holds
 * its id. Rows of the last hour answer the per-user sending limit.
 */
export const ImipMessage = defineEntity({
  name: 'ImipMessage',
  tableName: 'imipmessages',
  properties: {
    id: p.integer().primary().autoincrement(),
    // principals.uri of the sender; the foreign key (on delete cascade) is declared in the migration.
    principaluri: p.string().length(200),
    uid: p.string().length(255),
    recipient: p.string().length(320),
    /** REQUEST, CANCEL or REPLY. */
    method: p.string().length(16),
    /** The iTIP object (METHOD set) as it is mailed. */
    calendardata: p.text().lazy(),
    status: p.string().length(16).default('queued'),
    attempts: p.integer().default(0),
    lastError: p.text().fieldName('last_error').nullable(),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
    sentAt: p.datetime().fieldName('sent_at').nullable(),
  },
  indexes: [
    { name: 'imipmessages_principaluri_created_at_index', properties: ['principaluri', 'createdAt'] },
    { name: 'imipmessages_status_index', properties: ['status'] },
  ],
});
