// A real Radicale (Debian's package) on a free loopback port, with a temporary config, storage and
// htpasswd users: a CalDAV target for the push engine's tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basic } from './server.ts';

export const RADICALE_BIN = '/usr/bin/radicale';

export interface Radicale {
  url: string;
  /** Creates a calendar collection `/<user>/<name>/`; returns its absolute URL. */
  mkcalendar(user: string, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`radicale exited with ${child.exitCode}: ${log()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`radicale did not start: ${log()}`);
}

export async function startRadicale(users: Record<string, string>): Promise<Radicale> {
  const dir = mkdtempSync(join(tmpdir(), 'calendula-radicale-'));
  const port = await freePort();
  writeFileSync(join(dir, 'users'), Object.entries(users).map(([u, p]) => `${u}:${p}`).join('\n') + '\n');
  writeFileSync(
    join(dir, 'config'),
    `[server]
hosts = 127.0.0.1:${port}
[auth]
type = htpasswd
htpasswd_filename = ${join(dir, 'users')}
htpasswd_encryption = plain
delay = 0
[storage]
filesystem_folder = ${join(dir, 'collections')}
[rights]
type = owner_only
[web]
type = none
[logging]
level = warning
`,
  );
  const child = spawn(RADICALE_BIN, ['--config', join(dir, 'config')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(url, child, () => out);
  return {
    url,
    async mkcalendar(user, name) {
      const href = `${url}/${user}/${name}/`;
      const res = await fetch(href, {
        method: 'MKCALENDAR',
        headers: { authorization: basic(user, users[user] ?? ''), 'content-type': 'application/xml' },
        body: `<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>${name}</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>`,
      });
      if (res.status !== 201) throw new Error(`MKCALENDAR ${href}: ${res.status} ${await res.text()}`);
      return href;
    },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
