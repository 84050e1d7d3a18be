// The session's flash (WebSession.flash): what a POST keeps for the page its redirect leads to,
// shown there once. Stored as JSON naming that page's path, so another page taking it (the user
// opened something else first) drops it instead of showing it out of place.
import { MAX_FLASH_LENGTH } from '../domain/webSessions.ts';

/** The stored text for a value kept for the page `to` (a path, maybe with a query). */
export function flashFor(to: string, data: unknown): string {
  const path = to.split(/[?#]/, 1)[0] ?? to;
  const text = JSON.stringify({ path, data });
  if (text.length > MAX_FLASH_LENGTH) throw new RangeError('flash value too long');
  return text;
}

/** The kept value when it was kept for `path`, else null (also for anything unreadable). */
export function readFlashFor(stored: string | null, path: string): unknown {
  if (stored === null) return null;
  try {
    const v = JSON.parse(stored) as { path?: unknown; data?: unknown };
    return v && typeof v === 'object' && v.path === path && v.data !== undefined ? v.data : null;
  } catch {
    return null;
  }
}
