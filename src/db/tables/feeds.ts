// SQL of feed calendars: `calendar_feeds` with their tags (`feed_tags`) and tokens
// (`feed_tokens`), and the token-expiry events they hold in `calendarobjects` (named token-*).
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { placeholders } from './statement.ts';

/** A token whose expiry a feed shows: added directly, or carrying one of the feed's tags. */
export interface FeedMemberRow {
  id: string;
  name: string;
  mom_id: string;
  created_at: string;
  expires_at: string;
  comment: string | null;
}

/** The unrevoked tokens added directly to each feed, oldest first. */
export async function selectFeedTokens(em: SqlEntityManager, feedIds: number[]): Promise<{ feed_id: number; mom_id: string }[]> {
  if (!feedIds.length) return [];
  return em.execute(
    `select ft.feed_id, t.mom_id from feed_tokens ft join api_tokens t on t.id = ft.token_id
      where ft.feed_id in (${placeholders(feedIds.length)}) and t.revoked_at is null order by t.created_at`,
    feedIds,
  );
}

/** The feeds on a principal's calendars, oldest first. */
export async function selectFeedsOf(em: SqlEntityManager, principaluri: string): Promise<{ id: number; feedId: string; instance: number }[]> {
  const rows = await em.execute<{ id: number; feed_id: string; instance_id: number }[]>(
    `select f.id, f.feed_id, f.instance_id from calendar_feeds f join calendarinstances i on i.id = f.instance_id
      where i.principaluri = ? order by f.id`,
    [principaluri],
  );
  return rows.map((r) => ({ id: r.id, feedId: r.feed_id, instance: r.instance_id }));
}

export async function linkFeedTag(em: SqlEntityManager, feedId: number, tagId: number): Promise<void> {
  await em.execute('insert into feed_tags (feed_id, tag_id) values (?, ?) on conflict do nothing', [feedId, tagId]);
}

/** Users who own at least one feed. */
export async function usersWithFeeds(em: SqlEntityManager): Promise<number[]> {
  const rows = await em.execute<{ id: number }[]>(
    `select distinct u.id from users u join calendarinstances i on i.principaluri = 'principals/' || u.username
       join calendar_feeds f on f.instance_id = i.id`,
  );
  return rows.map((r) => r.id);
}

/** How many token-expiry events the user's feeds hold. */
export async function countTokenEvents(em: SqlEntityManager, userId: number): Promise<number> {
  const rows = await em.execute<{ n: string }[]>(
    `select count(*) as n from calendarobjects o join calendarinstances i on i.calendarid = o.calendarid and i.access = 1
       join calendar_feeds f on f.instance_id = i.id join users u on i.principaluri = 'principals/' || u.username
      where u.id = ? and o.uri like 'token-%'`,
    [userId],
  );
  return Number(rows[0]?.n ?? 0);
}

/** The user's tokens that a feed should show now: unrevoked, expiring after `now`, added or tagged. */
export async function selectFeedMembers(em: SqlEntityManager, feedId: number, userId: number, now: Date): Promise<FeedMemberRow[]> {
  return em.execute<FeedMemberRow[]>(
    `select t.id, t.name, t.mom_id, t.created_at, t.expires_at, ft.comment
       from api_tokens t left join feed_tokens ft on ft.token_id = t.id and ft.feed_id = ?
      where t.user_id = ? and t.revoked_at is null and t.expires_at is not null and t.expires_at > ?
        and (ft.feed_id is not null or exists (
          select 1 from token_tags tt join feed_tags fg on fg.tag_id = tt.tag_id where tt.token_id = t.id and fg.feed_id = ?))`,
    [feedId, userId, now, feedId],
  );
}

/** The token-expiry events stored in a feed's calendar. */
export async function selectTokenEvents(em: SqlEntityManager, calendarId: number): Promise<{ uri: string; calendardata: string }[]> {
  return em.execute("select uri, calendardata from calendarobjects where calendarid = ? and uri like 'token-%'", [calendarId]);
}
