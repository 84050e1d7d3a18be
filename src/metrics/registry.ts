// The process's Prometheus metrics: requests by face, method and status, latency per face,
// authentication failures and throttling, the event loop (prom-client's Node.js set), the
// database pool, the compute pool, push jobs and the size of the store. Gauges that need the
// database are read when scraped, at most once per scrape.
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { clusterMetrics } from './cluster.ts';
import type { ComputePool } from '../compute/pool.ts';
import type { Database } from '../db/database.ts';
import type { MailStats } from '../domain/mailOutbox.ts';
import type { SystemGauges } from '../domain/system.ts';
import type { LoopWatch } from '../http/loopWatch.ts';

/** Which face a path belongs to (the label every request metric carries). */
export function faceOf(path: string): string {
  if (path.startsWith('/dav') || path.startsWith('/.well-known')) return 'caldav';
  if (path.startsWith('/api/v1')) return 'admin';
  if (path.startsWith('/api/v2')) return 'events';
  if (path.startsWith('/api/v0/notifications')) return 'feeds-api';
  if (path.startsWith('/api/v0/tokens')) return 'tokens';
  if (path.startsWith('/api/v0')) return 'provisioning';
  if (path.startsWith('/calendars/')) return 'feeds';
  if (path === '/health' || path === '/metrics') return 'ops';
  return 'web';
}

/** Methods as labels: the known ones by name, anything else as OTHER (labels must stay few). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'PROPPATCH', 'MKCALENDAR', 'MKCOL', 'REPORT', 'COPY', 'MOVE']);

export interface MetricSources {
  db: Database;
  compute: ComputePool;
  loop: LoopWatch;
  gauges: () => Promise<SystemGauges>;
  /** Objects counted into calendar-query answers without an exact evaluation. */
  unevaluated: () => number;
  /** The iMIP outbox's counts (domain.mailOutbox.stats()). */
  mail: () => Promise<MailStats>;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'face' | 'method' | 'status'>;
  private readonly durations: Histogram<'face'>;
  private readonly authFailures: Counter<'face'>;
  private readonly throttled: Counter<'face'>;

  constructor(private readonly sources: MetricSources) {
    const registers = [this.registry];
    // nodejs_eventloop_lag_* (p50, p90, p99, max…, reset at each scrape), heap, GC, handles.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.requests = new Counter({ name: 'calendula_http_requests_total', help: 'HTTP requests answered, by face, method and status', labelNames: ['face', 'method', 'status'], registers });
    this.durations = new Histogram({
      name: 'calendula_http_request_duration_seconds',
      help: 'Time from request to the end of the response, by face',
      labelNames: ['face'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.authFailures = new Counter({ name: 'calendula_auth_failures_total', help: 'Requests refused with 401 although they carried credentials', labelNames: ['face'], registers });
    this.throttled = new Counter({ name: 'calendula_auth_throttled_total', help: 'Requests refused with 429 (too many failed logins)', labelNames: ['face'], registers });
    const gauge = (name: string, help: string, read: (g: Gauge) => void | Promise<void>, labelNames: string[] = []) =>
      new Gauge({ name, help, labelNames, registers, collect() { return read(this); } });
    gauge('calendula_db_pool_connections', 'Database connections by state (the embedded engine has one)', (g) => {
      const s = sources.db.stats();
      g.set({ state: 'used' }, s.used);
      g.set({ state: 'free' }, s.free);
      g.set({ state: 'pending' }, s.pending);
      g.set({ state: 'max' }, s.max);
    }, ['state']);
    new Counter({
      name: 'calendula_db_query_errors_total',
      help: 'Database queries that failed (constraint violations included)',
      registers,
      collect() {
        this.reset();
        this.inc(sources.db.stats().queryErrors);
      },
    });
    new Counter({
      name: 'calendula_compute_timeouts_total',
      help: 'iCalendar work items stopped at their deadline (their thread replaced)',
      registers,
      collect() {
        this.reset();
        this.inc(sources.compute.timeouts);
      },
    });
    new Counter({
      name: 'calendula_filter_unevaluated_total',
      help: 'Objects counted into a calendar-query answer without an exact evaluation (each one logged)',
      registers,
      collect() {
        this.reset();
        this.inc(sources.unevaluated());
      },
    });
    new Counter({
      name: 'calendula_event_loop_stalls_total',
      help: 'Event-loop delays above LOOP_DELAY_WARN_MS (each logged with the requests in flight)',
      registers,
      collect() {
        this.reset();
        this.inc(sources.loop.stalls);
      },
    });
    // One database read per scrape serves every gauge below.
    let pending: Promise<SystemGauges> | null = null;
    const read = () => (pending ??= sources.gauges().finally(() => setImmediate(() => (pending = null))));
    gauge('calendula_jobs', 'Background jobs (pushes and mails) by state: queued (all waiting), due (waiting and due), running, retrying', async (g) => {
      const { jobs } = await read();
      for (const state of ['queued', 'due', 'running', 'retrying'] as const) g.set({ state }, jobs[state]);
    }, ['state']);
    gauge('calendula_jobs_oldest_due_seconds', 'How long the oldest due job (push or mail) has waited', async (g) => g.set((await read()).jobs.oldestDueSeconds));
    gauge('calendula_users', 'Users', async (g) => g.set((await read()).users));
    gauge('calendula_calendars', 'Calendars', async (g) => g.set((await read()).calendars));
    gauge('calendula_objects', 'Calendar objects (estimated from planner statistics on large stores)', async (g) => g.set((await read()).objects));
    // The outbox is one table for every process (the server's worker, `calendula worker`), so the
    // mail figures are read from it, not counted in memory: they survive restarts and agree
    // between processes. In a cluster every worker reads the same rows: keep one value, not the sum.
    let mailPending: Promise<MailStats> | null = null;
    const mail = () => (mailPending ??= sources.mail().finally(() => setImmediate(() => (mailPending = null))));
    new Counter({
      name: 'calendula_mail_sent_total',
      help: 'iMIP mails (invitations, updates, cancellations, replies) the SMTP server accepted',
      registers,
      aggregator: 'max',
      async collect() {
        const { sent } = await mail();
        this.reset();
        this.inc(sent);
      },
    });
    new Counter({
      name: 'calendula_mail_failed_total',
      help: 'iMIP mails given up on (refused permanently by the SMTP server, or still failing after MAIL_GIVE_UP_HOURS)',
      registers,
      aggregator: 'max',
      async collect() {
        const { failed } = await mail();
        this.reset();
        this.inc(failed);
      },
    });
    new Gauge({
      name: 'calendula_mail_queued',
      help: 'iMIP mails waiting to be sent (first attempt or retry)',
      registers,
      aggregator: 'max',
      async collect() {
        this.set((await mail()).queued);
      },
    });
    new Gauge({
      name: 'calendula_mail_oldest_queued_seconds',
      help: 'How long the oldest iMIP mail still waiting has waited (0 when none waits)',
      registers,
      aggregator: 'max',
      async collect() {
        this.set((await mail()).oldestQueuedSeconds ?? 0);
      },
    });
  }

  /** Express middleware that counts and times every request. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const face = faceOf(req.path);
      const end = this.durations.startTimer({ face });
      res.on('finish', () => {
        end();
        const method = METHODS.has(req.method) ? req.method : 'OTHER';
        this.requests.inc({ face, method, status: String(res.statusCode) });
        if (res.statusCode === 401 && (req.get('authorization') || req.get('cookie'))) this.authFailures.inc({ face });
        if (res.statusCode === 429) this.throttled.inc({ face });
      });
      next();
    };
  }

  /** This process's metrics, or the whole cluster's when it is a worker of one. */
  text(): Promise<string> {
    return this.aggregate();
  }

  // In a cluster every worker must answer the primary's requests from the start.
  private readonly aggregate: () => Promise<string> = clusterMetrics(this.registry) ?? (() => this.registry.metrics());

  get contentType(): string {
    return this.registry.contentType;
  }
}
