// The login throttling policy: pure functions over failure counts.
//  - Failures beyond `freeFailures` for a username or an address slow the 401 down (doubling,
//    capped at maxDelayMs).
//  - At `lockFailures` an address gets 429 until its window ends.
//  - At `lockFailures` for a username, only addresses that have failed themselves get 429, so an
//    attacker cannot lock the real user out: their own clean device still gets in. Counts expire
//    with the window, so no lock is permanent.
import { createHash } from 'node:crypto';
import type { AuthThrottle } from '../config.ts';
import type { FailureCount } from '../domain/loginFailures.ts';
import { isValidUsername } from '../usernames.ts';

/**
 * The counters a login attempt touches. A name no user can have (too long, a NUL, a slash) is
 * counted under its hash: the key column is bounded and PostgreSQL text cannot hold NUL.
 */
export function throttleKeys(username: string, address: string): { user: string; ip: string } {
  const name = isValidUsername(username) ? username.toLowerCase() : `#${createHash('sha256').update(username).digest('hex')}`;
  return { user: `user:${name}`, ip: `ip:${address.slice(0, 200)}` };
}

/** Seconds until the caller may try again, or 0 when the attempt may proceed. */
export function lockedFor(
  policy: AuthThrottle,
  now: Date,
  user: FailureCount | undefined,
  ip: FailureCount | undefined,
): number {
  const remaining = (c: FailureCount) =>
    Math.max(1, Math.ceil((c.windowStart.getTime() + policy.windowSeconds * 1000 - now.getTime()) / 1000));
  if (ip && ip.failures >= policy.lockFailures) return remaining(ip);
  if (user && user.failures >= policy.lockFailures && ip && ip.failures > 0) return remaining(user);
  return 0;
}

/** Delay added to a failed attempt, given the counts after recording it. */
export function failureDelayMs(policy: AuthThrottle, failures: number): number {
  const over = failures - policy.freeFailures;
  if (over <= 0) return 0;
  return Math.min(policy.maxDelayMs, 100 * 2 ** Math.min(over - 1, 20));
}
