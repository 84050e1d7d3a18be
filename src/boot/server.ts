// Starts and stops one Calendula server: database, migrations, first user, HTTP listener.
import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import { BasicAuthenticator } from '../auth/basic.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { ensureFirstUser, type FirstUser } from '../domain/bootstrap.ts';
import { holds } from '../domain/capabilities.ts';
import { ComputePool } from '../compute/pool.ts';
import { LoopWatch } from '../http/loopWatch.ts';
import { Metrics } from '../metrics/registry.ts';
import { createDomain, type Domain } from '../domain/index.ts';
import { looksLikeToken } from '../domain/tokens.ts';
import { resolveSecretKey } from '../domain/secrets.ts';
import { syncProviders } from '../sync/providers/index.ts';
import { SyncWorker, workerOptions } from '../sync/worker.ts';
import type { MailWorker } from '../mail/worker.ts';
import type { Logger } from '../logger.ts';

export interface RunningServer {
  /** Where this process listens, e.g. http://127.0.0.1:8080 (not PUBLIC_URL). */
  readonly url: string;
  readonly port: number;
  readonly db: Database;
  readonly domain: Domain;
  readonly firstUser: FirstUser | null;
  /** Event-loop delay of this process (for metrics and benchmarks). */
  readonly loop: LoopWatch;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Milliseconds to wait for in-flight requests before cutting connections. */
  shutdownGraceMs?: number;
}

export async function startServer(config: Config, log: Logger, opts: StartOptions = {}): Promise<RunningServer> {
  const db = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
    embeddedMemory: config.embeddedMemory,
    log: (m) => log.debug({ orm: m }, 'orm'),
  });
  let server: Server | undefined;
  const compute = new ComputePool(config.compute, log);
  const loop = new LoopWatch(log, config.loop.warnMs);
  try {
    const applied = await db.migrate();
    if (applied.length) log.info({ migrations: applied }, 'database migrated');
    const clock = opts.clock ?? systemClock;
    const domain = createDomain({ db, config, clock, log, compute }, { secretKey: resolveSecretKey(config), providers: syncProviders() });
    const firstUser = await ensureFirstUser(domain.users, config.initialUser, config.initialPassword);
    const auth = new BasicAuthenticator(domain.users, domain.loginFailures, config.authThrottle, clock);
    // API tokens holding `dav` work as app passwords for CalDAV.
    auth.addAlternative(async (username, secret) => {
      if (!looksLikeToken(secret)) return null;
      const grant = await domain.tokens.authenticate(secret);
      if (!grant || grant.username !== username || !holds(grant.token.capabilities, 'dav')) return null;
      return { id: grant.token.userId, username: grant.username, via: 'token' };
    });
    // The change log behind sync tokens is kept for SYNC_LOG_RETENTION_DAYS; older tokens get
    // valid-sync-token and clients resynchronise.
    // Ended web sessions go with the same sweep. The first sweep runs once the server listens: it
    // only forgets what is past keeping, and it was a tenth of a restart (some 70-100 ms of
    // statements, serialised on the embedded database's one connection).
    const prune = () =>
      Promise.all([
        domain.objects.pruneChangeLog().catch((err: unknown) => log.warn({ err }, 'pruning the change log failed')),
        domain.cards.pruneChangeLog().catch((err: unknown) => log.warn({ err }, 'pruning the address-book change log failed')),
        domain.webSessions.prune().catch((err: unknown) => log.warn({ err }, 'pruning web sessions failed')),
        domain.mailOutbox.prune().catch((err: unknown) => log.warn({ err }, 'pruning sent mail failed')),
        // Schedule inbox items older than INBOX_RETENTION_DAYS, and the inbox change log's old removals.
        domain.inbox.prune().catch((err: unknown) => log.warn({ err }, 'pruning schedule inboxes failed')),
      ]);
    const backfilled = await domain.objects.backfillEventFields();
    if (backfilled) log.info({ objects: backfilled }, 'filled the event columns of older objects');
    const spanned = await domain.objects.backfillInstanceSpans();
    if (spanned) log.info({ objects: spanned }, 'filled the instance spans of older objects');
    const pruner = setInterval(prune, 6 * 3600_000);
    pruner.unref();
    // Expiry events of tokens that expired or were revoked leave the feeds.
    const sweep = () => domain.feeds.sweep().catch((err: unknown) => log.warn({ err }, 'sweeping token feeds failed'));
    await sweep();
    const sweeper = setInterval(sweep, 10 * 60_000);
    sweeper.unref();
    // The push worker of synchronizations (may run apart instead: `calendula worker`).
    const worker = config.sync.workerEnabled ? new SyncWorker(domain, log, clock, workerOptions(config)) : undefined;
    // The mail worker sends iMIP mail when SMTP_URL is set (with SYNC_WORKER=false the mail goes
    // out from `calendula worker` instead, like the pushes).
    // Imported only then: nodemailer is not loaded by a server that sends no mail.
    let mailWorker: MailWorker | undefined;
    if (config.mail.smtpUrl && config.sync.workerEnabled) {
      const [{ MailWorker, mailWorkerOptions }, { MailTransport }] = await Promise.all([import('../mail/worker.ts'), import('../mail/transport.ts')]);
      mailWorker = new MailWorker(domain, compute, new MailTransport(config.mail), log, clock, mailWorkerOptions(config));
    }
    let draining = false;
    loop.start();
    const metrics = new Metrics({ db, compute, loop, gauges: () => domain.system.gauges(), unevaluated: () => domain.queries.unevaluated, mail: () => domain.mailOutbox.stats() });
    const app = createApp({ config, domain, log, auth, draining: () => draining, loop, metrics });
    const srv = app.listen(config.port, config.host);
    server = srv;
    await once(srv, 'listening');
    srv.keepAliveTimeout = 30_000;
    answerUnroutable(srv);
    worker?.start();
    mailWorker?.start();
    const firstPrune = prune();
    const { port } = srv.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      port,
      db,
      domain,
      firstUser,
      loop,
      close() {
        closing ??= (async () => {
          draining = true;
          clearInterval(pruner);
          clearInterval(sweeper);
          const workerStopped = Promise.all([worker?.stop(), mailWorker?.stop()]);
          const grace = opts.shutdownGraceMs ?? 10_000;
          const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
          // Keep-alive connections go idle as their last response finishes; close them as they do.
          const idleCloser = setInterval(() => srv.closeIdleConnections(), 50);
          srv.closeIdleConnections();
          const timer = setTimeout(() => srv.closeAllConnections(), grace);
          await closed;
          clearInterval(idleCloser);
          clearTimeout(timer);
          await Promise.all([workerStopped, firstPrune]);
          loop.stop();
          await compute.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    server?.close();
    loop.stop();
    await compute.close();
    await db.close();
    throw e;
  }
}

/**
 * Requests Node's HTTP parser takes out of Express's hands still get an answer: CONNECT (Node
 * hands over the socket, and closes it unanswered when nobody listens), methods the parser does
 * not know (501), and malformed requests (400; headers too large: 431).
 */
function answerUnroutable(srv: Server): void {
  const reply = (socket: Duplex & { _httpMessage?: { headersSent?: boolean } }, status: string, extra = '') => {
    // As Node's own handler: never write into a response that has begun.
    if (socket.destroyed || !socket.writable || socket._httpMessage?.headersSent) return socket.destroy();
    // No body: the request may have been a HEAD, and a parse error hides which.
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n${extra}Content-Length: 0\r\n\r\n`);
  };
  srv.on('connect', (_req: IncomingMessage, socket: Duplex) => reply(socket, '405 Method Not Allowed', 'Allow: GET, HEAD, OPTIONS, PUT, DELETE, POST, PROPFIND, PROPPATCH, MKCALENDAR, MKCOL, REPORT, COPY, MOVE\r\n'));
  srv.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'HPE_INVALID_METHOD') reply(socket, '501 Not Implemented');
    else if (err.code === 'HPE_HEADER_OVERFLOW') reply(socket, '431 Request Header Fields Too Large');
    else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') socket.destroy();
    else reply(socket, '400 Bad Request');
  });
}
