// The durable job queue on the engine under test: keyed jobs, leases, retries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import type { Domain } from '../../src/domain/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { PUSH_JOB_KINDS as KINDS } from '../../src/sync/worker.ts';

describe('job queue', () => {
  const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
  let server: TestServer;
  let domain: Domain;
  const enqueue = (key: string, payload: Record<string, unknown> = {}) =>
    server.running.db.em().transactional((em) => domain.jobs.enqueue(em, 'push', key, payload));

  beforeAll(async () => {
    server = await startTestServer({ SYNC_WORKER: 'false' }, { clock });
    domain = server.domain;
  });
  afterAll(async () => server?.close());

  it('keeps one waiting job per key; a running job of a key blocks the next of that key', async () => {
    await enqueue('k1', { n: 1 });
    await enqueue('k1', { n: 2 });
    expect(await domain.jobs.pending()).toBe(1);
    const job = (await domain.jobs.claim('w1', 60_000, KINDS))!;
    expect(job.key).toBe('k1');
    expect(job.payload).toEqual({ n: 1 });
    await enqueue('k1', { n: 3 }); // a change while the job runs waits behind it
    expect(await domain.jobs.pending()).toBe(2);
    expect(await domain.jobs.claim('w2', 60_000, KINDS)).toBeNull();
    await domain.jobs.complete(job);
    const next = (await domain.jobs.claim('w2', 60_000, KINDS))!;
    expect(next.payload).toEqual({ n: 3 });
    await domain.jobs.complete(next);
    expect(await domain.jobs.pending()).toBe(0);
  });

  it('a job whose worker died runs again when the lease ends; a renewed lease keeps it', async () => {
    await enqueue('k2');
    const job = (await domain.jobs.claim('dead', 60_000, KINDS))!;
    clock.advance(30_000);
    expect(await domain.jobs.claim('w', 60_000, KINDS)).toBeNull();
    await domain.jobs.extend(job, 'dead', 60_000);
    clock.advance(45_000);
    expect(await domain.jobs.claim('w', 60_000, KINDS)).toBeNull();
    clock.advance(30_000);
    const again = (await domain.jobs.claim('w', 60_000, KINDS))!;
    expect(again.id).toBe(job.id);
    expect(again.attempts).toBe(2);
    await domain.jobs.complete(again);
  });

  it('a stale job gives way to a newer waiting one of its key', async () => {
    await enqueue('k3', { v: 'old' });
    await domain.jobs.claim('dead', 60_000, KINDS);
    await enqueue('k3', { v: 'new' });
    clock.advance(120_000);
    const job = (await domain.jobs.claim('w', 60_000, KINDS))!;
    expect(job.payload).toEqual({ v: 'new' });
    await domain.jobs.complete(job);
    expect(await domain.jobs.pending()).toBe(0);
  });

  it('a retried job waits its backoff, and a newer job of its key replaces it', async () => {
    await enqueue('k4', { v: 1 });
    const job = (await domain.jobs.claim('w', 60_000, KINDS))!;
    await domain.jobs.retry(job, 'target down', 10_000);
    expect(await domain.jobs.claim('w', 60_000, KINDS)).toBeNull();
    clock.advance(10_000);
    const again = (await domain.jobs.claim('w', 60_000, KINDS))!;
    expect(again.id).toBe(job.id);
    await enqueue('k4', { v: 2 });
    await domain.jobs.retry(again, 'target down', 10_000);
    const rows = await server.running.db.em().execute<{ payload: unknown }[]>("select payload from jobs where key = 'k4'");
    expect(rows).toHaveLength(1);
    const latest = (await domain.jobs.claim('w', 60_000, KINDS))!;
    expect(latest.payload).toEqual({ v: 2 });
    await domain.jobs.complete(latest);
  });
});
