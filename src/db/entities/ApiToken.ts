import { defineEntity, p } from '@mikro-orm/core';
import { User } from './User.ts';

/** A user's API token: the secret is stored only as a SHA-256 hash. */
export const ApiToken = defineEntity({
  name: 'ApiToken',
  tableName: 'api_tokens',
  properties: {
    id: p.uuid().primary(),
    user: p.manyToOne(User).fieldName('user_id').deleteRule('cascade').mapToPk(),
    name: p.string().length(255),
    secretHash: p.string().length(64).fieldName('secret_hash'),
    capabilities: p.json<string[]>(),
    expiresAt: p.datetime().fieldName('expires_at').nullable(),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
    lastUsedAt: p.datetime().fieldName('last_used_at').nullable(),
    revokedAt: p.datetime().fieldName('revoked_at').nullable(),
    /** base64(SHA-512(id bytes)): the public handle of the token. */
    momId: p.string().length(100).fieldName('mom_id').unique('api_tokens_mom_id_unique'),
  },
});
