// A real Calendula server on an ephemeral loopback port, on a fresh database of the engine under test.
import { loadConfig, type Config } from '../../src/config.ts';
import type { Domain } from '../../src/domain/index.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/boot/server.ts';
import { freshDatabase, type FreshDatabase } from './database.ts';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestServer {
  url: string;
  config: Config;
  domain: Domain;
  running: RunningServer;
  database: FreshDatabase;
  /** Closes the server and drops its database. */
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<TestServer> {
  const database = await freshDatabase();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    INITIAL_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'silent',
    AUTH_MAX_DELAY_MS: '50',
    ...database.env,
    ...env,
  });
  const log = createLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : config.logLevel);
  const running = await startServer(config, log, { shutdownGraceMs: 2000, ...opts });
  return {
    url: running.url,
    config,
    domain: running.domain,
    running,
    database,
    async close() {
      await running.close();
      await database.drop();
    },
  };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
