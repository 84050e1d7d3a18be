// The CPU time of one thread of this process, for the compute pool's watchdog. A deadline counted
// in wall time refused valid objects whenever other processes held the cores (a backup, a
// neighbour's build): the same object passed on an idle machine. Linux tells how long a thread has
// run; elsewhere the watchdog falls back to wall time.
import { readFileSync } from 'node:fs';

let own: number | undefined;

/** The kernel id of the calling thread, or 0 where /proc does not tell it. */
export function currentThreadId(): number {
  if (own === undefined) {
    try {
      const id = Number.parseInt(readFileSync('/proc/thread-self/stat', 'latin1'), 10);
      own = Number.isSafeInteger(id) && id > 0 ? id : 0;
    } catch {
      own = 0;
    }
  }
  return own;
}

/** Milliseconds the thread `tid` of this process has run on a CPU, or null where that cannot be read. */
export function threadCpuMs(tid: number): number | null {
  if (!(tid > 0)) return null;
  try {
    // schedstat: nanoseconds on the CPU, nanoseconds waiting for it, timeslices.
    const ns = Number.parseInt(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1'), 10);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}
