// The push worker: claims jobs (src/domain/jobs.ts) and pushes users' events into external
// calendars. It runs inside the server and alone as `calendula worker`; several workers on one
// PostgreSQL share the queue without pushing a job twice. Pushes are idempotent (a deterministic
// target name, If-Match / If-None-Match, a ledger of what went where), so a job that runs again
// after a crash neither loses nor duplicates anything.
import { PollLoop } from '../pollLoop.ts';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Domain } from '../domain/index.ts';
import type { JobRow } from '../domain/jobs.ts';
import type { SyncStatus, SyncWork } from '../domain/synchronizations.ts';
import { derivedUid } from '../ical/syncCopy.ts';
import type { Logger } from '../logger.ts';
import { SecretKeyMissingError } from '../domain/secrets.ts';
import { TargetError, type SyncTarget } from '../domain/syncProviders.ts';

export interface WorkerOptions {
  /** Time between looks at the queue when it is empty. */
  pollMs?: number;
  /** How long a claimed job is ours before another worker may take it. */
  leaseMs?: number;
  /** How often every synchronization gets a full resync. */
  resyncIntervalMs?: number;
  /** Longest wait before retrying a failed job. */
  maxBackoffMs?: number;
  /** How long one request to a target may take. */
  targetTimeoutMs?: number;
}

export function workerOptions(config: Config): WorkerOptions {
  return {
    resyncIntervalMs: config.sync.resyncIntervalMinutes * 60_000,
    maxBackoffMs: config.sync.maxBackoffSeconds * 1000,
    targetTimeoutMs: config.sync.targetTimeoutSeconds * 1000,
    leaseMs: config.sync.leaseSeconds * 1000,
  };
}

/** A target's file name for a derived UID (stable, so a repeated push overwrites, never duplicates). */
export function targetName(uid: string): string {
  const safe = uid.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe.slice(0, 180)}.ics`;
}

/** The jobs this worker runs (mail jobs have their own worker, src/mail/worker.ts). */
export const PUSH_JOB_KINDS = ['push', 'resync', 'unlink'] as const;

/** A job that must wait for another to finish first; it runs again shortly, without counting as a failure. */
class NotYet extends Error {}

function statusOf(e: unknown): SyncStatus {
  return e instanceof TargetError && e.kind === 'auth' ? 'AUTH_FAILED' : 'ERROR';
}

export class SyncWorker {
  readonly id = `worker-${randomUUID().slice(0, 8)}`;
  private readonly loop: PollLoop;
  private lastResyncCheck = 0;

  constructor(
    private readonly domain: Domain,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly opts: WorkerOptions = {},
  ) {
    this.loop = new PollLoop(
      () => this.runOnce(),
      (err) => this.log.warn({ err }, 'sync worker step failed'),
      this.opts.pollMs ?? 1000,
    );
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Queues due resyncs and processes one job; false when there was none. */
  async runOnce(): Promise<boolean> {
    const now = this.clock.now().getTime();
    // Once a minute (or when the clock went back).
    if (now - this.lastResyncCheck > 60_000 || now < this.lastResyncCheck) {
      this.lastResyncCheck = now;
      await this.domain.synchronizations.enqueueDueResyncs(this.opts.resyncIntervalMs ?? 6 * 3600_000);
    }
    const leaseMs = this.opts.leaseMs ?? 5 * 60_000;
    return this.domain.jobs.runNext(this.id, leaseMs, PUSH_JOB_KINDS, (job) => this.process(job), (err) => this.log.warn({ err }, 'renewing a job lease failed'));
  }

  /** Runs jobs until the queue has nothing due (tests and `calendula worker --once`). */
  drain(max = 10_000): Promise<number> {
    return this.loop.drain(max);
  }

  private async process(job: JobRow): Promise<void> {
    const syncId = Number(job.payload.syncId);
    try {
      const work = await this.domain.synchronizations.work(syncId);
      if (!work) {
        await this.domain.jobs.complete(job);
        return;
      }
      const target = work.provider.open(work.settings, work.secrets, { timeoutMs: this.opts.targetTimeoutMs ?? 30_000 });
      switch (job.kind) {
        case 'push':
          if (work.sync.unlinkMode === null && work.sync.enabled) await this.push(work, target, Number(job.payload.calendarId), String(job.payload.uri));
          break;
        case 'resync':
          if (work.sync.unlinkMode === null) await this.resync(work, target);
          break;
        case 'unlink':
          await this.unlink(work, target);
          break;
      }
      if (job.kind !== 'unlink' && work.sync.status !== 'OK') await this.domain.synchronizations.setStatus(syncId, 'OK', null);
      await this.domain.jobs.complete(job);
    } catch (err) {
      if (err instanceof NotYet) {
        await this.domain.jobs.retry(job, err.message, 1000);
        return;
      }
      const status = err instanceof SecretKeyMissingError ? 'ERROR' : statusOf(err);
      const message = err instanceof Error ? err.message : String(err);
      const base = status === 'AUTH_FAILED' ? 60_000 : 5_000;
      const delay = Math.min(this.opts.maxBackoffMs ?? 3600_000, base * 2 ** Math.min(job.attempts - 1, 12));
      this.log.warn({ syncId, kind: job.kind, attempts: job.attempts, status, err: message }, 'push failed; will retry');
      await this.domain.synchronizations.setStatus(syncId, status, message).catch(() => undefined);
      await this.domain.jobs.retry(job, message, delay);
    }
  }

  /** Brings one source object's copy in the target up to date (or removes it). */
  private async push(work: SyncWork, target: SyncTarget, calendarId: number, uri: string): Promise<void> {
    const syncs = this.domain.synchronizations;
    const sources = await syncs.sourceCalendars(work.sync);
    const view = sources.find((v) => v.calendarId === calendarId);
    const obj = view ? await this.domain.objects.get(view, uri) : null;
    const [entry] = await syncs.ledger(work.sync.id, { calendarId, uri });
    if (!obj || obj.componenttype !== 'VEVENT') {
      if (entry) {
        await target.remove(entry.targetHref, null);
        await syncs.forget(entry.id);
      }
      return;
    }
    if (entry && entry.sourceEtag === obj.etag && entry.targetEtag !== null) return;
    const instance = await syncs.instanceId();
    const name = targetName(derivedUid(obj.uid, work.sync.id, instance));
    const text = await syncs.pushCopy(obj.data, obj.uid, work.sync.id, instance);
    let written;
    try {
      written = await target.put(name, text, entry?.targetEtag ? { ifMatch: entry.targetEtag } : { ifNoneMatch: true });
    } catch (e) {
      if (!(e instanceof TargetError && e.kind === 'precondition')) throw e;
      // Changed in the target, or pushed before the ledger caught up (a crash): ours wins.
      const href = entry?.targetHref ?? new URL(encodeURIComponent(name), work.settings.url).toString();
      const current = await target.etagOf(href);
      written = await target.put(name, text, current ? { ifMatch: current } : { ifNoneMatch: true });
    }
    const etag = written.etag ?? (await target.etagOf(written.href));
    const meta = await this.domain.objects.getMeta(view as NonNullable<typeof view>, uri);
    const first = await this.domain.objects.firstStart(calendarId, uri);
    await syncs.recordPush(work.sync.id, {
      sourceCalendarId: calendarId,
      sourceUri: uri,
      sourceUid: obj.uid,
      targetHref: written.href,
      targetEtag: etag,
      sourceEtag: meta?.etag ?? obj.etag,
      firstStart: first,
    });
  }

  /**
   * Compares the target with the ledger (copies deleted or changed in the target are pushed again),
   * then queues a push for every source object and for every ledger entry whose source is gone.
   * Reading the target first also tells a target that is down or refuses the credentials.
   */
  private async resync(work: SyncWork, target: SyncTarget): Promise<void> {
    const syncs = this.domain.synchronizations;
    const present = new Map((await target.list()).map((e) => [e.href, e.etag]));
    const ledger = await syncs.ledger(work.sync.id);
    for (const e of ledger) {
      const etag = present.get(e.targetHref);
      if (!present.has(e.targetHref) || (etag && e.targetEtag && etag !== e.targetEtag)) await syncs.markStale(e.id);
    }
    const seen = new Set<string>();
    for (const view of await syncs.sourceCalendars(work.sync)) {
      for await (const batch of this.domain.objects.listMeta(view)) {
        for (const m of batch) {
          if (m.componenttype !== 'VEVENT') continue;
          seen.add(`${view.calendarId}:${m.uri}`);
          await syncs.enqueuePush(work.sync.id, view.calendarId, m.uri);
        }
      }
    }
    for (const e of ledger) {
      if (!seen.has(`${e.sourceCalendarId}:${e.sourceUri}`)) await syncs.enqueuePush(work.sync.id, e.sourceCalendarId, e.sourceUri);
    }
    await syncs.setStatus(work.sync.id, 'OK', null, this.clock.now());
  }

  /** Removes what the unlink mode says, then the synchronization itself. */
  private async unlink(work: SyncWork, target: SyncTarget): Promise<void> {
    const syncs = this.domain.synchronizations;
    // A push that began before the unlink would otherwise land after it.
    if (await syncs.pushesRunning(work.sync.id)) throw new NotYet('waiting for a running push to finish');
    const mode = work.sync.unlinkMode ?? 'UNLINK_ONLY';
    const now = Math.floor(this.clock.now().getTime() / 1000);
    if (mode === 'DELETE_ALL_EVENTS' || mode === 'DELETE_FUTURE_EVENTS') {
      for (const e of await syncs.ledger(work.sync.id)) {
        // A series counts as future when its first instance does.
        if (mode === 'DELETE_FUTURE_EVENTS' && !(e.firstStart !== null && e.firstStart > now)) continue;
        await target.remove(e.targetHref, null);
        await syncs.forget(e.id);
      }
    } else if (mode === 'CLEANUP') {
      const instance = await syncs.instanceId();
      const entries = await target.list();
      const found = await target.fetch(entries.map((e) => e.href));
      const ours = await syncs.ours(
        found.map((o) => o.data),
        instance,
      );
      for (const [i, obj] of found.entries()) if (ours[i]) await target.remove(obj.href, null);
    }
    await syncs.finishUnlink(work.sync.id);
  }
}
