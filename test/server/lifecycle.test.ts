import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../helpers/database.ts';
import { runCalendula, spawnCalendula, type Spawned } from '../helpers/process.ts';
import { basic } from '../helpers/server.ts';

const LISTEN = /listening on (http:\/\/[^\s/]+)/;
/** The messages of the JSON log lines a process wrote. */
const messages = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { msg: string }).msg)
    .join('\n');

describe('calendula serve (the real process)', () => {
  let db: FreshDatabase | undefined;
  let proc: Spawned | undefined;
  afterEach(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    proc = undefined;
    await db?.drop();
    db = undefined;
  });

  it('on an empty database creates the first user with a random password printed once, and the CalDAV URL', async () => {
    db = await freshDatabase();
    proc = spawnCalendula(['serve'], { ...db.env, PORT: '0', PUBLIC_URL: 'https://cal.example.org' });
    const [, url] = await proc.waitFor(LISTEN);
    const [, password] = await proc.waitFor(/password \(shown only this once\): (\S+)/);
    await proc.waitFor(/created the user/);
    expect(messages(proc.stdout())).toContain('CalDAV URL to put into your client: https://cal.example.org/dav/');
    expect(messages(proc.stdout())).toContain('created the user "admin"');
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    // The one-time password is for the person at the terminal, never in the log (standard output).
    expect(proc.stdout()).not.toContain(password!);
    const ok = await fetch(`${url}/dav/`, { headers: { authorization: basic('admin', password!) } });
    expect(ok.status).toBe(200);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);

    // The second start finds the user: no new user, no password printed, and the data dir reopens.
    proc = spawnCalendula(['serve'], { ...db.env, PORT: '0' });
    const [, url2] = await proc.waitFor(LISTEN);
    expect(proc.stdout()).not.toContain('created the user');
    expect(proc.stdout() + proc.stderr()).not.toContain(password!);
    const again = await fetch(`${url2}/dav/`, { headers: { authorization: basic('admin', password!) } });
    expect(again.status).toBe(200);
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  });

  it('uses INITIAL_USER and INITIAL_PASSWORD when given, and prints no password', async () => {
    db = await freshDatabase();
    proc = spawnCalendula(['serve'], { ...db.env, PORT: '0', INITIAL_USER: 'root@example.org', INITIAL_PASSWORD: 'given-password-1' });
    const [, url] = await proc.waitFor(LISTEN);
    await proc.waitFor(/created the user/);
    expect(messages(proc.stdout())).toContain('created the user "root@example.org"');
    expect(proc.stdout()).not.toContain('given-password-1');
    expect(proc.stdout() + proc.stderr()).not.toContain('shown only this once');
    const res = await fetch(`${url}/dav/`, { headers: { authorization: basic('root@example.org', 'given-password-1') } });
    expect(res.status).toBe(200);
  });

  it('never writes passwords or Authorization headers to its log', async () => {
    db = await freshDatabase();
    proc = spawnCalendula(['serve'], { ...db.env, PORT: '0', INITIAL_PASSWORD: 'log-secret-xyz', LOG_LEVEL: 'trace' });
    const [, url] = await proc.waitFor(LISTEN);
    await fetch(`${url}/dav/?password=hunter2`, { headers: { authorization: basic('admin', 'log-secret-xyz') } });
    await fetch(`${url}/dav/`, { headers: { authorization: basic('admin', 'wrong-secret-abc') } });
    await proc.waitFor(/"status":401/);
    const all = proc.stdout() + proc.stderr();
    expect(all).toContain('"path":"/dav/?password=%5Bredacted%5D"');
    for (const secret of ['log-secret-xyz', 'wrong-secret-abc', 'hunter2', basic('admin', 'log-secret-xyz').slice(6)]) {
      expect(all).not.toContain(secret);
    }
  });

  it('finishes a request in flight on SIGTERM, then exits and leaves the database reopenable', async () => {
    db = await freshDatabase();
    // Failed logins past the free ones are answered after a delay: a request that takes a while.
    const env = { ...db.env, PORT: '0', INITIAL_PASSWORD: 'pw-for-shutdown', AUTH_FREE_FAILURES: '0', AUTH_MAX_DELAY_MS: '1500' };
    proc = spawnCalendula(['serve'], { ...env, AUTH_LOCK_FAILURES: '1000' });
    const [, url] = await proc.waitFor(LISTEN);
    for (let i = 0; i < 5; i++) await fetch(`${url}/dav/`, { headers: { authorization: basic('admin', 'bad') } });
    const inFlight = fetch(`${url}/dav/`, { headers: { authorization: basic('admin', 'bad') } });
    await new Promise((r) => setTimeout(r, 300));
    proc.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(401);
    expect(await proc.exited).toBe(0);

    proc = spawnCalendula(['serve'], { ...env });
    const [, url2] = await proc.waitFor(LISTEN);
    expect((await fetch(`${url2}/health`)).status).toBe(200);
  });

  it('stops at start-up with one clear line naming a bad variable', async () => {
    for (const [name, value] of [
      ['PORT', 'eighty'],
      ['DATABASE_URL', 'mysql://localhost/x'],
      ['APP_TIMEZONE', 'Mars/Olympus'],
      ['SECRET_KEY', 'tooshort'],
      ['PUBLIC_CALENDARS_ENABLED', 'maybe'],
      ['MAX_OBJECT_BYTES', '-5'],
    ] as const) {
      const r = await runCalendula(['serve'], { [name]: value, PORT: name === 'PORT' ? value : '0', DATA_DIR: '/nonexistent/never-used' });
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    }
  });
});
