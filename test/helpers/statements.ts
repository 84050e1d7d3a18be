// The SQL statements a piece of work sends through a server's database connection, for tests that
// count round trips (what a request costs the embedded engine's thread, or PostgreSQL).
import type { Database } from '../../src/db/database.ts';

/** The statements `fn` sent that read or write `calendarobjects`, in order. */
export async function objectStatementsDuring(db: Database, fn: () => Promise<unknown>): Promise<string[]> {
  const conn = db.em().getConnection();
  const original = conn.execute;
  const seen: string[] = [];
  conn.execute = ((...args: Parameters<typeof original>) => {
    seen.push(String(args[0]));
    return original.apply(conn, args);
  }) as typeof original;
  try {
    await fn();
  } finally {
    conn.execute = original;
  }
  return seen.filter((s) => /from calendarobjects/.test(s));
}
