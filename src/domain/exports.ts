// A calendar as one VCALENDAR (ICS export and public feeds), streamed object by object.
import { createHash } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import * as calendarTable from '../db/tables/calendars.ts';
import { CalendarMerger, escapeText } from '../ical/export.ts';
import type { CompFilter } from '../ical/filter.ts';
import type { CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import type { ObjectService } from './objects.ts';
import type { QueryService } from './queries.ts';

export const PRODID = '-//Calendula//Calendula CalDAV Server//EN';

export interface ExportRequest {
  /** Only objects with an instance in [start, end) (epoch seconds). */
  start?: number;
  end?: number;
  /** Recurrences as single instances in UTC (needs start and end). */
  expand?: boolean;
  /** Only this component type. */
  componentType?: string;
  /** More VCALENDAR properties, as content lines. */
  extraHeader?: string[];
}

export class ExportService {
  /**
   * Plain exports kept whole by their ETag, least recently used first, EXPORT_CACHE_MB at most
   * together: calendar subscriptions fetch the same file again and again, many without
   * If-None-Match. The ETag moves with every write to the calendar (its sync token), and an
   * export is kept only when the token read after its last row equals the one its ETag was made
   * from, so no write can have landed between (see remember).
   */
  private readonly cache = new Map<string, KeptExport>();
  private cachedChars = 0;

  /**
   * The most text the kept exports hold together, in UTF-16 code units (two bytes each at most):
   * at the default 8 MB a calendar of a few thousand objects fits; larger exports are merged on
   * every request.
   */
  private get cacheChars(): number {
    return (this.ctx.config.limits.exportCacheMb * 1024 * 1024) / 2;
  }

  constructor(
    private readonly ctx: DomainContext,
    private readonly objects: ObjectService,
    private readonly queries: QueryService,
  ) {}

  nameOf(view: CalendarView): string {
    return view.displayname ?? view.uri;
  }

  /** A strong ETag: the export changes exactly when the calendar's token or properties do. */
  etag(view: CalendarView, req: ExportRequest): string {
    return exportEtag(view, req);
  }

  /**
   * The calendar as iCalendar text, in chunks. Plain exports merge stored text (no parsing); a time
   * range or expansion goes through the query service (the compute pool). The loop is given back
   * between chunks of about EXPORT_CHUNK_CHARS, so a large calendar never holds it for long.
   */
  async *stream(view: CalendarView, req: ExportRequest): AsyncGenerator<string> {
    // The ETag covers what the export is made of but the calendar's name in this home (the
    // header's fallback when it has no display name).
    const key = req.start === undefined && req.end === undefined ? `${view.uri}/${exportEtag(view, req)}` : null;
    const hit = key === null ? undefined : this.cache.get(key);
    if (key !== null && hit) {
      // Used again: it moves to the end of the map, the last to be evicted.
      this.cache.delete(key);
      this.cache.set(key, hit);
      yield* hit.chunks;
      return;
    }
    // The chunks of a plain export, kept while they stay within the cache's bound.
    let kept: string[] | null = key === null ? null : [];
    let keptChars = 0;
    const emit = (chunk: string): string => {
      if (kept) {
        keptChars += chunk.length;
        if (keptChars <= this.cacheChars) kept.push(chunk);
        else kept = null;
      }
      return chunk;
    };
    const header = [`X-WR-CALNAME:${escapeText(this.nameOf(view))}`, ...(req.extraHeader ?? [])];
    if (view.color) header.push(`X-APPLE-CALENDAR-COLOR:${view.color}`);
    const merger = new CalendarMerger();
    yield emit(merger.begin({ prodId: PRODID, properties: header }));
    for await (const texts of this.texts(view, req)) {
      let chunk = '';
      for (const text of texts) {
        chunk += merger.add(text, req.componentType);
        if (chunk.length >= EXPORT_CHUNK_CHARS) {
          yield emit(chunk);
          chunk = '';
          await yieldToLoop();
        }
      }
      if (chunk) yield emit(chunk);
      await yieldToLoop();
    }
    yield emit(merger.end());
    // Checked after the answer is sent, so a miss waits for no extra round trip.
    if (key !== null && kept) void this.remember(view, key, kept, keptChars);
  }

  /**
   * Keeps an export read at `view`'s sync token if the calendar is still at that token: every
   * write to a calendar's objects moves its token in the write's transaction, so an unchanged
   * token read after the last row means every row read was of that state.
   */
  private async remember(view: CalendarView, key: string, chunks: string[], chars: number): Promise<void> {
    try {
      const state = await calendarTable.syncState(this.ctx.db.em(), view.calendarId);
      if (!state || Number(state.synctoken) !== view.synctoken || this.cache.has(key)) return;
      for (const [k, v] of this.cache) {
        // Exports of the calendar at an older token can never be asked for again.
        if (v.calendarId === view.calendarId && v.synctoken !== view.synctoken) this.forget(k, v);
      }
      for (const [k, v] of this.cache) {
        if (this.cachedChars + chars <= this.cacheChars) break;
        this.forget(k, v);
      }
      this.cache.set(key, { calendarId: view.calendarId, synctoken: view.synctoken, chunks, chars });
      this.cachedChars += chars;
    } catch (e) {
      // Only a lost chance to keep it (the database closing, say): the answer was sent already.
      this.ctx.log.debug({ err: e }, 'export not kept');
    }
  }

  private forget(key: string, kept: KeptExport): void {
    this.cache.delete(key);
    this.cachedChars -= kept.chars;
  }

  /** The texts to merge, in batches: stored ones, or those a range selects, expanded if asked. */
  private async *texts(view: CalendarView, req: ExportRequest): AsyncGenerator<string[]> {
    const range = req.start !== undefined || req.end !== undefined ? { start: req.start, end: req.end } : undefined;
    if (!range) {
      // The next batch is read while this one is merged and sent: the database and the merging overlap.
      for await (const batch of readAhead(this.objects.candidateTexts(view, { componentType: req.componentType }, EXPORT_BATCH_ROWS))) yield batch.map((o) => o.data);
      return;
    }
    const filter: CompFilter = {
      name: 'VCALENDAR',
      isNotDefined: false,
      propFilters: [],
      compFilters: [{ name: req.componentType ?? 'VEVENT', isNotDefined: false, timeRange: range, propFilters: [], compFilters: [] }],
    };
    const expand = req.expand && req.start !== undefined && req.end !== undefined ? { expand: { start: req.start, end: req.end } } : null;
    for await (const hits of this.queries.query(view, filter, expand, null)) {
      // An object whose expansion hit a limit is exported as stored (its rule intact).
      yield hits.map((h) => h.data ?? h.object.data);
    }
  }
}

/** A plain export kept whole: its chunks as sent, and the calendar state they were read at. */
interface KeptExport {
  calendarId: number;
  synctoken: number;
  chunks: string[];
  chars: number;
}

/**
 * Yields what `source` yields, asking for the next item as soon as one is handed over. A consumer
 * that stops early still waits for the read in flight, so nothing is left running or unhandled.
 */
async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next: Promise<IteratorResult<T>> | null = source.next();
  try {
    for (;;) {
      const r: IteratorResult<T> = await next;
      next = null;
      if (r.done) return;
      next = source.next();
      yield r.value;
    }
  } finally {
    if (next) await next.catch(() => undefined);
    await source.return(undefined);
  }
}

/**
 * Rows per read of a plain export (each read is also bounded by its size, see
 * ObjectService.candidates). Small reads keep little text alive at a time: with 1,000 rows the
 * garbage collector's pauses held the loop for 40–590 ms (median 120) per export of 10,000 objects
 * on a loaded machine, with 250 for 18–115 ms (median 28), for the same CPU time.
 */
const EXPORT_BATCH_ROWS = 250;
/** How much text the export builds before giving the loop back (about 1 ms of merging). */
const EXPORT_CHUNK_CHARS = 64 * 1024;

/** The ETag of an export (GET of a calendar; its DAV:getetag with the plain request). */
export function exportEtag(view: CalendarView, req: ExportRequest): string {
  return createHash('sha1')
    .update(JSON.stringify([view.calendarId, view.synctoken, view.displayname, view.color, view.description, view.timezone, req]))
    .digest('hex');
}
