import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { failureDelayMs, lockedFor } from '../../src/auth/throttle.ts';
import { ADMIN_PASSWORD, basic } from '../helpers/server.ts';
import { useTestServer } from '../helpers/testServer.ts';

const policy = { freeFailures: 2, lockFailures: 4, windowSeconds: 60, maxDelayMs: 400 };

describe('HTTP Basic on /dav', () => {
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const server = useTestServer({
    env: {
      TRUST_PROXY: 'true',
      AUTH_FREE_FAILURES: String(policy.freeFailures),
      AUTH_LOCK_FAILURES: String(policy.lockFailures),
      AUTH_WINDOW_SECONDS: String(policy.windowSeconds),
      AUTH_MAX_DELAY_MS: String(policy.maxDelayMs),
      AUTH_REALM: 'My Calendars',
    },
    start: { clock },
  });
  for (const name of ['alice', 'bob', 'carl', 'dora']) server.user(name);
  /** Locks a user for one address with wrong passwords (each case locks its own user). */
  const lock = async (username: string, from: string) => {
    for (let i = 1; i <= policy.lockFailures; i++) expect((await get(basic(username, `wrong-${i}`), from)).status).toBe(401);
    expect((await get(basic(username, `${username}-password`), from)).status).toBe(429);
  };
  const get = (auth: string | undefined, from: string) =>
    fetch(`${server.url}/dav/`, {
      headers: { ...(auth ? { authorization: auth } : {}), 'x-forwarded-for': from },
    });

  it('challenges a request without credentials with 401 and WWW-Authenticate Basic (never 403)', async () => {
    const res = await get(undefined, '198.51.100.1');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="My Calendars"/);
  });

  it('answers a wrong password or an unknown user with the same 401 challenge', async () => {
    for (const auth of [basic('alice', 'nope'), basic('nobody', 'nope'), 'Basic !!!', 'Bearer abc']) {
      const res = await get(auth, '198.51.100.2');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    }
  });

  it('lets the right password in', async () => {
    const res = await get(basic('admin', ADMIN_PASSWORD), '198.51.100.3');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Calendula CalDAV server');
  });

  it('slows repeated failures down, then answers 429 with Retry-After for that address', async () => {
    const from = '203.0.113.7';
    for (let i = 1; i <= policy.lockFailures; i++) {
      const started = Date.now();
      const res = await get(basic('bob', `wrong-${i}`), from);
      expect(res.status).toBe(401);
      const expectedDelay = failureDelayMs(policy, i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(expectedDelay - 5);
    }
    const locked = await get(basic('bob', 'bob-password'), from);
    expect(locked.status).toBe(429);
    const retry = Number(locked.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(policy.windowSeconds);
  });

  it('does not let an attacker lock the real user out: a clean address still gets in', async () => {
    await lock('carl', '203.0.113.8');
    const res = await get(basic('carl', 'carl-password'), '192.0.2.55');
    expect(res.status).toBe(200);
  });

  it('a lock ends with its window', async () => {
    await lock('dora', '203.0.113.9');
    clock.advance((policy.windowSeconds + 1) * 1000);
    const res = await get(basic('dora', 'dora-password'), '203.0.113.9');
    expect(res.status).toBe(200);
  });

  it('an address that failed for one user while that user is locked gets 429 for that user', async () => {
    const attacker = '203.0.113.99';
    for (let i = 0; i < policy.lockFailures; i++) {
      expect((await get(basic('alice', `guess-${i}`), `10.0.0.${i + 1}`)).status).toBe(401);
    }
    expect((await get(basic('alice', 'guess-x'), attacker)).status).toBe(401);
    expect((await get(basic('alice', 'alice-password'), attacker)).status).toBe(429);
    expect((await get(basic('alice', 'alice-password'), '192.0.2.77')).status).toBe(200);
  });
});

describe('throttle policy', () => {
  it('adds no delay for the free failures, then doubles up to the cap', () => {
    expect(failureDelayMs(policy, 1)).toBe(0);
    expect(failureDelayMs(policy, 2)).toBe(0);
    expect(failureDelayMs(policy, 3)).toBe(100);
    expect(failureDelayMs(policy, 4)).toBe(200);
    expect(failureDelayMs(policy, 50)).toBe(400);
  });

  it('locks an address at the threshold and a username only for addresses that failed too', () => {
    const now = new Date('2026-01-01T00:00:30Z');
    const start = new Date('2026-01-01T00:00:00Z');
    expect(lockedFor(policy, now, undefined, { failures: 4, windowStart: start })).toBe(30);
    expect(lockedFor(policy, now, { failures: 9, windowStart: start }, undefined)).toBe(0);
    expect(lockedFor(policy, now, { failures: 9, windowStart: start }, { failures: 1, windowStart: start })).toBe(30);
    expect(lockedFor(policy, now, { failures: 3, windowStart: start }, { failures: 3, windowStart: start })).toBe(0);
  });
});
