// /metrics in a cluster of server processes (WORKERS > 1): a worker asks the primary, which
// gathers every worker's registry (prom-client's AggregatorRegistry) and answers for all.
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

export const METRICS_REQ = 'calendula:metrics?';
export const METRICS_RES = 'calendula:metrics!';

export interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}

/**
 * In a worker: its registry joins the cluster's, and /metrics answers for all workers (asked of
 * the primary); undefined outside a cluster.
 */
export function clusterMetrics(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker) return undefined;
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const pending = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  process.on('message', (msg: MetricsMessage) => {
    if (msg?.type !== METRICS_RES) return;
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error !== undefined) p?.reject(new Error(msg.error));
    else p?.resolve(msg.text ?? '');
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      process.send?.({ type: METRICS_REQ, id } satisfies MetricsMessage);
    });
}
