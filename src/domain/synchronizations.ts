// Synchronizations: one-way pushes of a user's events into an external calendar
// (specs/provisioning-v0.md). Changes to source objects enqueue push jobs in the same transaction
// (a write listener); the worker (src/sync/worker.ts) does the pushing and records the outcome.
import { User } from '../db/entities/index.ts';
import * as jobTable from '../db/tables/jobs.ts';
import * as ledgerTable from '../db/tables/syncLedger.ts';
import * as syncTable from '../db/tables/synchronizations.ts';
import { loadViews, type CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { DomainError, invalid, notFound } from './errors.ts';
import type { JobQueue } from './jobs.ts';
import type { ObjectChange, WriteStatement } from './objects.ts';
import { decrypt, encrypt, SecretKeyMissingError } from './secrets.ts';
import { ParameterError, type Provider, type ProviderRegistry } from './syncProviders.ts';

export const UNLINK_MODES = ['UNLINK_ONLY', 'DELETE_FUTURE_EVENTS', 'DELETE_ALL_EVENTS', 'CLEANUP'] as const;
export type UnlinkMode = (typeof UNLINK_MODES)[number];

export function isUnlinkMode(v: unknown): v is UnlinkMode {
  return typeof v === 'string' && (UNLINK_MODES as readonly string[]).includes(v);
}

export type SyncStatus = 'OK' | 'PENDING' | 'ERROR' | 'AUTH_FAILED';

export interface SyncView {
  id: number;
  type: string;
  userId: number | null;
  username: string;
  description: string | null;
  enabled: boolean;
  status: SyncStatus;
  lastResync: Date | null;
  lastError: string | null;
  /** A calendar name of the user, or null for all their event calendars. */
  source: string | null;
  unlinkMode: UnlinkMode | null;
}

/** What the worker needs to push: the view, the provider, and the settings with secrets opened. */
export interface SyncWork {
  sync: SyncView;
  provider: Provider;
  settings: Record<string, string>;
  secrets: Record<string, string>;
}

export interface LedgerEntry {
  id: number;
  sourceCalendarId: number;
  sourceUri: string;
  sourceUid: string;
  targetHref: string;
  targetEtag: string | null;
  sourceEtag: string | null;
  firstStart: number | null;
}

function settingsOf(r: syncTable.SyncRow): Record<string, unknown> {
  return typeof r.settings === 'string' ? (JSON.parse(r.settings) as Record<string, unknown>) : r.settings;
}

function toView(r: syncTable.SyncRow): SyncView {
  const settings = settingsOf(r);
  return {
    id: r.id,
    type: r.type,
    userId: r.user_id,
    username: r.username ?? '',
    description: r.description,
    enabled: r.enabled,
    status: r.status as SyncStatus,
    lastResync: r.last_resync ? new Date(r.last_resync) : null,
    lastError: r.last_error,
    source: typeof settings.source === 'string' ? settings.source : null,
    unlinkMode: isUnlinkMode(r.unlink_mode) ? r.unlink_mode : null,
  };
}

export function pushKey(syncId: number, calendarId: number, uri: string): string {
  return `push:${syncId}:${calendarId}:${uri}`;
}

export class SynchronizationService {
  private instance: string | undefined;

  constructor(
    private readonly ctx: DomainContext,
    private readonly jobs: JobQueue,
    private readonly providers: ProviderRegistry,
    private readonly secretKey: Buffer | null,
  ) {}

  /** This installation's id, as marked on everything it pushes. */
  /** The copy of an object that a synchronization pushes (derived UID, markers), made off the request loop. */
  async pushCopy(text: string, uid: string, syncId: number, instanceId: string): Promise<string> {
    const r = await this.ctx.compute.run('syncCopy', { text, uid, syncId, instanceId }, null);
    if (!r.ok) throw new Error(`the object cannot be copied: ${r.error}`);
    return r.value;
  }

  /** Which of the texts found in a target carry this instance's markers (CLEANUP removes those). */
  async ours(texts: string[], instanceId: string): Promise<boolean[]> {
    const outcomes = await this.ctx.compute.runBatch('markers', texts, null);
    return outcomes.map((o) => o.ok && o.value?.instanceId === instanceId);
  }

  async instanceId(): Promise<string> {
    if (!this.instance) {
      this.instance = (await syncTable.instanceSetting(this.ctx.db.em(), 'instance_id')) ?? 'calendula';
    }
    return this.instance;
  }

  private async rows(f: syncTable.SyncFilter): Promise<SyncView[]> {
    return (await syncTable.selectSyncs(this.ctx.db.em(), f)).map(toView);
  }

  /** Every synchronization in use (not being unlinked). */
  async listAll(): Promise<SyncView[]> {
    return this.rows({ active: true });
  }

  async listForUser(username: string): Promise<SyncView[]> {
    return this.rows({ active: true, username });
  }

  async get(id: number): Promise<SyncView | null> {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2 ** 31 - 1) return null;
    return (await this.rows({ id }))[0] ?? null;
  }

  /** Sets a synchronization up; its first full resync is queued at once. */
  async setUp(username: string, type: string, params: Record<string, string>): Promise<SyncView> {
    const provider = this.providers.get(type);
    if (!provider) throw new DomainError('Invalid', 'synchronization type is not known', { code: 'unknown_type' });
    const userId = (await this.ctx.db.em().findOne(User, { username }, { fields: ['id'] }))?.id;
    if (userId === undefined) throw new DomainError('Invalid', 'user is not known', { code: 'unknown_user' });
    let configured;
    try {
      configured = provider.configure(params);
    } catch (e) {
      if (e instanceof ParameterError) throw invalid(e.message, { code: 'bad_parameter' });
      throw e;
    }
    const source = params.provisioning_source?.trim() || null;
    if (source) {
      const views = await loadViews(this.ctx.db.em(), { principaluri: `principals/${username}`, uri: source, owned: true });
      if (!views[0]) throw invalid(`provisioning_source: ${username} has no calendar named ${source}`, { code: 'bad_parameter' });
    }
    if (!this.secretKey) throw new SecretKeyMissingError();
    const settings = { ...configured.settings, source, secrets: encrypt(this.secretKey, JSON.stringify(configured.secrets)) };
    const description = params.description?.slice(0, 1000) ?? null;
    const id = await this.ctx.db.em().transactional(async (em) => {
      const newId = await syncTable.insertSync(em, { userId, type, description, settings, createdAt: this.ctx.clock.now() });
      await this.jobs.enqueue(em, 'resync', `resync:${newId}`, { syncId: newId });
      return newId;
    });
    return (await this.get(id)) as SyncView;
  }

  /**
   * Removes a synchronization. It disappears from the API at once; the unlink (deleting what was
   * pushed, as the mode says) finishes in the background and removes the row.
   */
  async remove(id: number, mode: UnlinkMode): Promise<void> {
    await this.ctx.db.em().transactional(async (em) => {
      if (!(await syncTable.markUnlinking(em, id, mode))) throw notFound('no such synchronization');
      await jobTable.deleteWaitingJobs(em, `push:${id}:`);
      await this.jobs.enqueue(em, 'unlink', `unlink:${id}`, { syncId: id });
    });
  }

  /** Removes a user's synchronizations (of one type); returns how many. */
  async removeForUser(username: string, mode: UnlinkMode, type?: string): Promise<number> {
    const list = (await this.listForUser(username)).filter((s) => type === undefined || s.type === type);
    for (const s of list) await this.remove(s.id, mode);
    return list.length;
  }

  // --- for the worker -----------------------------------------------------------------------

  async work(id: number): Promise<SyncWork | null> {
    const [r] = await syncTable.selectSyncs(this.ctx.db.em(), { id });
    if (!r) return null;
    const provider = this.providers.get(r.type);
    if (!provider) return null;
    if (!this.secretKey) throw new SecretKeyMissingError();
    const all = settingsOf(r);
    const secrets = JSON.parse(decrypt(this.secretKey, String(all.secrets))) as Record<string, string>;
    const settings: Record<string, string> = {};
    for (const [k, v] of Object.entries(all)) if (k !== 'secrets' && typeof v === 'string') settings[k] = v;
    return { sync: toView(r), provider, settings, secrets };
  }

  /** The calendars a synchronization pushes from. */
  async sourceCalendars(sync: SyncView): Promise<CalendarView[]> {
    if (sync.userId === null) return [];
    const views = await loadViews(this.ctx.db.em(), { principaluri: `principals/${sync.username}`, owned: true });
    return views.filter((v) => v.components.includes('VEVENT') && (sync.source === null || v.uri === sync.source));
  }

  async setStatus(id: number, status: SyncStatus, error: string | null, resyncedAt?: Date): Promise<void> {
    await syncTable.updateSyncStatus(this.ctx.db.em(), id, status, error, resyncedAt);
  }

  /** What the synchronization pushed, or only what it pushed for one source object. */
  async ledger(syncId: number, source?: { calendarId: number; uri: string }): Promise<LedgerEntry[]> {
    const rows = await ledgerTable.selectLedger(this.ctx.db.em(), syncId, source);
    return rows.map((r) => ({
      id: r.id,
      sourceCalendarId: r.source_calendarid,
      sourceUri: r.source_uri,
      sourceUid: r.source_uid,
      targetHref: r.target_href,
      targetEtag: r.target_etag,
      sourceEtag: r.source_etag,
      firstStart: r.first_start === null ? null : Number(r.first_start),
    }));
  }

  async recordPush(syncId: number, e: Omit<LedgerEntry, 'id'>): Promise<void> {
    await ledgerTable.upsertLedger(this.ctx.db.em(), { syncId, ...e, updatedAt: this.ctx.clock.now() });
  }

  /** The target's copy is missing or was changed there: the next push writes it again. */
  async markStale(ledgerId: number): Promise<void> {
    await ledgerTable.clearSourceEtag(this.ctx.db.em(), ledgerId);
  }

  async forget(ledgerId: number): Promise<void> {
    await ledgerTable.deleteLedgerEntry(this.ctx.db.em(), ledgerId);
  }

  /** The unlink is done: the synchronization and its ledger go. */
  async finishUnlink(id: number): Promise<void> {
    await syncTable.deleteSync(this.ctx.db.em(), id);
  }

  /** True while a push of this synchronization is being worked on (an unlink waits for it). */
  async pushesRunning(id: number): Promise<boolean> {
    return (await jobTable.countRunningJobs(this.ctx.db.em(), `push:${id}:`)) > 0;
  }

  async enqueuePush(syncId: number, calendarId: number, uri: string): Promise<void> {
    await this.jobs.enqueue(this.ctx.db.em(), 'push', pushKey(syncId, calendarId, uri), { syncId, calendarId, uri });
  }

  /** Queues full resyncs of synchronizations not resynced within `intervalMs`. */
  async enqueueDueResyncs(intervalMs: number): Promise<void> {
    const due = new Date(this.ctx.clock.now().getTime() - intervalMs);
    for (const id of await syncTable.syncsDueForResync(this.ctx.db.em(), due)) await this.jobs.enqueue(this.ctx.db.em(), 'resync', `resync:${id}`, { syncId: id });
  }

  /**
   * The write path's hook (wired in domain/index.ts): a changed event of a synchronized calendar is queued for pushing, by
   * one statement whatever the number of synchronizations (the owner is found in SQL, so writes
   * to shared instances queue the owner's pushes too).
   */
  enqueueStatement(change: ObjectChange): WriteStatement | null {
    if (!change.calendar.components.includes('VEVENT')) return null;
    return jobTable.enqueuePushesStatement(change.calendar.calendarId, change.uri, this.ctx.clock.now());
  }
}
