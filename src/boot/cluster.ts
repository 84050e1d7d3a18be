// Several server processes on one PostgreSQL (WORKERS > 1): one event loop per core for HTTP, and
// the state stays in the database, where several processes were already tested to behave as one.
// The primary migrates, creates the first user, forks the workers (node:cluster shares the port),
// restarts one that dies, passes SIGTERM on, and aggregates their metrics for /metrics.
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { ComputePool } from '../compute/pool.ts';
import type { Config } from '../config.ts';
import { systemClock } from '../clock.ts';
import { openDatabase } from '../db/database.ts';
import { ensureFirstUser, type FirstUser } from '../domain/bootstrap.ts';
import { createDomain } from '../domain/index.ts';
import type { Logger } from '../logger.ts';
import { METRICS_REQ, METRICS_RES, type MetricsMessage } from '../metrics/cluster.ts';


/** Runs migrations and makes the first user once, before any worker starts. */
async function prepare(config: Config, log: Logger): Promise<FirstUser | null> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: undefined });
  const compute = new ComputePool(config.compute, log);
  try {
    const applied = await db.migrate();
    if (applied.length) log.info({ migrations: applied }, 'database migrated');
    const domain = createDomain({ db, config, clock: systemClock, log, compute });
    return await ensureFirstUser(domain.users, config.initialUser, config.initialPassword);
  } finally {
    await compute.close();
    await db.close();
  }
}

export interface Primary {
  firstUser: FirstUser | null;
  /** Resolves with the address once the first worker listens. */
  listening: Promise<string>;
  stop(): Promise<void>;
}

export async function startPrimary(config: Config, log: Logger): Promise<Primary> {
  const firstUser = await prepare(config, log);
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (msg: MetricsMessage) => {
      if (msg?.type !== METRICS_REQ) return;
      aggregator.clusterMetrics().then(
        (text) => worker.isConnected() && worker.send({ type: METRICS_RES, id: msg.id, text }),
        (e: unknown) => worker.isConnected() && worker.send({ type: METRICS_RES, id: msg.id, error: e instanceof Error ? e.message : String(e) }),
      );
    });
  };
  let restarts = 0;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'a server worker died; starting another');
    // A worker that dies at once again and again (a bad setting) is restarted ever more slowly.
    setTimeout(fork, Math.min(30_000, 100 * 2 ** Math.min(restarts++, 9)));
  });
  const listening = new Promise<string>((resolve) => {
    cluster.once('listening', (_worker, address) => {
      const host = address.address && address.address !== '0.0.0.0' && address.address !== '::' ? address.address : '127.0.0.1';
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
    });
  });
  for (let i = 0; i < config.workers; i++) fork();
  return {
    firstUser,
    listening,
    async stop() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
