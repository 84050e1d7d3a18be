// The compute pool: worker threads (piscina) that run the iCalendar work of src/compute/tasks.ts
// off the request loop, under a watchdog. Each item of a task has a deadline that grows with its
// size; a thread whose item runs past it is terminated (ical.js can loop inside one call, where no
// step counter reaches) and replaced, the item is reported as timed out, and the other items of the
// task are run again without it. The deadline counts the CPU time the thread ran where the system
// tells it (src/compute/threadClock.ts), so that a busy machine does not refuse valid data; a wall
// limit remains for a thread that gets no CPU at all.
import { Piscina } from 'piscina';
import type { Logger } from '../logger.ts';
import type { ItemOutcome, TaskMessage, TaskName, Tasks } from './tasks.ts';
import { threadCpuMs } from './threadClock.ts';
import { workerScript } from './workerScript.ts';

export interface ComputeSettings {
  /** Threads in the pool. */
  threads: number;
  /** Milliseconds of CPU one item may use, plus as much again per MB of its input (wall time where CPU time cannot be read). */
  deadlineMs: number;
  /** Milliseconds of wall time one item may take however busy the machine, plus as much again per MB (at least deadlineMs). */
  wallLimitMs?: number;
  /** Seconds a thread may stay idle before it stops (default 60). */
  idleSeconds?: number;
}

/** An item ran past its deadline, or its thread died (out of memory); the thread was replaced. */
export interface Stopped {
  ok: false;
  stopped: true;
  error: string;
}

export type Outcome<R> = ItemOutcome<R> | Stopped;

const MB = 1024 * 1024;

function sizeOf(item: unknown): number {
  if (typeof item === 'string') return item.length;
  if (item instanceof Uint8Array) return item.byteLength;
  if (item && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    return sizeOf(o.body ?? o.text);
  }
  return 0;
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || /aborted/i.test(e.message));
}

export class ComputePool {
  private pool: Piscina | undefined;
  private starting: Promise<Piscina> | undefined;
  private closed = false;
  /** Items that ran past their deadline since the start (for logs and metrics). */
  timeouts = 0;

  constructor(
    private readonly settings: ComputeSettings,
    private readonly log: Logger,
  ) {}

  private start(): Promise<Piscina> {
    if (this.pool) return Promise.resolve(this.pool);
    this.starting ??= workerScript('compute-worker').then((filename) => {
      if (this.closed) throw new Error('the compute pool is closed');
      this.pool = new Piscina({
        filename,
        // No thread while there is no work (each holds some 40 MB): piscina starts one when work
        // comes, another only when every running one is busy (so light work keeps to one), and
        // stops each after COMPUTE_IDLE_SECONDS without work.
        minThreads: 0,
        maxThreads: this.settings.threads,
        idleTimeout: (this.settings.idleSeconds ?? 60) * 1000,
        // A thread's heap is its own: a runaway expansion dies alone, not with the server.
        resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 8 },
      });
      return this.pool;
    });
    return this.starting;
  }

  /** Runs a task on one item. */
  async run<K extends TaskName>(task: K, item: Tasks[K]['item'], shared: Tasks[K]['shared']): Promise<Outcome<Tasks[K]['result']>> {
    const [outcome] = await this.runItems(task, [item], shared);
    return outcome as Outcome<Tasks[K]['result']>;
  }

  /** Runs a task on a batch of items sharing one input; one outcome per item, in order. */
  async runBatch<K extends TaskName>(task: K, items: Tasks[K]['item'][], shared: Tasks[K]['shared']): Promise<Outcome<Tasks[K]['result']>[]> {
    return (await this.runItems(task, items, shared)) as Outcome<Tasks[K]['result']>[];
  }

  private async runItems(task: TaskName, items: unknown[], shared: unknown): Promise<Outcome<unknown>[]> {
    if (!items.length) return [];
    const pool = await this.start();
    // Slot 0: the index of the item the thread works on; slot 1: the thread's kernel id (0: unknown).
    const progress = new SharedArrayBuffer(8);
    const index = new Int32Array(progress);
    Atomics.store(index, 0, -1);
    const controller = new AbortController();
    const scale = (i: number) => 1 + sizeOf(items[i]) / MB;
    const deadline = (i: number) => this.settings.deadlineMs * scale(i);
    const wallLimit = (i: number) => Math.max(this.settings.deadlineMs, this.settings.wallLimitMs ?? 0) * scale(i);
    // The watchdog: time the item the thread says it works on; queueing time does not count.
    let current = -1;
    let since = 0;
    let cpuSince: number | null = null;
    let stuck = -1;
    let stuckBy = '';
    const tick = Math.max(5, Math.min(50, Math.floor(this.settings.deadlineMs / 5)));
    const watchdog = setInterval(() => {
      const i = Atomics.load(index, 0);
      const working = i >= 0 && i < items.length;
      const cpu = working ? threadCpuMs(Atomics.load(index, 1)) : null;
      const now = performance.now();
      if (i !== current) {
        current = i;
        since = now;
        cpuSince = cpu;
        return;
      }
      if (!working) return;
      const wall = now - since;
      const used = cpu !== null && cpuSince !== null ? cpu - cpuSince : wall;
      if (used > deadline(i)) stuckBy = `${Math.round(deadline(i))} ms`;
      else if (wall > wallLimit(i)) stuckBy = `${Math.round(wallLimit(i))} ms of wall time`;
      else return;
      stuck = i;
      controller.abort();
    }, tick);
    try {
      const msg: TaskMessage = { task, items, shared, progress };
      return (await pool.run(msg, { signal: controller.signal })) as Outcome<unknown>[];
    } catch (e) {
      if (this.closed) throw e;
      if (stuck >= 0 && isAbort(e)) {
        this.timeouts++;
        this.log.warn({ task, item: stuck, items: items.length, deadline: stuckBy }, 'compute item ran past its deadline; its thread was replaced');
        const stopped: Stopped = { ok: false, stopped: true, error: `the work did not finish within ${stuckBy}` };
        const before = await this.runItems(task, items.slice(0, stuck), shared);
        const after = await this.runItems(task, items.slice(stuck + 1), shared);
        return [...before, stopped, ...after];
      }
      // The thread died (a heap past resourceLimits): find the item by halves.
      this.log.warn({ task, items: items.length, err: e }, 'a compute thread died; its items run again apart');
      if (items.length === 1) return [{ ok: false, stopped: true, error: `the work stopped its thread: ${e instanceof Error ? e.message : String(e)}` }];
      const half = Math.ceil(items.length / 2);
      return [...(await this.runItems(task, items.slice(0, half), shared)), ...(await this.runItems(task, items.slice(half), shared))];
    } finally {
      clearInterval(watchdog);
    }
  }

  /** Threads running now (none until the first work, and again after COMPUTE_IDLE_SECONDS without). */
  get threads(): number {
    return this.pool?.threads.length ?? 0;
  }

  /** Stops the threads (waiting for running tasks up to a few seconds). */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool ?? (this.starting ? await this.starting.catch(() => undefined) : undefined);
    this.pool = undefined;
    if (pool) await pool.destroy();
  }
}
