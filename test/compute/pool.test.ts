// The compute pool with real worker threads: a stuck item is stopped at its deadline, its thread
// replaced, and the items around it still answered.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ComputePool } from '../../src/compute/pool.ts';
import type { PrepareShared } from '../../src/compute/tasks.ts';
import { createLogger } from '../../src/logger.ts';
import { calendar, event } from '../fixtures/ical.ts';

// A step limit far above the default, so that one item below runs long enough to be stopped.
const shared: PrepareShared = { components: ['VEVENT'], limits: { maxInstances: 5000, maxSteps: 2_000_000_000, maxSpans: 1000 }, horizon: Date.parse('2030-01-01') / 1000 };
const good = (uid: string) => calendar(event(uid, ['DTSTART:20260105T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=3']));
// Every 60 seconds from :00, only second 1: never. Under that step limit the walk goes on minute
// by minute towards the year 9999, a minute of CPU, far past the deadline. (Under the default
// limit of 50,000 steps it is refused at once; ical.js 2.2.1 looped for ever on rules like it,
// kewisch/ical.js#1038.)
const stuck = calendar(event('stuck', ['DTSTART:20260101T100000Z', 'RRULE:FREQ=SECONDLY;INTERVAL=60;BYSECOND=1']));

describe('compute pool', () => {
  const pool = new ComputePool({ threads: 2, deadlineMs: 200 }, createLogger('silent'));
  afterAll(() => pool.close());

  it('answers a batch in order, stopping only the item that runs past its deadline', async () => {
    const out = await pool.runBatch('prepare', [good('a'), stuck, good('b'), good('c')], shared);
    expect(out.map((o) => (o.ok ? 'ok' : 'stopped' in o ? 'stopped' : 'error'))).toEqual(['ok', 'stopped', 'ok', 'ok']);
    expect(out[0]).toMatchObject({ ok: true, value: { ok: true, uid: 'a', first: Date.parse('2026-01-05T09:00:00Z') / 1000 } });
    expect(out[1]).toMatchObject({ ok: false, stopped: true, error: expect.stringMatching(/did not finish within 200 ms/) });
    expect(pool.timeouts).toBe(1);
  });

  it('keeps working after a thread was replaced, in parallel', async () => {
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.run('prepare', good(`p${i}`), shared)));
    expect(many.every((o) => o.ok && o.value.ok)).toBe(true);
  });

  it('reports data errors per item without failing the batch', async () => {
    const out = await pool.runBatch('prepare', ['garbage', good('d')], shared);
    expect(out[0]).toMatchObject({ ok: true, value: { ok: false, failure: 'valid-calendar-data' } });
    expect(out[1]).toMatchObject({ ok: true, value: { ok: true, uid: 'd' } });
  });
});

describe('compute threads', () => {
  it('start with the first work, keep to one while the work comes one item at a time, and stop when idle', async () => {
    const pool = new ComputePool({ threads: 2, deadlineMs: 500, idleSeconds: 1 }, createLogger('silent'));
    try {
      expect(pool.threads).toBe(0);
      for (const uid of ['s1', 's2', 's3']) expect(await pool.run('prepare', good(uid), shared)).toMatchObject({ ok: true, value: { ok: true, uid } });
      expect(pool.threads).toBe(1);
      // COMPUTE_IDLE_SECONDS (1 here) after the last work, the thread stops; the next work starts one.
      await vi.waitFor(() => expect(pool.threads).toBe(0), { timeout: 30_000, interval: 100 });
      expect(await pool.run('prepare', good('s4'), shared)).toMatchObject({ ok: true, value: { ok: true, uid: 's4' } });
    } finally {
      await pool.close();
    }
  });
});
