import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('GET /health', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 200 {"status":"OK"} without authentication while the database answers', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'OK' });
  });

  it('answers 503 once the database is gone', async () => {
    // A server of its own: closing the database is for good. Its push worker is off: a worker
    // step caught by the closed pool waits for knex's 60 s acquire timeout before the server can
    // stop (a real shutdown stops the worker first), which is not what this test is about.
    const doomed = await startTestServer({ SYNC_WORKER: 'false' });
    try {
      await doomed.running.db.close();
      const res = await fetch(`${doomed.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'ERROR' });
    } finally {
      await doomed.close();
    }
  });
});
