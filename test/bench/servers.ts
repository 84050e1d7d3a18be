// The servers a benchmark runs against, each a real process on a free loopback port with fresh
// storage: Calendula (PGlite or PostgreSQL), and, when Debian's packages are installed, Radicale and
// Xandikos.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from '../helpers/radicale.ts';

export interface Server {
  /** e.g. "calendula/postgres", "radicale". */
  name: string;
  kind: 'calendula' | 'radicale' | 'xandikos';
  base: string;
  /** The calendar collection's path (ends with /). */
  calendar: string;
  /** The address book's path (ends with /), for the CardDAV workload. */
  addressBook: string;
  /** Authorization header value, if the server wants one. */
  auth?: string;
  pid: number;
  /** Peak resident memory of the server process so far, in bytes (VmHWM). */
  peakRss(): number;
  /** How it started: on fresh storage, then again on the same storage (see launch). */
  startup: StartFigures;
  stop(): Promise<void>;
}

/**
 * A server's start-up as a self-hoster sees it: from the command to the first answer on fresh
 * storage (Calendula's first start also creates the first user), the memory it holds 5 s later
 * (PSS of its process tree, so pages shared with other processes count once), and the same again
 * after a stop and a start on the same storage.
 */
export interface StartFigures {
  firstMs: number;
  firstIdleMb: number;
  restartMs: number;
  restartIdleMb: number;
}

/** How long a server is left alone before its idle memory is read. */
const IDLE_WAIT_MS = 5000;

const BIN = resolve(import.meta.dirname, '../../bin/calendula.js');
/** The bench user's password (Calendula's INITIAL_PASSWORD, the peers' user). */
export const BENCH_PASSWORD = 'bench-password-123';
const PASSWORD = BENCH_PASSWORD;
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

export function peakRssOf(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function waitUp(url: string, child: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${log()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      // Every 20 ms: the start-up time is read off this loop.
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`did not start: ${log()}`);
}

/** Proportional memory of a process and its children, summed, in bytes (shared pages divided among their users). */
export function treePss(pid: number): number {
  let total = 0;
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    total = m ? Number(m[1]) * 1024 : 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) total += treePss(Number(child));
    }
  } catch {
    // gone
  }
  return total;
}

/**
 * Starts a server (`spawnIt`) on fresh storage and waits for `url` to answer, reads its idle
 * memory, stops it and starts it again on the same storage: the process left running is the
 * second, with the start-up figures.
 */
async function launch(spawnIt: (restart: boolean) => ChildProcess, url: string): Promise<{ child: ChildProcess; log: () => string; startup: StartFigures }> {
  const once = async (restart: boolean): Promise<{ child: ChildProcess; log: () => string; ms: number; idleMb: number }> => {
    const t0 = performance.now();
    const child = spawnIt(restart);
    const log = capture(child);
    try {
      await waitUp(url, child, log);
    } catch (e) {
      await stopChild(child);
      throw e;
    }
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, IDLE_WAIT_MS));
    return { child, log, ms, idleMb: treePss(child.pid as number) / 2 ** 20 };
  };
  const first = await once(false);
  await stopChild(first.child);
  const again = await once(true);
  return { child: again.child, log: again.log, startup: { firstMs: first.ms, firstIdleMb: first.idleMb, restartMs: again.ms, restartIdleMb: again.idleMb } };
}

function capture(child: ChildProcess): () => string {
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => out;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** The PostgreSQL server for the benchmark: BENCH_DATABASE_URL, TEST_DATABASE_URL, or the local one. */
export function postgresAdminUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function postgresAvailable(): Promise<boolean> {
  try {
    await adminQuery('select 1');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident memory of a process and its children (cluster workers), summed, in bytes. */
export function treePeakRss(pid: number): number {
  let total = peakRssOf(pid);
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) total += treePeakRss(Number(child));
    }
  } catch {
    // gone
  }
  return total;
}

export async function startCalendula(engine: 'pglite' | 'postgres', opts: { cpuProf?: string; env?: Record<string, string> } = {}): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'calendula-bench-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    INITIAL_USER: 'bench',
    INITIAL_PASSWORD: PASSWORD,
    API_KEY: 'bench-api-key',
    SECRET_KEY: 'd'.repeat(64),
    DATA_DIR: join(dir, 'data'),
  };
  let dbName: string | undefined;
  if (engine === 'postgres') {
    dbName = `calendula_bench_${randomBytes(4).toString('hex')}`;
    await adminQuery(`create database ${dbName}`);
    const u = new URL(postgresAdminUrl());
    u.pathname = `/${dbName}`;
    env.DATABASE_URL = u.toString();
  }
  Object.assign(env, opts.env ?? {});
  // BENCH_NODE_ARGS: V8 flags for the server under test (e.g. --max-semi-space-size=4), to weigh heap settings.
  const bareArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const nodeArgs = [...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : []), ...bareArgs];
  const base = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let startup: StartFigures;
  try {
    // A CPU profile is of the process the workloads run against, the one restarted.
    ({ child, startup } = await launch((restart) => spawn(process.execPath, [...(restart ? nodeArgs : bareArgs), BIN, 'serve'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }), `${base}/health`));
  } catch (e) {
    // A server that did not answer in time (a loaded machine) is stopped (launch did), not left behind.
    rmSync(dir, { recursive: true, force: true });
    if (dbName) await adminQuery(`drop database if exists ${dbName} with (force)`);
    throw e;
  }
  // The default calendar holds events only; the benchmark's holds tasks too, as a client would make it.
  const auth = basic('bench', PASSWORD);
  const made = await fetch(`${base}/dav/calendars/bench/bench/`, {
    method: 'MKCALENDAR',
    headers: { authorization: auth, 'content-type': 'application/xml' },
    body: '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>Bench</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
  });
  if (made.status !== 201) throw new Error(`MKCALENDAR: ${made.status}`);
  return {
    name: `calendula/${engine}${opts.env?.WORKERS ? `×${opts.env.WORKERS}` : ''}`,
    kind: 'calendula',
    base,
    calendar: '/dav/calendars/bench/bench/',
    // Every user gets the address book `default` when created (as the first user is at start).
    addressBook: '/dav/addressbooks/bench/default/',
    auth,
    pid: child.pid as number,
    peakRss: () => treePeakRss(child.pid as number),
    startup,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
      if (dbName) await adminQuery(`drop database if exists ${dbName} with (force)`);
    },
  };
}

export const RADICALE = '/usr/bin/radicale';
export const XANDIKOS = '/usr/bin/xandikos';

export async function startRadicale(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'calendula-bench-radicale-'));
  const port = await freePort();
  writeFileSync(join(dir, 'users'), `bench:${PASSWORD}\n`);
  writeFileSync(
    join(dir, 'config'),
    `[server]\nhosts = 127.0.0.1:${port}\nmax_content_length = 100000000\n[auth]\ntype = htpasswd\nhtpasswd_filename = ${join(dir, 'users')}\nhtpasswd_encryption = plain\ndelay = 0\n[storage]\nfilesystem_folder = ${join(dir, 'collections')}\n[rights]\ntype = owner_only\n[web]\ntype = none\n[logging]\nlevel = warning\n`,
  );
  const base = `http://127.0.0.1:${port}`;
  const { child, startup } = await launch(() => spawn(RADICALE, ['--config', join(dir, 'config')], { stdio: ['ignore', 'pipe', 'pipe'] }), base);
  const auth = basic('bench', PASSWORD);
  const res = await fetch(`${base}/bench/cal/`, {
    method: 'MKCALENDAR',
    headers: { authorization: auth },
  });
  if (res.status !== 201) throw new Error(`radicale MKCALENDAR: ${res.status}`);
  const book = await fetch(`${base}/bench/contacts/`, {
    method: 'MKCOL',
    headers: { authorization: auth, 'content-type': 'application/xml' },
    body: '<d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>',
  });
  if (book.status !== 201) throw new Error(`radicale MKCOL address book: ${book.status}`);
  return {
    name: 'radicale',
    kind: 'radicale',
    base,
    calendar: '/bench/cal/',
    addressBook: '/bench/contacts/',
    auth,
    pid: child.pid as number,
    peakRss: () => treePeakRss(child.pid as number),
    startup,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startXandikos(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'calendula-bench-xandikos-'));
  const port = await freePort();
  // Xandikos has no authentication of its own (it expects a proxy in front); --defaults makes
  // /user/calendars/calendar/ and /user/contacts/addressbook/.
  const base = `http://127.0.0.1:${port}`;
  const { child, startup } = await launch(() => spawn(XANDIKOS, ['-d', dir, '-l', '127.0.0.1', '-p', String(port), '--defaults'], { stdio: ['ignore', 'pipe', 'pipe'] }), base);
  return {
    name: 'xandikos',
    kind: 'xandikos',
    base,
    calendar: '/user/calendars/calendar/',
    addressBook: '/user/contacts/addressbook/',
    pid: child.pid as number,
    peakRss: () => treePeakRss(child.pid as number),
    startup,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function peerInstalled(kind: 'radicale' | 'xandikos'): boolean {
  return existsSync(kind === 'radicale' ? RADICALE : XANDIKOS);
}
