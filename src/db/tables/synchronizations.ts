// SQL of the `synchronizations` table (with its user's name) and of `instance_settings`.
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export interface SyncRow {
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

/** Which synchronizations to read; `active`: not being unlinked. */
export type SyncFilter = { id: number } | { active: true; username?: string };

export async function selectSyncs(em: SqlEntityManager, f: SyncFilter): Promise<SyncRow[]> {
  const [where, params] = 'id' in f ? ['s.id = ?', [f.id]] : f.username === undefined ? ['s.unlink_mode is null', []] : ['u.username = ? and s.unlink_mode is null', [f.username]];
  return em.execute<SyncRow[]>(
    `select s.id, s.type, s.user_id, u.username, s.description, s.enabled, s.status, s.last_resync, s.last_error, s.settings, s.unlink_mode
       from synchronizations s left join users u on u.id = s.user_id
      where ${where} order by s.id`,
    params as never[],
  );
}

export async function insertSync(
  em: SqlEntityManager,
  s: { userId: number; type: string; description: string | null; settings: Record<string, unknown>; createdAt: Date },
): Promise<number> {
  const rows = await em.execute<{ id: number }[]>(
    `insert into synchronizations (user_id, type, description, enabled, status, settings, created_at) values (?, ?, ?, true, 'PENDING', ?, ?) returning id`,
    [s.userId, s.type, s.description, JSON.stringify(s.settings), s.createdAt],
  );
  return Number(rows[0]!.id);
}

/** Marks an active synchronization as being unlinked (disabled, pending); false when there is none. */
export async function markUnlinking(em: SqlEntityManager, id: number, mode: string): Promise<boolean> {
  const rows = await em.execute<{ id: number }[]>(
    "update synchronizations set unlink_mode = ?, enabled = false, status = 'PENDING', last_error = null where id = ? and unlink_mode is null returning id",
    [mode, id],
  );
  return rows.length > 0;
}

export async function updateSyncStatus(em: SqlEntityManager, id: number, status: string, error: string | null, resyncedAt?: Date): Promise<void> {
  await em.execute(
    `update synchronizations set status = ?, last_error = ?${resyncedAt ? ', last_resync = ?' : ''} where id = ?`,
    resyncedAt ? [status, error, resyncedAt, id] : [status, error, id],
  );
}

export async function deleteSync(em: SqlEntityManager, id: number): Promise<void> {
  await em.execute('delete from synchronizations where id = ?', [id]);
}

/** Active enabled synchronizations last resynced before `before` (or never). */
export async function syncsDueForResync(em: SqlEntityManager, before: Date): Promise<number[]> {
  const rows = await em.execute<{ id: number }[]>(
    'select id from synchronizations where unlink_mode is null and enabled and (last_resync is null or last_resync < ?)',
    [before],
  );
  return rows.map((r) => r.id);
}

/** Active synchronizations of a user are unlinked without a trace when the user goes. */
export async function deleteActiveSyncsOf(em: SqlEntityManager, username: string): Promise<void> {
  await em.execute('delete from synchronizations where user_id = (select id from users where username = ?) and unlink_mode is null', [username]);
}

/** A value of `instance_settings` (written by the migrations). */
export async function instanceSetting(em: SqlEntityManager, key: string): Promise<string | undefined> {
  const rows = await em.execute<{ value: string }[]>('select value from instance_settings where key = ?', [key]);
  return rows[0]?.value;
}
