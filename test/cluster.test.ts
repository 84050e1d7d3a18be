// WORKERS > 1: several server processes on one PostgreSQL behind one port.
import { readFileSync } from 'node:fs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, testEngine, type FreshDatabase } from './helpers/database.ts';
import { runCalendula, spawnCalendula, type Spawned } from './helpers/process.ts';
import { basic } from './helpers/server.ts';

const LISTEN = /listening on (http:\/\/[^\s/]+)/;

function children(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
}

describe('WORKERS', () => {
  let db: FreshDatabase | undefined;
  let proc: Spawned | undefined;
  afterEach(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    await db?.drop();
    db = undefined;
  });

  it('above 1 without PostgreSQL stops start-up with one line naming it', async () => {
    const r = await runCalendula(['serve'], { WORKERS: '2', DATA_DIR: '/tmp/unused-calendula-workers' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Invalid configuration: WORKERS above 1 needs DATABASE_URL (PostgreSQL): the embedded database admits one process');
  });

  it.runIf(testEngine() === 'postgres')('serves from two processes, aggregates their metrics and stops both on SIGTERM (PostgreSQL only: the embedded database is one process)', async () => {
    db = await freshDatabase();
    proc = spawnCalendula(['serve'], { ...db.env, PORT: '0', WORKERS: '2', INITIAL_PASSWORD: 'cluster-password' });
    const [, url] = await proc.waitFor(LISTEN);
    expect(proc.stdout()).toMatch(/PostgreSQL, 2 processes/);
    expect(children(proc.child.pid as number)).toHaveLength(2);
    // Twenty requests spread over the workers; /metrics counts them all, whichever worker answers.
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${url}/dav/`, { method: 'PROPFIND', headers: { authorization: basic('admin', 'cluster-password'), depth: '0', connection: 'close' } });
      expect(res.status).toBe(207);
    }
    // The primary gathers every worker's registry; on a loaded machine a gathering can time out
    // (503, as a scrape would see it and retry), so ask again until one completes.
    let metrics = '';
    for (let attempt = 0; attempt < 10; attempt++) {
      const res = await fetch(`${url}/metrics`);
      metrics = await res.text();
      if (res.status === 200) break;
      expect(res.status, metrics).toBe(503);
      await new Promise((r) => setTimeout(r, 500));
    }
    // Read as Prometheus does: the aggregated output may order a sample's labels either way.
    const family = (parsePrometheusTextFormat(metrics) as { name: string; metrics: { value: string; labels?: Record<string, string> }[] }[]).find(
      (f) => f.name === 'calendula_http_requests_total',
    );
    const sample = family?.metrics.find((m) => m.labels?.face === 'caldav' && m.labels.method === 'PROPFIND' && m.labels.status === '207');
    expect(Number(sample?.value), metrics.slice(0, 3000)).toBe(20);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});
