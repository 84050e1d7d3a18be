// The embedded database as the rest of the process sees it: PGlite's query/exec/close, answered by
// its own worker thread (src/db/pgliteThread.ts). PGlite executes a query synchronously inside its
// WebAssembly; in the server's thread that held every request for as long as the query ran.
import { Worker } from 'node:worker_threads';
import type { Results } from '@electric-sql/pglite';
import { workerScript } from '../compute/workerScript.ts';
import type { EmbeddedMemory } from '../config.ts';

export interface PgliteThreadOptions {
  dataDir: string | undefined;
  memory: EmbeddedMemory | undefined;
}

type Operation = { op: 'query'; sql: string; params: unknown[] } | { op: 'exec'; sql: string } | { op: 'close' };

export type PgliteRequest = Operation & { id: number };

export type PgliteReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Record<string, unknown> };

/** What the MikroORM driver and the database module use of PGlite. */
export interface EmbeddedDatabase {
  readonly closed: boolean;
  query<T>(sql: string, params?: unknown[]): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
  close(): Promise<void>;
}

/** A database error rebuilt from the thread's fields, so that MikroORM maps its code as ever. */
function rebuild(fields: Record<string, unknown>): Error {
  const e = new Error(String(fields.message ?? 'database error'));
  Object.assign(e, fields);
  return e;
}

class PgliteProxy implements EmbeddedDatabase {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  closed = false;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: PgliteReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(rebuild(reply.error));
    });
    const fail = (e: Error) => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedded database thread ended (${code})`)));
  }

  /** Resolves when the thread has opened the database (its reply 0). */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => this.pending.set(0, { resolve: () => resolve(), reject }));
  }

  private send<T>(msg: Operation): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the embedded database is closed'));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  query<T>(sql: string, params: unknown[] = []): Promise<Results<T>> {
    return this.send<Results<T>>({ op: 'query', sql, params });
  }

  exec(sql: string): Promise<Results[]> {
    return this.send<Results[]>({ op: 'exec', sql });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.send({ op: 'close' });
    this.closed = true;
    await this.worker.terminate();
  }
}

/** Opens (or creates) the embedded database in its own thread. */
export async function openPglite(dataDir: string | undefined, memory?: EmbeddedMemory): Promise<EmbeddedDatabase> {
  const options: PgliteThreadOptions = { dataDir, memory };
  const worker = new Worker(await workerScript('pglite-worker'), { workerData: options });
  const proxy = new PgliteProxy(worker);
  try {
    await proxy.ready();
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  return proxy;
}
