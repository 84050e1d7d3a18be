// The calendar home as a synchronizable collection (RFC 6578): its members are the calendars in it,
// and its token moves whenever one of them is created, removed, or changed, in its properties (as
// this principal sees them, or calendar-wide) or in its content. Every write that does so records
// it in its own transaction (homeChanges.ts in src/db); clients such as Apple Calendar ask the home
// which calendars changed and sync only those.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { homeSyncState, recordCalendarChange, recordHomeChange, selectHomeChanges } from '../db/tables/homeChanges.ts';
import { loadViews, type CalendarView } from './calendars.ts';
import { forbidden, notFound } from './errors.ts';

export interface HomeChanges {
  /** Calendars created or changed since the token, as they are now. */
  changed: CalendarView[];
  /** Names of calendars removed since the token. */
  removed: string[];
  /** Whether the schedule inbox changed (its schedule-default-calendar-URL) since the token. */
  inbox: boolean;
  /** The token that represents the state answered. */
  token: number;
  /** True when `limit` cut the answer short (the client asks again with `token`). */
  truncated: boolean;
}

/** The home member name of the schedule inbox in the home's change log. */
export const INBOX_MEMBER = 'inbox';

const invalidToken = () => forbidden('the sync token is unknown or expired; sync again from scratch', { precondition: { namespace: 'DAV:', name: 'valid-sync-token' } });

/** The current token of a home. */
export async function homeToken(em: SqlEntityManager, principaluri: string): Promise<number> {
  const state = await homeSyncState(em, principaluri);
  if (!state) throw notFound('no such calendar home');
  return state.synctoken;
}

/** What changed in a home since `token`; 403 valid-sync-token for a token it cannot answer. */
export async function homeChangesSince(em: SqlEntityManager, principaluri: string, token: number, limit?: number): Promise<HomeChanges> {
  const state = await homeSyncState(em, principaluri);
  if (!state) throw notFound('no such calendar home');
  if (token < state.floor || token > state.synctoken) throw invalidToken();
  let rows = await selectHomeChanges(em, principaluri, token, state.synctoken);
  let upTo = state.synctoken;
  let truncated = false;
  if (limit !== undefined && rows.length > limit) {
    upTo = (rows[limit] as { synctoken: number }).synctoken;
    rows = rows.slice(0, limit);
    truncated = true;
  }
  const views = new Map((await loadViews(em, { principaluri })).map((v) => [v.uri, v]));
  const changed: CalendarView[] = [];
  const removed: string[] = [];
  let inbox = false;
  for (const r of rows) {
    // The inbox is a member of the home too (no calendar may take its name); its logged change is a property's.
    if (r.uri === INBOX_MEMBER) {
      inbox ||= !r.deleted;
      continue;
    }
    const view = r.deleted ? undefined : views.get(r.uri);
    // A calendar removed after the token was read is reported removed; the next sync agrees.
    if (view) changed.push(view);
    else removed.push(r.uri);
  }
  return { changed, removed, inbox, token: upTo, truncated };
}

/** Records, inside the caller's transaction, that a calendar of a home appeared, changed or went. */
export function noteHomeMember(em: SqlEntityManager, principaluri: string, uri: string, change: 'changed' | 'removed', at: Date): Promise<void> {
  return recordHomeChange(em, principaluri, uri, change === 'removed', at);
}

/** Records a change of every instance of a calendar, in each home it is in (a calendar-wide property). */
export function noteCalendarEverywhere(em: SqlEntityManager, calendarId: number, at: Date): Promise<void> {
  return recordCalendarChange(em, calendarId, at);
}
