import { defineEntity, p } from '@mikro-orm/core';
import { User } from './User.ts';

/** A one-way push of a user's events into an external calendar. */
export const Synchronization = defineEntity({
  name: 'Synchronization',
  tableName: 'synchronizations',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Null once the user is deleted while an unlink (that still needs this row) finishes. */
    user: p.manyToOne(User).fieldName('user_id').deleteRule('set null').nullable().mapToPk(),
    type: p.string().length(32),
    description: p.text().nullable(),
    enabled: p.boolean().default(true),
    /** OK, PENDING, ERROR, AUTH_FAILED. */
    status: p.string().length(16).default('PENDING'),
    lastResync: p.datetime().fieldName('last_resync').nullable(),
    lastError: p.text().fieldName('last_error').nullable(),
    /** Provider settings; secrets inside are AES-256-GCM encrypted with SECRET_KEY. */
    settings: p.json<Record<string, unknown>>(),
    /** Set while an unlink is finishing in the background; the row goes when it is done. */
    unlinkMode: p.string().length(32).fieldName('unlink_mode').nullable(),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
});
