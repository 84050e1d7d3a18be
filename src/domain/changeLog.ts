// Reading a collection's change log for a sync token (RFC 6578): what calendars and address books
// share. The log is read in pages, so that a token far behind (many changes) never lands as one
// huge result; `limit` cuts the answer at that many members and says so.
import { forbidden } from './errors.ts';

/** Change-log operations, as sabre/dav writes them. */
export const OP_ADDED = 1;
export const OP_MODIFIED = 2;
export const OP_DELETED = 3;

/** Change-log rows read per query when answering a sync token. */
const CHANGES_PAGE = 10_000;

export interface ChangeLogRow {
  uri: string;
  operation: number;
  synctoken: number;
}

/** Reads up to `n` rows of the log with from ≤ synctoken < to, in token order. */
export type ChangeLogPage = (from: number, to: number, n: number) => Promise<ChangeLogRow[]>;

export interface LoggedChanges {
  /** Members still there (by the log) and members removed. */
  present: string[];
  logged: string[];
  /** The token that represents the state answered. */
  token: number;
  truncated: boolean;
}

/** The members changed since `token` (the last operation of each wins); Forbidden with DAV:valid-sync-token when the token cannot be answered. */
export async function readChangeLog(state: { synctoken: number; sync_floor: number }, token: number, limit: number | undefined, page: ChangeLogPage): Promise<LoggedChanges> {
  if (!Number.isSafeInteger(token) || token < state.sync_floor || token > state.synctoken) {
    throw forbidden('the sync token is unknown or expired; sync again from scratch', {
      precondition: { namespace: 'DAV:', name: 'valid-sync-token' },
    });
  }
  const last = new Map<string, number>();
  let upTo = state.synctoken;
  let truncated = false;
  let from = token;
  pages: for (;;) {
    const rows = await page(from, state.synctoken, CHANGES_PAGE);
    for (const r of rows) {
      if (limit !== undefined && !last.has(r.uri) && last.size >= limit) {
        upTo = r.synctoken;
        truncated = true;
        break pages;
      }
      last.set(r.uri, r.operation);
    }
    if (rows.length < CHANGES_PAGE) break;
    from = (rows[rows.length - 1] as ChangeLogRow).synctoken + 1;
  }
  const present = [...last].filter(([, op]) => op !== OP_DELETED).map(([uri]) => uri);
  return { present, logged: [...last.keys()], token: upTo, truncated };
}
