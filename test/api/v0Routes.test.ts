// The /api/v0 route tables: a handler runs alone, mounted by itself on a fresh app, and the one
// error funnel gives every domain error kind its status (an unknown error is a logged 500).
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, type DomainErrorKind } from '../../src/domain/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { handlers as provisioning } from '../../src/api/provisioning-v0/router.ts';
import { mountV0, type V0Deps, type V0Route } from '../../src/api/v0Routes.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('/api/v0 route tables', () => {
  let server: TestServer;
  let deps: V0Deps;
  beforeAll(async () => {
    server = await startTestServer();
    deps = { domain: server.domain, config: server.config, log: createLogger('silent') };
  });
  afterAll(async () => {
    await server.close();
  });

  /** Serves the given routes, alone, on an ephemeral port; returns its base URL and a closer. */
  const serve = async (routes: readonly V0Route[]) => {
    const app = express();
    app.use(mountV0({ name: 'test', routes, paths: ['/t'] }, deps));
    const http = app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => new Promise((r) => http.close(r)) };
  };

  it('runs one handler of the provisioning table on its own, against the real domain', async () => {
    await server.domain.users.create({ username: 'solo', password: 'solo-password' });
    const s = await serve([['get', '/t/users', provisioning.listUsers]]);
    try {
      const res = await fetch(`${s.url}/t/users`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { users: string[] }).users).toContain('solo');
    } finally {
      await s.close();
    }
  });

  it('maps every domain error kind through the one funnel, and answers an unknown error 500 without its message', async () => {
    const expected: Record<DomainErrorKind, [number, string]> = {
      NotFound: [404, 'not_found'],
      Forbidden: [403, 'access_denied'],
      Unauthorized: [401, 'invalid_token'],
      Invalid: [400, 'invalid_request'],
      Conflict: [400, 'invalid_request'],
      PreconditionFailed: [400, 'invalid_request'],
      TooLarge: [400, 'invalid_request'],
    };
    const routes: V0Route[] = Object.keys(expected).map((kind) => [
      'get',
      `/t/${kind}`,
      async () => {
        throw new DomainError(kind as DomainErrorKind, `a ${kind} error`);
      },
    ]);
    routes.push(['get', '/t/bug', async () => {
      throw new TypeError('secret internals');
    }]);
    const s = await serve(routes);
    try {
      for (const [kind, [status, code]] of Object.entries(expected)) {
        const res = await fetch(`${s.url}/t/${kind}`);
        expect(res.status, kind).toBe(status);
        expect(await res.json(), kind).toEqual({ error: code, error_description: `a ${kind} error` });
      }
      const bug = await fetch(`${s.url}/t/bug`);
      expect(bug.status).toBe(500);
      expect(await bug.text()).not.toContain('secret internals');
    } finally {
      await s.close();
    }
  });
});
