// The setup most protocol test files share: a server on a fresh database, started before the
// describe block's cases and closed after them, with users and a raw-HTTP client for each.
import { afterAll, beforeAll } from 'vitest';
import type { NewUser } from '../../src/domain/users.ts';
import type { StartOptions } from '../../src/boot/server.ts';
import { Dav } from './dav.ts';
import { startTestServer, type TestServer } from './server.ts';

export interface TestUser {
  /** `${username}-password` unless given. */
  password?: string;
  email?: string;
  displayName?: string;
}

export interface UsedTestServer extends TestServer {
  /**
   * Declares a user, created when the server starts (in declaration order), and gives a client
   * that speaks as them. Call it while the describe block is collected, not inside a case.
   */
  user(username: string, profile?: TestUser): Dav;
}

/**
 * Registers beforeAll/afterAll hooks in the calling describe block (or file): the server starts
 * before the block's own beforeAll hooks run, so they can already use it and its users, and
 * closes after the block's own afterAll hooks. Its fields throw when read before it has started.
 */
export function useTestServer(opts: { env?: Record<string, string>; start?: StartOptions } = {}): UsedTestServer {
  let started: TestServer | undefined;
  const users: NewUser[] = [];
  const running = (): TestServer => {
    if (!started) throw new Error('the test server is used before its beforeAll hook has started it');
    return started;
  };

  beforeAll(async () => {
    started = await startTestServer(opts.env, opts.start);
    for (const u of users) await started.domain.users.create(u);
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });

  return {
    get url() {
      return running().url;
    },
    get config() {
      return running().config;
    },
    get domain() {
      return running().domain;
    },
    get running() {
      return running().running;
    },
    get database() {
      return running().database;
    },
    async close() {
      const s = running();
      started = undefined;
      await s.close();
    },
    user(username, profile = {}) {
      if (started) throw new Error(`user ${username} is declared after the test server has started`);
      const password = profile.password ?? `${username}-password`;
      users.push({ username, password, email: profile.email, displayName: profile.displayName });
      return new Dav(() => running().url, username, password);
    },
  };
}
