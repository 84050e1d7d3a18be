// HTTP Basic authentication for CalDAV: password check with throttling, and a short-lived cache
// of verified credentials so that a client's every request does not pay for scrypt.
import { createHash, randomBytes } from 'node:crypto';
import basicAuth from 'basic-auth';
import type { Clock } from '../clock.ts';
import type { AuthThrottle } from '../config.ts';
import type { LoginFailureService } from '../domain/loginFailures.ts';
import type { UserService } from '../domain/users.ts';
import { decoyHash, verifyPassword } from '../domain/passwords.ts';
import { failureDelayMs, lockedFor, throttleKeys } from './throttle.ts';

export interface AuthenticatedUser {
  id: number;
  username: string;
  /** How the caller proved who they are. */
  via: 'password' | 'token';
}

export type BasicOutcome =
  | { kind: 'ok'; user: AuthenticatedUser }
  | { kind: 'missing' }
  | { kind: 'invalid'; delayMs: number }
  | { kind: 'throttled'; retryAfterSeconds: number };

/** Another way to accept a Basic password (API tokens holding `dav`), tried before the password. */
export type AlternativeVerifier = (username: string, secret: string) => Promise<AuthenticatedUser | null>;

const CACHE_TTL_MS = 5 * 60 * 1000;
const CACHE_MAX = 10_000;
/**
 * How long a user's stored hash is reused without asking the database. A password change or
 * deletion in this process takes effect at once; one made by another process (several servers
 * on one PostgreSQL) within this time.
 */
const CREDENTIALS_TTL_MS = 10_000;

type Credentials = { id: number; username: string; passwordHash: string } | null;

export class BasicAuthenticator {
  /** Keyed by a hash over the stored hash and the given password: a password change misses. */
  private readonly verified = new Map<string, number>();
  private readonly pepper = randomBytes(32);
  private readonly alternatives: AlternativeVerifier[] = [];
  private readonly credentials = new Map<string, { stored: Credentials; until: number }>();

  constructor(
    private readonly users: UserService,
    private readonly failures: LoginFailureService,
    private readonly policy: AuthThrottle,
    private readonly clock: Clock,
  ) {
    users.onCredentialsChange((username) => this.credentials.delete(username));
  }

  /** The stored hash, from the short-lived cache or the database (only known users are kept). */
  private async storedFor(username: string, now: number): Promise<Credentials> {
    const hit = this.credentials.get(username);
    if (hit && hit.until > now) return hit.stored;
    const stored = await this.users.credentials(username);
    if (stored) {
      if (this.credentials.size >= CACHE_MAX) this.credentials.delete(this.credentials.keys().next().value as string);
      this.credentials.set(username, { stored, until: now + CREDENTIALS_TTL_MS });
    }
    return stored;
  }

  addAlternative(v: AlternativeVerifier): void {
    this.alternatives.push(v);
  }

  async authenticate(authorization: string | undefined, address: string): Promise<BasicOutcome> {
    const creds = authorization ? basicAuth.parse(authorization) : undefined;
    if (!creds) return { kind: 'missing' };
    const { name, pass } = creds;

    for (const alt of this.alternatives) {
      const user = await alt(name, pass);
      if (user) return { kind: 'ok', user };
    }
    return this.checkPassword(name, pass, address);
  }

  /**
   * A user's own password, throttled per user and per address: what Basic authentication falls
   * back to, and all the web UI's sign-in accepts (app passwords are for clients).
   */
  async checkPassword(name: string, pass: string, address: string): Promise<Exclude<BasicOutcome, { kind: 'missing' }>> {
    const now = this.clock.now().getTime();
    const stored = await this.storedFor(name, now);
    const cacheKey = stored ? this.cacheKey(stored.passwordHash, pass) : undefined;
    if (stored && cacheKey) {
      const until = this.verified.get(cacheKey);
      if (until !== undefined && until > now) {
        return { kind: 'ok', user: { id: stored.id, username: stored.username, via: 'password' } };
      }
    }

    const keys = throttleKeys(name, address);
    const counts = await this.failures.counts([keys.user, keys.ip]);
    const wait = lockedFor(this.policy, this.clock.now(), counts.get(keys.user), counts.get(keys.ip));
    if (wait > 0) return { kind: 'throttled', retryAfterSeconds: wait };

    // Unknown users cost the same scrypt as known ones, so timing does not reveal who exists.
    const ok = await verifyPassword(pass, stored?.passwordHash ?? (await decoyHash()));
    if (ok && stored && cacheKey) {
      this.remember(cacheKey, now + CACHE_TTL_MS);
      return { kind: 'ok', user: { id: stored.id, username: stored.username, via: 'password' } };
    }
    const after = await this.failures.record([keys.user, keys.ip]);
    const worst = Math.max(after.get(keys.user)?.failures ?? 0, after.get(keys.ip)?.failures ?? 0);
    return { kind: 'invalid', delayMs: failureDelayMs(this.policy, worst) };
  }

  private cacheKey(passwordHash: string, password: string): string {
    return createHash('sha256').update(this.pepper).update(passwordHash).update('\0').update(password).digest('hex');
  }

  private remember(key: string, until: number): void {
    if (this.verified.size >= CACHE_MAX) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(key, until);
  }
}
