// Browser sessions of the web UI. The cookie carries a random secret; the database keeps its
// SHA-256 (so a database copy signs nobody in), the user, a CSRF token for the session's forms,
// and two ends: an idle one that each request pushes back, and a hard one set at sign-in.
import { createHash, randomBytes } from 'node:crypto';
import { User, WebSession } from '../db/entities/index.ts';
import type { DomainContext } from './context.ts';
import type { UserInfo, UserService } from './users.ts';

export interface StartedSession {
  /** For the cookie only; never stored. */
  secret: string;
  csrf: string;
}

export interface ActiveSession {
  user: UserInfo;
  csrf: string;
  /** Something waits to be shown on the next page (takeFlash reads it). */
  hasFlash: boolean;
}

/** The most a flash may hold (an import report is the largest thing kept in one). */
export const MAX_FLASH_LENGTH = 256 * 1024;

/** Pushing the idle end back costs a write; do it at most this often per session. */
const TOUCH_EVERY_MS = 60_000;

const idOf = (secret: string) => createHash('sha256').update(secret).digest('hex');
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export class WebSessionService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly users: UserService,
  ) {}

  private idleMs(): number {
    return this.ctx.config.web.sessionIdleMinutes * 60_000;
  }

  /** A new session for a user who just proved who they are (a fresh id at every sign-in). */
  async start(userId: number): Promise<StartedSession> {
    const secret = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const now = this.ctx.clock.now();
    const hardEnd = now.getTime() + this.ctx.config.web.sessionMaxDays * 86_400_000;
    const em = this.ctx.db.em();
    em.create(WebSession, {
      id: idOf(secret),
      user: userId,
      csrf,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(Math.min(hardEnd, now.getTime() + this.idleMs())),
    });
    await em.flush();
    return { secret, csrf };
  }

  /** The session behind a cookie value, or null when it is unknown, ended, or its user is disabled. */
  async find(secret: string): Promise<ActiveSession | null> {
    if (!SECRET.test(secret)) return null;
    const em = this.ctx.db.em();
    const row = await em.findOne(WebSession, { id: idOf(secret) });
    const now = this.ctx.clock.now();
    if (!row || row.expiresAt.getTime() <= now.getTime()) return null;
    const user = await em.findOne(User, { id: row.user }, { fields: ['username', 'disabled'] });
    if (!user || user.disabled) return null;
    const info = await this.users.get(user.username);
    if (!info) return null;
    if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      const hardEnd = row.createdAt.getTime() + this.ctx.config.web.sessionMaxDays * 86_400_000;
      await em.nativeUpdate(WebSession, { id: row.id }, { lastSeenAt: now, expiresAt: new Date(Math.min(hardEnd, now.getTime() + this.idleMs())) });
    }
    return { user: info, csrf: row.csrf, hasFlash: row.flash !== null && row.flash !== undefined };
  }

  /**
   * Keeps a value for this session's next page (what a POST made and the page after its
   * redirect must show once: a new app password's secret, an import's report). Replaces any
   * value not yet taken.
   */
  async setFlash(secret: string, value: string): Promise<void> {
    if (!SECRET.test(secret)) return;
    if (value.length > MAX_FLASH_LENGTH) throw new RangeError('flash value too long');
    await this.ctx.db.em().nativeUpdate(WebSession, { id: idOf(secret) }, { flash: value });
  }

  /**
   * The value kept for this page, cleared in the same step: of two requests racing for it only
   * one gets it (the clear is conditional on the value read), so a reload never shows it again.
   */
  async takeFlash(secret: string): Promise<string | null> {
    if (!SECRET.test(secret)) return null;
    const em = this.ctx.db.em();
    const id = idOf(secret);
    const row = await em.findOne(WebSession, { id }, { fields: ['flash'] });
    const value = row?.flash ?? null;
    if (value === null) return null;
    const cleared = await em.nativeUpdate(WebSession, { id, flash: value }, { flash: null });
    return cleared === 1 ? value : null;
  }

  /** Sign-out. */
  async end(secret: string): Promise<void> {
    if (!SECRET.test(secret)) return;
    await this.ctx.db.em().nativeDelete(WebSession, { id: idOf(secret) });
  }

  /** Ends every session of a user but the one given (after a password change, or when disabled). */
  async endOthers(userId: number, keepSecret?: string): Promise<void> {
    const keep = keepSecret && SECRET.test(keepSecret) ? idOf(keepSecret) : null;
    await this.ctx.db.em().nativeDelete(WebSession, keep ? { user: userId, id: { $ne: keep } } : { user: userId });
  }

  /** Drops ended sessions (the scheduled sweep). */
  async prune(): Promise<number> {
    return this.ctx.db.em().nativeDelete(WebSession, { expiresAt: { $lte: this.ctx.clock.now() } });
  }
}
