// API tokens. The secret is shown once and stored as a SHA-256 hash (it is 256 random bits, so a
// fast hash is enough); it carries the token id, so a check is one primary-key lookup and a
// constant-time comparison. The public handle is the mom_id: base64(SHA-512(id bytes)).
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { ApiToken, Tag, TokenTag, User } from '../db/entities/index.ts';
import { holds, isCapability } from './capabilities.ts';
import type { DomainContext } from './context.ts';
import { forbidden, invalid, notFound } from './errors.ts';
import type { FeedService } from './feeds.ts';
import { ensureTags } from './tags.ts';

export const TOKEN_PREFIX = 'calendula_';

export interface TokenInfo {
  id: string;
  userId: number;
  momId: string;
  name: string;
  capabilities: string[];
  expiresAt: Date | null;
  tags: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface NewToken {
  name: unknown;
  capabilities: unknown;
  expiresAt: unknown;
  tags?: unknown;
}

/** Who a token belongs to and what it may do, once checked. */
export interface TokenGrant {
  token: TokenInfo;
  username: string;
}

export function momIdOf(id: string): string {
  return createHash('sha512').update(Buffer.from(id.replace(/-/g, ''), 'hex')).digest('base64');
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Splits `calendula_<32 hex id>_<secret>` into the token id (a UUID) and the whole string. */
export function tokenIdOf(secret: string): string | null {
  const m = /^calendula_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/.exec(secret);
  if (!m) return null;
  const h = m[1] as string;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function looksLikeToken(s: string): boolean {
  return s.startsWith(TOKEN_PREFIX);
}

type TokenRow = { id: string; user: number; momId: string; name: string; capabilities: string[]; expiresAt?: Date | null; createdAt: Date; lastUsedAt?: Date | null };

function info(t: TokenRow, tags: string[]): TokenInfo {
  return {
    id: t.id,
    userId: t.user,
    momId: t.momId,
    name: t.name,
    capabilities: t.capabilities,
    expiresAt: t.expiresAt ?? null,
    tags,
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt ?? null,
  };
}

export class TokenService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly feeds: FeedService,
  ) {}

  /**
   * Creates a token for a user. `grantor` is what the caller holds (null: a password, which holds
   * everything); a token can only grant what its creator holds. Returns the secret, shown once.
   */
  async create(userId: number, input: NewToken, grantor: readonly string[] | null): Promise<{ secret: string; token: TokenInfo }> {
    const name = input.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 255) throw invalid('name must be 1 to 255 characters', { field: 'name' });
    const caps = input.capabilities;
    if (!Array.isArray(caps) || caps.length === 0 || caps.length > 50 || !caps.every(isCapability)) {
      throw invalid('capabilities must be a non-empty list of capability paths such as "calendars:notify" or "read@events"', { field: 'capabilities' });
    }
    const missing = caps.find((c) => !holds(grantor, c));
    if (missing) throw forbidden(`you cannot grant ${missing}: you do not hold it`, { code: 'insufficient_capabilities' });
    let expiresAt: Date | null = null;
    if (input.expiresAt !== undefined && input.expiresAt !== null) {
      if (typeof input.expiresAt !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(input.expiresAt) || Number.isNaN(Date.parse(input.expiresAt))) {
        throw invalid('expires_at must be an ISO 8601 date-time or null', { field: 'expires_at' });
      }
      expiresAt = new Date(input.expiresAt);
      if (expiresAt.getTime() <= this.ctx.clock.now().getTime()) throw invalid('expires_at must be in the future', { field: 'expires_at' });
    }
    const tags = input.tags === undefined || input.tags === null ? [] : input.tags;
    if (!Array.isArray(tags) || tags.length > 100) throw invalid('tags must be a list of tag names', { field: 'tags' });

    const id = randomUUID();
    const secret = `${TOKEN_PREFIX}${id.replace(/-/g, '')}_${randomBytes(32).toString('base64url')}`;
    const now = this.ctx.clock.now();
    const token = await this.ctx.db.em().transactional(async (em) => {
      const row = em.create(ApiToken, {
        id,
        user: userId,
        name,
        secretHash: hashSecret(secret),
        capabilities: [...new Set(caps as string[])],
        expiresAt,
        createdAt: now,
        momId: momIdOf(id),
      });
      await em.flush();
      const tagRows = await ensureTags(em, userId, tags as string[]);
      for (const t of tagRows) em.create(TokenTag, { token: id, tag: t.id });
      await em.flush();
      await this.feeds.syncFeedsOfUser(em, userId);
      return info(row, tagRows.map((t) => t.name));
    });
    return { secret, token };
  }

  async list(userId: number): Promise<TokenInfo[]> {
    const em = this.ctx.db.em();
    const rows = await em.find(ApiToken, { user: userId, revokedAt: null }, { orderBy: { createdAt: 'asc' } });
    const tags = await this.tagsOf(em, rows.map((r) => r.id));
    return rows.map((r) => info(r, tags.get(r.id) ?? []));
  }

  async byMomId(userId: number, momId: string): Promise<TokenInfo | null> {
    const em = this.ctx.db.em();
    const row = await em.findOne(ApiToken, { user: userId, momId, revokedAt: null });
    if (!row) return null;
    return info(row, (await this.tagsOf(em, [row.id])).get(row.id) ?? []);
  }

  /** Revokes a token; its expiry events leave every feed in the same transaction. */
  async revoke(userId: number, momId: string): Promise<void> {
    await this.ctx.db.em().transactional(async (em) => {
      const row = await em.findOne(ApiToken, { user: userId, momId, revokedAt: null });
      if (!row) throw notFound('no such token');
      row.revokedAt = this.ctx.clock.now();
      await em.flush();
      await this.feeds.syncFeedsOfUser(em, userId);
    });
  }

  /** Checks a presented secret: the token, if it exists, is not revoked and has not expired, and its user is not disabled. */
  async authenticate(secret: string): Promise<TokenGrant | null> {
    const id = tokenIdOf(secret);
    if (!id) return null;
    const em = this.ctx.db.em();
    const row = await em.findOne(ApiToken, { id });
    const given = Buffer.from(hashSecret(secret), 'hex');
    const stored = Buffer.from(row?.secretHash ?? hashSecret(randomBytes(8).toString('hex')), 'hex');
    const same = given.length === stored.length && timingSafeEqual(given, stored);
    if (!row || !same || row.revokedAt) return null;
    const now = this.ctx.clock.now();
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return null;
    const user = await em.findOne(User, { id: row.user, disabled: false }, { fields: ['username'] });
    if (!user) return null;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
      await em.nativeUpdate(ApiToken, { id }, { lastUsedAt: now });
    }
    return { token: info(row, []), username: user.username };
  }

  private async tagsOf(em: SqlEntityManager, ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (!ids.length) return out;
    const links = await em.find(TokenTag, { token: { $in: ids } });
    const tags = await em.find(Tag, { id: { $in: [...new Set(links.map((l) => l.tag))] } });
    const names = new Map(tags.map((t) => [t.id, t.name]));
    for (const l of links) out.set(l.token, [...(out.get(l.token) ?? []), names.get(l.tag) ?? '']);
    return out;
  }
}
