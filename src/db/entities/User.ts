import { defineEntity, p } from '@mikro-orm/core';

/** sabre/dav `users`, with a scrypt hash instead of sabre's digest column. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.integer().primary().autoincrement(),
    username: p.string().length(64).unique('users_username_unique'),
    passwordHash: p.text().fieldName('password_hash'),
    /** BCP 47 language tag (the provisioning API's `locale`). */
    locale: p.string().length(35).nullable(),
    /** The IANA zone of the web face (the browser's at first sign-in); null: APP_TIMEZONE. */
    timezone: p.string().length(64).nullable(),
    /** May use the web UI's admin console (the first user is one). */
    isAdmin: p.boolean().fieldName('is_admin').default(false),
    /** Refused everywhere (passwords, app passwords, API tokens, sessions) while set. */
    disabled: p.boolean().default(false),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
    updatedAt: p.datetime().fieldName('updated_at').defaultRaw('now()'),
  },
});
