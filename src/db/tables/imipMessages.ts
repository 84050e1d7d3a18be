// SQL of `imipmessages`: the iMIP messages users here send to addresses elsewhere, and their
// delivery state (see src/domain/mailOutbox.ts for the semantics).
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export interface ImipMessageRow {
  id: number | string;
  principaluri: string;
  uid: string;
  recipient: string;
  method: string;
  calendardata: string;
  status: string;
  attempts: number | string;
  last_error: string | null;
  created_at: Date | string;
  sent_at: Date | string | null;
}

const COLUMNS = 'id, principaluri, uid, recipient, method, calendardata, status, attempts, last_error, created_at, sent_at';

/** Stores one message; returns its id. `status` is 'queued' (a job will send it) or 'refused' (over a limit). */
export async function insertImipMessage(
  em: SqlEntityManager,
  m: { principaluri: string; uid: string; recipient: string; method: string; calendardata: string; status: string; lastError: string | null; at: Date },
): Promise<number> {
  const rows = await em.execute<{ id: number | string }[]>(
    `insert into imipmessages (principaluri, uid, recipient, method, calendardata, status, attempts, last_error, created_at)
     values (?, ?, ?, ?, ?, ?, 0, ?, ?) returning id`,
    [m.principaluri, m.uid, m.recipient, m.method, m.calendardata, m.status, m.lastError, m.at],
  );
  return Number(rows[0]!.id);
}

/** The advisory-lock namespace of a sender's mail queue (the other key is a hash of the principal). */
const SENDER_LOCK_SPACE = 6047;

/**
 * Holds, until the transaction ends, the lock that orders one sender's queueing: two writes of
 * the same user cannot both count the last hour's mails and pass the limit together.
 */
export async function lockSender(em: SqlEntityManager, principaluri: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(?, hashtext(?)) is null as locked', [SENDER_LOCK_SPACE, principaluri]);
}

/** How many messages a sender handed to the mail queue since `since` (refused ones do not count). */
export async function countSentSince(em: SqlEntityManager, principaluri: string, since: Date): Promise<number> {
  const rows = await em.execute<{ n: string | number }[]>(
    `select count(*) as n from imipmessages where principaluri = ? and created_at >= ? and status <> 'refused'`,
    [principaluri, since],
  );
  return Number(rows[0]?.n ?? 0);
}

export async function selectImipMessage(em: SqlEntityManager, id: number): Promise<ImipMessageRow | undefined> {
  const rows = await em.execute<ImipMessageRow[]>(`select ${COLUMNS} from imipmessages where id = ?`, [id]);
  return rows[0];
}

/** Records the outcome of one delivery attempt: attempts + 1, and the new status and error. */
export async function updateAfterAttempt(
  em: SqlEntityManager,
  id: number,
  outcome: { status: 'queued' | 'sent' | 'failed'; error: string | null; sentAt: Date | null },
): Promise<void> {
  await em.execute(
    `update imipmessages set attempts = attempts + 1, status = ?, last_error = ?, sent_at = coalesce(?, sent_at) where id = ?`,
    [outcome.status, outcome.error, outcome.sentAt, id],
  );
}

export interface ImipStatsRow {
  queued: number | string;
  sent: number | string;
  failed: number | string;
  oldest: Date | string | null;
}

export async function selectImipStats(em: SqlEntityManager): Promise<ImipStatsRow> {
  const rows = await em.execute<ImipStatsRow[]>(
    `select count(*) filter (where status = 'queued') as queued,
            count(*) filter (where status = 'sent') as sent,
            count(*) filter (where status = 'failed') as failed,
            min(created_at) filter (where status = 'queued') as oldest
       from imipmessages`,
  );
  return rows[0] ?? { queued: 0, sent: 0, failed: 0, oldest: null };
}

/** Failed or refused messages of a sender (optionally of one event), newest first. */
export async function selectFailures(em: SqlEntityManager, principaluri: string, uid: string | undefined, limit: number): Promise<ImipMessageRow[]> {
  const byUid = uid === undefined ? '' : ' and uid = ?';
  return em.execute<ImipMessageRow[]>(
    `select ${COLUMNS} from imipmessages where principaluri = ? and status in ('failed', 'refused')${byUid}
      order by created_at desc, id desc limit ?`,
    uid === undefined ? [principaluri, limit] : [principaluri, uid, limit],
  );
}

/** The newest message to each recipient of one event of a sender (at most `limit` recipients). */
export async function selectLatestPerRecipient(em: SqlEntityManager, principaluri: string, uid: string, limit: number): Promise<ImipMessageRow[]> {
  return em.execute<ImipMessageRow[]>(
    `select distinct on (recipient) ${COLUMNS} from imipmessages where principaluri = ? and uid = ?
      order by recipient, created_at desc, id desc limit ?`,
    [principaluri, uid, limit],
  );
}

/** The latest messages of everyone, newest first. */
export async function selectRecent(em: SqlEntityManager, limit: number): Promise<ImipMessageRow[]> {
  return em.execute<ImipMessageRow[]>(`select ${COLUMNS} from imipmessages order by id desc limit ?`, [limit]);
}

/** The language the user behind a principal chose (users.locale), if any. */
export async function selectLocaleOf(em: SqlEntityManager, principaluri: string): Promise<string | null> {
  const rows = await em.execute<{ locale: string | null }[]>(`select locale from users where 'principals/' || username = ?`, [principaluri]);
  return rows[0]?.locale ?? null;
}

/** Empties the iTIP text of settled messages (sent, failed, refused) made before `cutoff`; their rows stay. */
export async function clearSettledTexts(em: SqlEntityManager, cutoff: Date): Promise<number> {
  const res = await em.execute<{ affectedRows?: number }>(
    `update imipmessages set calendardata = '' where status <> 'queued' and created_at < ? and calendardata <> ''`,
    [cutoff],
    'run',
  );
  return res.affectedRows ?? 0;
}
