import { defineEntity, p } from '@mikro-orm/core';
import { User } from './User.ts';

/**
 * A signed-in browser (the web UI). The cookie holds a random secret; only its SHA-256 is kept,
 * so a copy of the database signs nobody in. `csrf` is the token every form of the session posts.
 */
export const WebSession = defineEntity({
  name: 'WebSession',
  tableName: 'web_sessions',
  properties: {
    id: p.string().length(64).primary(),
    user: p.manyToOne(User).fieldName('user_id').deleteRule('cascade').mapToPk(),
    csrf: p.string().length(64),
    createdAt: p.datetime().fieldName('created_at'),
    lastSeenAt: p.datetime().fieldName('last_seen_at'),
    /** Shown once, on this session's next page (a new app password's secret); then cleared. */
    flash: p.text().nullable(),
    expiresAt: p.datetime().fieldName('expires_at').index('web_sessions_expires_at_index'),
  },
});
