// Synchronizations: one-way pushes of a user's events into an external calendar
// (specs/provisioning-v0.md). Changes to source objects enqueue push jobs in the same transaction
// (a write listener); the worker (src/sync/worker.ts) does the pushing and records the outcome.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { decrypt, encrypt, SecretKeyMissingError } from '../sync/secrets.ts';
import { providerFor } from '../sync/providers/index.ts';
import { ParameterError, type Provider } from '../sync/providers/types.ts';
import { loadViews, type CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { DomainError, invalid, notFound } from './errors.ts';
import type { JobQueue } from './jobs.ts';
import type { ObjectChange, ObjectService, WriteStatement } from './objects.ts';

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

interface SyncRow {
  id: number;
  type: string;
  user_id: number | null;
  username: string | null;
  description: string | null;
  enabled: boolean;
  status: string;
  last_resync: string | null;
  last_error: string | null;
  settings: Record<string, unknown> | string;
  unlink_mode: string | null;
}

const SELECT = `select s.id, s.type, s.user_id, u.username, s.description, s.enabled, s.status, s.last_resync, s.last_error, s.settings, s.unlink_mode
  from synchronizations s left join users u on u.id = s.user_id`;

function settingsOf(r: SyncRow): Record<string, unknown> {
  return typeof r.settings === 'string' ? (JSON.parse(r.settings) as Record<string, unknown>) : r.settings;
}

function toView(r: SyncRow): SyncView {
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
    private readonly objects: ObjectService,
    private readonly secretKey: Buffer | null,
  ) {
    objects.onWriteStatement((change) => this.enqueueStatement(change));
  }

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
      const rows = await this.ctx.db.em().execute<{ value: string }[]>("select value from instance_settings where key = 'instance_id'");
      this.instance = rows[0]?.value ?? 'calendula';
    }
    return this.instance;
  }

  private async rows(where: string, params: unknown[], em: SqlEntityManager = this.ctx.db.em()): Promise<SyncView[]> {
    const rows = await em.execute<SyncRow[]>(`${SELECT} where ${where} order by s.id`, params as never[]);
    return rows.map(toView);
  }

  /** Every synchronization in use (not being unlinked). */
  async listAll(): Promise<SyncView[]> {
    return this.rows('s.unlink_mode is null', []);
  }

  async listForUser(username: string): Promise<SyncView[]> {
    return this.rows('u.username = ? and s.unlink_mode is null', [username]);
  }

  async get(id: number): Promise<SyncView | null> {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2 ** 31 - 1) return null;
    return (await this.rows('s.id = ?', [id]))[0] ?? null;
  }

  /** Sets a synchronization up; its first full resync is queued at once. */
  async setUp(username: string, type: string, params: Record<string, string>): Promise<SyncView> {
    const provider = providerFor(type);
    if (!provider) throw new DomainError('Invalid', 'synchronization type is not known', { code: 'unknown_type' });
    const users = await this.ctx.db.em().execute<{ id: number }[]>('select id from users where username = ?', [username]);
    const userId = users[0]?.id;
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
      const views = await loadViews(this.ctx.db.em(), 'i.principaluri = ? and i.uri = ? and i.access = 1', [`principals/${username}`, source]);
      if (!views[0]) throw invalid(`provisioning_source: ${username} has no calendar named ${source}`, { code: 'bad_parameter' });
    }
    if (!this.secretKey) throw new SecretKeyMissingError();
    const settings = { ...configured.settings, source, secrets: encrypt(this.secretKey, JSON.stringify(configured.secrets)) };
    const description = params.description?.slice(0, 1000) ?? null;
    const id = await this.ctx.db.em().transactional(async (em) => {
      const rows = await em.execute<{ id: number }[]>(
        `insert into synchronizations (user_id, type, description, enabled, status, settings, created_at) values (?, ?, ?, true, 'PENDING', ?, ?) returning id`,
        [userId, type, description, JSON.stringify(settings), this.ctx.clock.now()],
      );
      const newId = (rows[0] as { id: number }).id;
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
      const rows = await em.execute<{ id: number }[]>("update synchronizations set unlink_mode = ?, enabled = false, status = 'PENDING', last_error = null where id = ? and unlink_mode is null returning id", [mode, id]);
      if (!rows[0]) throw notFound('no such synchronization');
      await em.execute("delete from jobs where key like ? and locked_until is null", [`push:${id}:%`]);
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
    const rows = await this.ctx.db.em().execute<SyncRow[]>(`${SELECT} where s.id = ?`, [id]);
    const r = rows[0];
    if (!r) return null;
    const provider = providerFor(r.type);
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
    const views = await loadViews(this.ctx.db.em(), "i.principaluri = ? and i.access = 1", [`principals/${sync.username}`]);
    return views.filter((v) => v.components.includes('VEVENT') && (sync.source === null || v.uri === sync.source));
  }

  async setStatus(id: number, status: SyncStatus, error: string | null, resyncedAt?: Date): Promise<void> {
    await this.ctx.db
      .em()
      .execute(
        `update synchronizations set status = ?, last_error = ?${resyncedAt ? ', last_resync = ?' : ''} where id = ?`,
        resyncedAt ? [status, error, resyncedAt, id] : [status, error, id],
      );
  }

  async ledger(syncId: number, where = 'true', params: unknown[] = []): Promise<LedgerEntry[]> {
    const rows = await this.ctx.db.em().execute<
      { id: number; source_calendarid: number; source_uri: string; source_uid: string; target_href: string; target_etag: string | null; source_etag: string | null; first_start: string | null }[]
    >(`select * from sync_ledger where synchronization_id = ? and ${where} order by id`, [syncId, ...params] as never[]);
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
    await this.ctx.db.em().execute(
      `insert into sync_ledger (synchronization_id, source_calendarid, source_uri, source_uid, target_href, target_etag, source_etag, first_start, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (synchronization_id, source_calendarid, source_uri) do update set
         source_uid = excluded.source_uid, target_href = excluded.target_href, target_etag = excluded.target_etag,
         source_etag = excluded.source_etag, first_start = excluded.first_start, updated_at = excluded.updated_at`,
      [syncId, e.sourceCalendarId, e.sourceUri, e.sourceUid, e.targetHref, e.targetEtag, e.sourceEtag, e.firstStart, this.ctx.clock.now()],
    );
  }

  /** The target's copy is missing or was changed there: the next push writes it again. */
  async markStale(ledgerId: number): Promise<void> {
    await this.ctx.db.em().execute('update sync_ledger set source_etag = null where id = ?', [ledgerId]);
  }

  async forget(ledgerId: number): Promise<void> {
    await this.ctx.db.em().execute('delete from sync_ledger where id = ?', [ledgerId]);
  }

  /** The unlink is done: the synchronization and its ledger go. */
  async finishUnlink(id: number): Promise<void> {
    await this.ctx.db.em().execute('delete from synchronizations where id = ?', [id]);
  }

  /** True while a push of this synchronization is being worked on (an unlink waits for it). */
  async pushesRunning(id: number): Promise<boolean> {
    const rows = await this.ctx.db.em().execute<{ n: string }[]>(
      'select count(*) as n from jobs where key like ? and locked_until is not null',
      [`push:${id}:%`],
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async enqueuePush(syncId: number, calendarId: number, uri: string): Promise<void> {
    await this.jobs.enqueue(this.ctx.db.em(), 'push', pushKey(syncId, calendarId, uri), { syncId, calendarId, uri });
  }

  /** Queues full resyncs of synchronizations not resynced within `intervalMs`. */
  async enqueueDueResyncs(intervalMs: number): Promise<void> {
    const due = new Date(this.ctx.clock.now().getTime() - intervalMs);
    const rows = await this.ctx.db.em().execute<{ id: number }[]>(
      'select id from synchronizations where unlink_mode is null and enabled and (last_resync is null or last_resync < ?)',
      [due],
    );
    for (const r of rows) await this.jobs.enqueue(this.ctx.db.em(), 'resync', `resync:${r.id}`, { syncId: r.id });
  }

  /**
   * The write path's hook: a changed event of a synchronized calendar is queued for pushing, by
   * one statement whatever the number of synchronizations (the owner is found in SQL, so writes
   * to shared instances queue the owner's pushes too).
   */
  private enqueueStatement(change: ObjectChange): WriteStatement | null {
    if (!change.calendar.components.includes('VEVENT')) return null;
    const now = this.ctx.clock.now();
    const { calendarId } = change.calendar;
    // The key is pushKey(sync id, calendar id, uri).
    return {
      sql: `insert into jobs (kind, key, payload, run_at, attempts, created_at)
            select 'push', 'push:' || s.id || ':' || ?::int || ':' || ?::text,
                   jsonb_build_object('syncId', s.id, 'calendarId', ?::int, 'uri', ?::text), ?, 0, ?
              from calendarinstances i
              join users u on i.principaluri = 'principals/' || u.username
              join synchronizations s on s.user_id = u.id
             where i.calendarid = ? and i.access = 1 and s.enabled and s.unlink_mode is null
               and (s.settings->>'source' is null or s.settings->>'source' = i.uri)
               and exists (select 1 from written)
            on conflict (key) where locked_until is null do nothing`,
      params: [calendarId, change.uri, calendarId, change.uri, now, now, calendarId],
    };
  }

}
