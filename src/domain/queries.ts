// Reading calendars by their content: calendar-query filters, calendar-data shaped as asked
// (expand, limit-recurrence-set, component and property selection) and free-busy time. Rows are
// narrowed in SQL; what needs the iCalendar itself is decided in the compute pool, in chunks that
// the pool's threads share, so that no query holds the request loop or waits on one slow object.
import type { CalendarDataRequest } from '../ical/calendarData.ts';
import { needsTransform } from '../ical/calendarData.ts';
import { filterNarrowing, type CompFilter } from '../ical/filter.ts';
import { mergePeriods, type BusyPeriod } from '../ical/freebusy.ts';
import type { EvaluateResult, ExpansionLimits, Tasks } from '../compute/tasks.ts';
import type { Outcome } from '../compute/pool.ts';
import type { CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import type { ObjectService, StoredObject } from './objects.ts';

/** Why calendar-data could not be shaped as asked for one object. */
export type DataProblem = 'max-instances' | 'unevaluable';

export interface QueryHit {
  object: StoredObject;
  /** The calendar-data to send: the stored text, or its shaped form; null with `dataProblem`. */
  data: string | null;
  dataProblem?: DataProblem;
  /** A limit stopped the filter's evaluation and the object was counted in (see docs/caldav.md). */
  undecided: boolean;
}

/** Items per compute task: large enough to amortise the hand-over, small enough to share the threads. */
const CHUNK_ITEMS = 64;
const CHUNK_CHARS = 1 << 20;

function chunks<T>(items: T[], size: (t: T) => number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let chars = 0;
  for (const it of items) {
    if (cur.length && (cur.length >= CHUNK_ITEMS || chars + size(it) > CHUNK_CHARS)) {
      out.push(cur);
      cur = [];
      chars = 0;
    }
    cur.push(it);
    chars += size(it);
  }
  if (cur.length) out.push(cur);
  return out;
}

export class QueryService {
  /** Objects counted into a query's answer without an exact evaluation, since the start (for /metrics). */
  unevaluated = 0;

  constructor(
    private readonly ctx: DomainContext,
    private readonly objects: ObjectService,
  ) {}

  private limits(): ExpansionLimits {
    const l = this.ctx.config.limits;
    return { maxInstances: l.maxRecurrenceInstances, maxSteps: l.maxRecurrenceSteps };
  }

  /** Runs a task over items in chunks spread over the pool's threads; one outcome per item. */
  private async spread<K extends keyof Tasks>(task: K, items: Tasks[K]['item'][], shared: Tasks[K]['shared']): Promise<Outcome<Tasks[K]['result']>[]> {
    const parts = chunks(items, (it) => (typeof it === 'string' ? it.length : 1));
    const done = await Promise.all(parts.map((part) => this.ctx.compute.runBatch(task, part, shared)));
    return done.flat();
  }

  /**
   * Evaluates `filter` (null: every object) and shapes calendar-data under `data` for objects;
   * `exact` objects are known to match already. `zone` is a calendar-timezone text or IANA name.
   */
  private async evaluate(objs: (StoredObject & { exact?: boolean })[], filter: CompFilter | null, data: CalendarDataRequest | null, zone: string | null): Promise<QueryHit[]> {
    const transform = Boolean(data && needsTransform(data));
    const limits = this.limits();
    const decided = objs.filter((o) => !filter || o.exact);
    const open = objs.filter((o) => filter && !o.exact);
    const results = new Map<StoredObject, Outcome<EvaluateResult>>();
    const [a, b] = await Promise.all([
      transform ? this.spread('evaluate', decided.map((o) => o.data), { filter: null, data, zone, limits }) : Promise.resolve([]),
      this.spread('evaluate', open.map((o) => o.data), { filter, data: transform ? data : null, zone, limits }),
    ]);
    decided.forEach((o, i) => results.set(o, a[i] ?? { ok: true, value: { match: true } }));
    open.forEach((o, i) => results.set(o, b[i] as Outcome<EvaluateResult>));
    const hits: QueryHit[] = [];
    for (const o of objs) {
      const r = results.get(o) as Outcome<EvaluateResult>;
      if (!r.ok) {
        // The object could not be evaluated in time (or ical.js failed on stored data): it is
        // counted in, with its stored text where a shaped one was asked.
        this.countedIn(o, r.error);
        hits.push({ object: o, data: transform ? null : o.data, dataProblem: transform ? 'unevaluable' : undefined, undecided: true });
        continue;
      }
      const v = r.value;
      if (!v.match) continue;
      if (v.undecided) this.countedIn(o, 'a recurrence limit stopped the evaluation');
      if (transform && v.dataCapped) hits.push({ object: o, data: null, dataProblem: 'max-instances', undecided: Boolean(v.undecided) });
      else hits.push({ object: o, data: transform ? (v.data ?? o.data) : o.data, undecided: Boolean(v.undecided) });
    }
    return hits;
  }

  /** Counting an object in unevaluated must stay rare: each one is logged and counted. */
  private countedIn(o: StoredObject, reason: string): void {
    this.unevaluated++;
    this.ctx.log.warn({ uri: o.uri, uid: o.uid, reason }, 'object counted into a query without evaluation');
  }

  /** The objects of a calendar that match a calendar-query filter, in batches. */
  async *query(view: CalendarView, filter: CompFilter, data: CalendarDataRequest | null, zone: string | null): AsyncGenerator<QueryHit[]> {
    for await (const batch of this.objects.candidates(view, filterNarrowing(filter))) {
      yield await this.evaluate(batch, filter, data, zone ?? view.timezone);
    }
  }

  /** One object under a filter: its hit, or null when it does not match. */
  async queryOne(view: CalendarView, obj: StoredObject, filter: CompFilter, data: CalendarDataRequest | null, zone: string | null): Promise<QueryHit | null> {
    return (await this.evaluate([obj], filter, data, zone ?? view.timezone))[0] ?? null;
  }

  /**
   * calendar-query over iCalendar texts kept outside calendars (the schedule inbox's items): no
   * index narrows them, so each is evaluated. One hit per matching item, in the given order.
   */
  async queryTexts<T extends { uri: string; etag: string; size: number; lastmodified: number; data: string }>(
    items: T[],
    filter: CompFilter,
    data: CalendarDataRequest | null,
    zone: string | null,
  ): Promise<{ item: T; hit: QueryHit }[]> {
    const asObjects = items.map((item) => ({ id: 0, uri: item.uri, etag: item.etag, size: item.size, lastmodified: item.lastmodified, componenttype: '', scheduletag: null, uid: '', data: item.data }));
    const byObject = new Map(asObjects.map((o, i) => [o, items[i] as T]));
    return (await this.evaluate(asObjects, filter, data, zone)).map((hit) => ({ item: byObject.get(hit.object as (typeof asObjects)[number]) as T, hit }));
  }

  /** calendar-data shaped as asked for objects already chosen (calendar-multiget). */
  render(view: CalendarView, objs: StoredObject[], data: CalendarDataRequest | null): Promise<QueryHit[]> {
    return this.evaluate(objs, null, data, view.timezone);
  }

  /**
   * The busy time the events of calendars give in a range, merged per type. Objects that cannot be
   * evaluated in time count as busy for nothing (and are logged).
   */
  async busy(views: CalendarView[], range: { start: number; end: number }): Promise<BusyPeriod[]> {
    let periods: BusyPeriod[] = [];
    const limits = this.limits();
    for (const view of views) {
      for await (const batch of this.objects.candidates(view, { componentType: 'VEVENT', range })) {
        const outcomes = await this.spread(
          'busy',
          batch.map((o) => o.data),
          { range, zone: view.timezone, limits },
        );
        outcomes.forEach((r, i) => {
          if (r.ok) periods.push(...r.value);
          else this.ctx.log.warn({ calendarId: view.calendarId, uri: batch[i]?.uri, error: r.error }, 'object left out of free-busy');
        });
        // Merged per batch, so a long range over many events holds one list of periods, not one per event.
        periods = mergePeriods(periods);
      }
    }
    return periods;
  }
}
