// Process entry for `calendula serve`: config → database → app → listen; SIGTERM/SIGINT close cleanly.
import cluster from 'node:cluster';
import { startPrimary } from './cluster.ts';
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../config.ts';
import type { FirstUser } from '../domain/bootstrap.ts';
import { createLogger, type Logger } from '../logger.ts';
import { startServer, type RunningServer } from './server.ts';
import { DataDirBusyError } from '../db/dataDirLock.ts';

export async function serve(): Promise<void> {
  loadDotEnv();
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const log = createLogger(config.logLevel, process.stdout, config.logFormat);
  if (config.workers > 1 && cluster.isPrimary) {
    const primary = await startPrimary(config, log);
    banner(config, log, await primary.listening, 'postgres', primary.firstUser, config.workers);
    onStop(log, () => primary.stop());
    return;
  }
  let running: RunningServer;
  try {
    running = await startServer(config, log);
  } catch (e) {
    // A second server on the same embedded database: one line that says what to do, not a trace.
    if (e instanceof DataDirBusyError) {
      process.stderr.write(`calendula: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  // A cluster's workers leave the banner to the primary.
  if (!cluster.isWorker) banner(config, log, running.url, running.db.engine, running.firstUser, 1);
  onStop(log, () => running.close());
}

function banner(config: Config, log: Logger, url: string, engine: string, firstUser: FirstUser | null, processes: number): void {
  const davUrl = `${config.publicUrl}/dav/`;
  const where = engine === 'pglite' ? `embedded database in ${config.dataDir}` : `PostgreSQL${processes > 1 ? `, ${processes} processes` : ''}`;
  // The banner goes through the log like everything else (a level below info hides it).
  log.info({ url: `${url}${config.basePath}/`, database: engine }, `Calendula is listening on ${url}${config.basePath}/ (${where})`);
  log.info({ davUrl }, `CalDAV URL to put into your client: ${davUrl}`);
  if (firstUser) {
    log.info({ user: firstUser.username }, `First start: created the user "${firstUser.username}".`);
    if (firstUser.generatedPassword) {
      // A secret never enters the log: the one-time password goes to the terminal (standard error) alone.
      process.stderr.write(`Its password (shown only this once): ${firstUser.generatedPassword}\nChange it with: npx calendula user passwd ${firstUser.username}\n`);
    }
  }
}

function onStop(log: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
