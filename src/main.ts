// Process entry for `calendula serve`: config → database → app → listen; SIGTERM/SIGINT close cleanly.
import { ConfigError, loadConfig, loadDotEnv, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { startServer } from './server.ts';

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
  const running = await startServer(config, log);
  const davUrl = `${config.publicUrl}/dav/`;
  const where = running.db.engine === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
  // The banner goes through the log like everything else (a level below info hides it).
  log.info({ url: `${running.url}${config.basePath}/`, database: running.db.engine }, `Calendula is listening on ${running.url}${config.basePath}/ (${where})`);
  log.info({ davUrl }, `CalDAV URL to put into your client: ${davUrl}`);
  if (running.firstUser) {
    log.info({ user: running.firstUser.username }, `First start: created the user "${running.firstUser.username}".`);
    if (running.firstUser.generatedPassword) {
      // A secret never enters the log: the one-time password goes to the terminal (standard error) alone.
      process.stderr.write(
        `Its password (shown only this once): ${running.firstUser.generatedPassword}\nChange it with: npx calendula user passwd ${running.firstUser.username}\n`,
      );
    }
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    running.close().then(
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
