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
  const log = createLogger(config.logLevel);
  const running = await startServer(config, log);
  const davUrl = `${config.publicUrl}/dav/`;
  const lines = [
    `Calendula is listening on ${running.url}${config.basePath}/ (${running.db.engine === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})`,
    `CalDAV URL to put into your client: ${davUrl}`,
  ];
  if (running.firstUser) {
    lines.push(`First start: created the user "${running.firstUser.username}".`);
    if (running.firstUser.generatedPassword) {
      lines.push(
        `Its password (shown only this once): ${running.firstUser.generatedPassword}`,
        `Change it with: npx calendula user passwd ${running.firstUser.username}`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);

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
