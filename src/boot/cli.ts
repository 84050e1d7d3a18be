// The `calendula` command. Passwords come from standard input or from an environment variable named
// by --password-env, never from the command line (where `ps` and shell history would see them).
// Exit codes: 0 done, 1 the command failed, 2 wrong usage.
import { createInterface } from 'node:readline';
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../config.ts';
import { DataDirBusyError } from '../db/dataDirLock.ts';
import { openEmbeddedAhead } from '../db/embeddedAhead.ts';
import type { Database } from '../db/database.ts';
import { isDomainError, notFound } from '../domain/errors.ts';
import type { ComputePool } from '../compute/pool.ts';
import type { Domain } from '../domain/index.ts';
import { createLogger } from '../logger.ts';
import { systemClock } from '../clock.ts';
// The server's modules (the ORM, the domain) are imported by the command that needs them, not
// here: `serve` starts opening the embedded database before it imports them (embeddedAhead.ts).
// What one command alone needs (copying, mail parsing and sending) is imported by that command too.
import type { MailWorker } from '../mail/worker.ts';

const USAGE = `Usage: calendula <command>

Commands:
  serve                                  start the server (the default)
  migrate                                apply pending database migrations
  user add <name> [--email <address>] [--display-name <name>] [--password-env <VAR>]
  user passwd <name> [--password-env <VAR>]
  user rm <name>
  user list [--json]
  db copy-to <postgres-url>              copy every row into an empty PostgreSQL database
  token create <user> --name <name> --capability <cap> [--capability <cap> …] [--expires <ISO 8601>] [--tag <tag> …]
  token list <user> [--json]
  token revoke <user> <mom_id>
  worker [--once]                        run the synchronization push worker (and the mail worker when
                                         SMTP_URL is set) alone (--once: until nothing is due, then exit)
  imip receive                           read one mail on standard input (from a mail server's pipe,
                                         alias or fetchmail): apply the iTIP REPLY in it to the
                                         organizer's event, or leave a REQUEST/CANCEL for a user here
                                         in their schedule inbox; refused: the reason on standard
                                         error, exit code 1, nothing changed; the database
                                         unreachable or busy: exit code 75 (try again later)

Passwords are read from standard input (one line), or from the environment variable named by
--password-env. Settings come from the environment and ./.env (see docs/configuration.md).
`;

export class UsageError extends Error {}

export interface CliIO {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
  /** Flags that may repeat. */
  lists: Map<string, string[]>;
}

const VALUE_FLAGS = new Set(['--email', '--display-name', '--password-env', '--name', '--expires']);
const LIST_FLAGS = new Set(['--capability', '--tag']);
const BOOL_FLAGS = new Set(['--json', '--help', '--once']);

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a : a.slice(0, eq);
      if (LIST_FLAGS.has(name)) {
        const value = eq === -1 ? argv[++i] : a.slice(eq + 1);
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        lists.set(name, [...(lists.get(name) ?? []), value]);
      } else if (VALUE_FLAGS.has(name)) {
        const value = eq === -1 ? argv[++i] : a.slice(eq + 1);
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        flags.set(name, value);
      } else if (BOOL_FLAGS.has(name) && eq === -1) {
        flags.set(name, true);
      } else if (name === '--password') {
        throw new UsageError('passwords are not taken on the command line; pipe it to standard input or use --password-env');
      } else {
        throw new UsageError(`unknown option ${name}`);
      }
    } else {
      positional.push(a);
    }
  }
  return { positional, flags, lists };
}

function flag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

async function readPassword(p: Parsed, io: CliIO): Promise<string> {
  const envName = flag(p, '--password-env');
  if (envName) {
    const v = io.env[envName];
    if (!v) throw new UsageError(`the environment variable ${envName} is not set or empty`);
    return v;
  }
  if (io.stdin.isTTY) {
    const first = await promptHidden(io, 'Password: ');
    const second = await promptHidden(io, 'Repeat password: ');
    if (first !== second) throw new UsageError('the two passwords differ');
    return first;
  }
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new UsageError('no password on standard input');
}

function promptHidden(io: CliIO, question: string): Promise<string> {
  return new Promise((resolve) => {
    io.stdout.write(question);
    const rl = createInterface({ input: io.stdin, terminal: true });
    const out = rl as unknown as { _writeToOutput?: (s: string) => void };
    out._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      io.stdout.write('\n');
      resolve(answer);
    });
  });
}

async function withDomain<T>(config: Config, fn: (domain: Domain, db: Database, compute: ComputePool) => Promise<T>, log = createLogger('silent')): Promise<T> {
  const [{ openDatabase }, { ComputePool }, { createDomain }, { resolveSecretKey }, { syncProviders }] = await Promise.all([
    import('../db/database.ts'),
    import('../compute/pool.ts'),
    import('../domain/index.ts'),
    import('../domain/secrets.ts'),
    import('../sync/providers/index.ts'),
  ]);
  const db = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
    embeddedMemory: config.embeddedMemory,
  });
  // Threads start only if a command does iCalendar work (the worker, token feeds).
  const compute = new ComputePool(config.compute, log);
  try {
    await db.migrate();
    return await fn(createDomain({ db, config, clock: systemClock, log, compute }, { secretKey: resolveSecretKey(config), providers: syncProviders() }), db, compute);
  } finally {
    await compute.close();
    await db.close();
  }
}

async function userCommand(p: Parsed, config: Config, io: CliIO): Promise<void> {
  const [, sub, name, ...extra] = p.positional;
  if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
  const needName = () => {
    if (!name) throw new UsageError(`user ${sub} needs a user name`);
    return name;
  };
  switch (sub) {
    case 'add': {
      const username = needName();
      const password = await readPassword(p, io);
      await withDomain(config, async (d) => {
        await d.users.create({
          username,
          password,
          email: flag(p, '--email') ?? null,
          displayName: flag(p, '--display-name') ?? null,
        });
      });
      io.stdout.write(`Created user ${username}.\n`);
      return;
    }
    case 'passwd': {
      const username = needName();
      const password = await readPassword(p, io);
      await withDomain(config, (d) => d.users.setPassword(username, password));
      io.stdout.write(`Changed the password of ${username}.\n`);
      return;
    }
    case 'rm': {
      const username = needName();
      await withDomain(config, (d) => d.users.delete(username));
      io.stdout.write(`Removed user ${username} and everything they owned.\n`);
      return;
    }
    case 'list': {
      if (name) throw new UsageError(`unexpected argument ${name}`);
      const users = await withDomain(config, (d) => d.users.list());
      if (p.flags.get('--json')) {
        io.stdout.write(
          `${JSON.stringify(users.map((u) => ({ id: u.id, username: u.username, email: u.email, displayName: u.displayName })))}\n`,
        );
      } else {
        for (const u of users) {
          io.stdout.write(`${u.username}\t${u.email ?? ''}\t${u.displayName ?? ''}\n`);
        }
      }
      return;
    }
    default:
      throw new UsageError(sub ? `unknown user command ${sub}` : 'user needs a command: add, passwd, rm or list');
  }
}

async function tokenCommand(p: Parsed, config: Config, io: CliIO): Promise<void> {
  const [, sub, username, momId, ...extra] = p.positional;
  if (!username) throw new UsageError(sub ? `token ${sub} needs a user name` : 'token needs a command: create, list or revoke');
  await withDomain(config, async (d) => {
    const user = await d.users.get(username);
    if (!user) throw notFound(`no user ${username}`);
    switch (sub) {
      case 'create': {
        if (momId !== undefined || extra.length) throw new UsageError(`unexpected argument ${momId ?? extra[0]}`);
        const name = flag(p, '--name');
        if (!name) throw new UsageError('token create needs --name');
        const { secret, token } = await d.tokens.create(
          user.id,
          { name, capabilities: p.lists.get('--capability') ?? [], expiresAt: flag(p, '--expires') ?? null, tags: p.lists.get('--tag') ?? [] },
          null,
        );
        io.stdout.write(`Token (shown only this once): ${secret}\nmom_id: ${token.momId}\n`);
        return;
      }
      case 'list': {
        const tokens = await d.tokens.list(user.id);
        if (p.flags.get('--json')) {
          io.stdout.write(`${JSON.stringify(tokens.map((t) => ({ mom_id: t.momId, name: t.name, capabilities: t.capabilities, expires_at: t.expiresAt, tags: t.tags })))}\n`);
        } else {
          for (const t of tokens) io.stdout.write(`${t.momId}\t${t.name}\t${t.capabilities.join(',')}\t${t.expiresAt?.toISOString() ?? 'never'}\n`);
        }
        return;
      }
      case 'revoke': {
        if (!momId || extra.length) throw new UsageError('token revoke needs a user name and a mom_id');
        await d.tokens.revoke(user.id, momId);
        io.stdout.write('Revoked.\n');
        return;
      }
      default:
        throw new UsageError(`unknown token command ${sub}`);
    }
  });
}

async function dbCommand(p: Parsed, config: Config, io: CliIO): Promise<void> {
  const [, sub, url, ...extra] = p.positional;
  if (sub !== 'copy-to') throw new UsageError(sub ? `unknown db command ${sub}` : 'db needs a command: copy-to');
  if (!url || extra.length) throw new UsageError('db copy-to needs exactly one postgres:// URL');
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError('db copy-to needs a postgres:// URL');
  if (url === config.databaseUrl) throw new UsageError('the target is the database Calendula already uses');
  const { openDatabase } = await import('../db/database.ts');
  const target = await openDatabase({ url, dataDir: undefined });
  try {
    await target.migrate();
    const { copyDatabase } = await import('../db/copy.ts');
    await withDomain(config, async (_d, source) => {
      const counts = await copyDatabase(source, target);
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      io.stdout.write(`Copied ${total} rows in ${counts.size} tables. Now set DATABASE_URL=${redactUrl(url)} and start Calendula.\n`);
    });
  } finally {
    await target.close();
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the URL';
  }
}

/**
 * The push worker and (when SMTP_URL is set) the mail worker without the HTTP server: for a
 * PostgreSQL deployment with SYNC_WORKER=false on the servers.
 */
async function workerCommand(p: Parsed, config: Config, io: CliIO): Promise<void> {
  if (p.positional.length > 1) throw new UsageError(`unexpected argument ${p.positional[1]}`);
  const log = createLogger(config.logLevel, process.stdout, config.logFormat);
  await withDomain(
    config,
    async (domain, _db, compute) => {
      const { SyncWorker, workerOptions } = await import('../sync/worker.ts');
      const worker = new SyncWorker(domain, log, systemClock, workerOptions(config));
      let mail: MailWorker | undefined;
      if (config.mail.smtpUrl) {
        const [{ MailWorker, mailWorkerOptions }, { MailTransport }] = await Promise.all([import('../mail/worker.ts'), import('../mail/transport.ts')]);
        mail = new MailWorker(domain, compute, new MailTransport(config.mail), log, systemClock, mailWorkerOptions(config));
      }
      if (p.flags.has('--once')) {
        try {
          const n = await worker.drain();
          const m = (await mail?.drain()) ?? 0;
          io.stdout.write(`Ran ${n} job${n === 1 ? '' : 's'}${mail ? ` and ${m} mail job${m === 1 ? '' : 's'}` : ''}; ${await domain.jobs.pending()} waiting for later.\n`);
        } finally {
          await mail?.stop();
        }
        return;
      }
      worker.start();
      mail?.start();
      log.info({ worker: worker.id, mailWorker: mail?.id ?? null }, mail ? 'sync and mail workers started' : 'sync worker started');
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await Promise.all([worker.stop(), mail?.stop()]);
    },
    log,
  );
}

/** Standard input up to `limit` bytes; null when there is more. */
async function readLimited(stdin: NodeJS.ReadableStream, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > limit) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** sysexits.h's "temporary failure": Postfix's pipe, procmail and fetchmail keep the message and retry. */
const EX_TEMPFAIL = 75;

/** `imip receive`: one message on standard input; 0 when applied or delivered, 1 when refused, 75 when it cannot be taken now. */
async function imipCommand(p: Parsed, config: Config, io: CliIO): Promise<number> {
  const [, sub, ...extra] = p.positional;
  if (sub !== 'receive') throw new UsageError(sub ? `unknown imip command ${sub}` : 'imip needs a command: receive');
  if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
  const limit = config.limits.maxObjectBytes;
  const raw = await readLimited(io.stdin, limit);
  const refused = (reason: string) => {
    io.stderr.write(`calendula: refused: ${reason}\n`);
    return 1;
  };
  if (raw === null) return refused(`the message is larger than ${limit} bytes (MAX_OBJECT_BYTES)`);
  if (!raw.toString('utf8').trim()) return refused('no message on standard input');
  const { describeOutcome, receiveImip } = await import('../mail/receive.ts');
  let outcome: Awaited<ReturnType<typeof receiveImip>>;
  try {
    outcome = await withDomain(config, (d) => receiveImip(d, raw));
  } catch (e) {
    // Not the message's fault (the database is down or busy): the mail server keeps it and tries again.
    if (e instanceof ConfigError) throw e;
    io.stderr.write(`calendula: could not take the message now, try again later: ${e instanceof Error ? e.message : String(e)}\n`);
    return EX_TEMPFAIL;
  }
  if (!outcome.ok) return refused(outcome.reason);
  io.stdout.write(`${describeOutcome(outcome)}\n`);
  return 0;
}

/**
 * A single embedded server starts opening its database now (see embeddedAhead.ts). Anything in
 * the way (a wrong setting, a data directory in use) is left for serve() to report as ever.
 */
function openAhead(): void {
  try {
    // The settings serve() reads (the process's environment and .env).
    loadDotEnv();
    const config = loadConfig();
    if (!config.databaseUrl && config.workers <= 1) openEmbeddedAhead(config.dataDir, config.embeddedMemory);
  } catch {
    // serve() meets the same error and says what it is.
  }
}

/** Runs one CLI invocation; returns the exit code (serve never returns while it runs). */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    io.stderr.write(`calendula: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const command = parsed.positional[0] ?? 'serve';
  if (parsed.flags.has('--help') || command === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (command === 'serve') {
    openAhead();
    const { serve } = await import('./main.ts');
    await serve();
    return -1;
  }
  try {
    loadDotEnv();
    const config = loadConfig(io.env);
    switch (command) {
      case 'migrate': {
        if (parsed.positional.length > 1) throw new UsageError(`unexpected argument ${parsed.positional[1]}`);
        const applied = await withDomain(config, async (_d, db) => db.migrate());
        io.stdout.write(applied.length ? `Applied ${applied.join(', ')}.\n` : 'The database is up to date.\n');
        return 0;
      }
      case 'user':
        await userCommand(parsed, config, io);
        return 0;
      case 'db':
        await dbCommand(parsed, config, io);
        return 0;
      case 'token':
        await tokenCommand(parsed, config, io);
        return 0;
      case 'worker':
        await workerCommand(parsed, config, io);
        return 0;
      case 'imip':
        return await imipCommand(parsed, config, io);
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`calendula: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof ConfigError || e instanceof DataDirBusyError || isDomainError(e)) {
      io.stderr.write(`calendula: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`calendula: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
  if (code >= 0) process.exitCode = code;
}
