// Events as the events API sees them: a JSON view over VEVENT objects in the caller's calendars.
// Writes go through the one object write path (so CalDAV clients, sync tokens and scheduling see
// them); lists are filtered, sorted and paged in SQL over the index columns. Event text is built,
// read and changed in the compute pool (src/compute/tasks.ts), as the web face's is, never here.
import { randomUUID } from 'node:crypto';
import { DURATION, durationInRange, type EventChanges, type EventReading, type NewEventInput, type Notification } from '../ical/eventMapping.ts';
import { selectEvent, selectEventPage, type EventFilter, type EventRow, type EventSort } from '../db/tables/eventIndex.ts';
import { MAX_DURATION_DAYS } from '../ical/time.ts';
import { canWriteContent, readOnlyReason } from './access.ts';
import { loadViews, type Actor, type CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { DomainError, forbidden, notFound, preconditionFailed, type FieldProblem } from './errors.ts';
import type { ObjectService } from './objects.ts';
import { PRODID } from './exports.ts';
import { EVENTS_API_NOTIFY_ORIGIN, EVENTS_API_ORIGIN } from './scheduling.ts';

/** The origin of the API's writes: whether scheduling may mail recipients elsewhere. */
function originOf(notify: boolean): string {
  return notify ? EVENTS_API_NOTIFY_ORIGIN : EVENTS_API_ORIGIN;
}
import type { UserInfo } from './users.ts';

/** What the VEVENT says, with where it is stored and when it was made and changed. */
export interface EventView extends EventReading {
  id: number;
  calendar: number;
  createTime: number;
  updateTime: number;
  etag: string;
}

/** Input as the API received it, already checked for JSON types. */
export interface EventInput {
  caption?: string;
  description?: string | null;
  /** ISO 8601 date-time with offset. */
  startDate?: string;
  endDate?: string;
  /** ISO 8601 durations (before the start) or date-times. */
  notifications?: string[];
  recipients?: string[];
  calendar?: number;
}

export type SortField = EventSort;

/** A listing: a time window, recipients (any), case-insensitive substrings of name and description, sort and page. */
export type EventQuery = EventFilter;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** Epoch seconds of an ISO 8601 date-time with an offset, or null. */
export function parseDateTime(v: string): number | null {
  if (!DATE_TIME.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
}

function parseNotification(v: string): Notification | null {
  if (DURATION.test(v)) return { before: v };
  const t = parseDateTime(v);
  return t === null ? null : { at: t };
}

export class EventService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly objects: ObjectService,
  ) {}

  private actor(u: UserInfo): Actor {
    return { userId: u.id, username: u.username, principaluri: u.principalUri };
  }

  /** Reads events off the request loop (the compute pool); an object it cannot read is a 404. */
  private async readAll(texts: string[]): Promise<EventReading[]> {
    const outcomes = await this.ctx.compute.runBatch('readEvent', texts, null);
    return outcomes.map((o) => {
      if (!o.ok) throw notFound(`the event cannot be read: ${o.error}`);
      return o.value;
    });
  }

  private async toViews(rows: EventRow[]): Promise<EventView[]> {
    const readings = await this.readAll(rows.map((r) => r.calendardata));
    return rows.map((r, i) => this.toView(r, readings[i] as EventReading));
  }

  private toView(r: EventRow, e: EventReading): EventView {
    return {
      id: r.id,
      caption: e.caption,
      description: e.description,
      start: e.start,
      end: e.end,
      notifications: e.notifications,
      recipients: e.recipients,
      organizer: e.organizer,
      calendar: r.instance_id,
      createTime: Number(r.created_at ?? r.lastmodified),
      updateTime: r.lastmodified,
      etag: r.etag,
      rrule: e.rrule,
    };
  }

  /** Checks the rules (422s); throws Invalid with every problem found. */
  private check(input: EventInput, creating: boolean, current?: { start: number | null; end: number | null }): EventChanges {
    const problems: FieldProblem[] = [];
    const out: EventChanges = {};
    if (input.caption !== undefined) {
      if (input.caption.trim() === '') problems.push({ field: 'caption', code: 'required' });
      else if ([...input.caption].length > 255) problems.push({ field: 'caption', code: 'too_long', params: { max: 255 } });
      else out.caption = input.caption;
    } else if (creating) problems.push({ field: 'caption', code: 'required' });
    if (input.description !== undefined) out.description = input.description;
    for (const field of ['startDate', 'endDate'] as const) {
      const v = input[field];
      if (v === undefined) {
        if (creating) problems.push({ field, code: 'required' });
        continue;
      }
      const t = parseDateTime(v);
      if (t === null) problems.push({ field, code: 'bad_date' });
      else if (field === 'startDate') out.start = t;
      else out.end = t;
    }
    const start = out.start ?? current?.start ?? null;
    const end = out.end ?? current?.end ?? null;
    if (start !== null && end !== null && end < start && !problems.some((p) => p.field === 'startDate' || p.field === 'endDate')) {
      problems.push({ field: 'endDate', code: 'end_before_start' });
    }
    if (input.notifications !== undefined) {
      const parsed = input.notifications.map(parseNotification);
      parsed.forEach((n, i) => {
        if (!n) problems.push({ field: `notifications[${i}]`, code: 'bad_duration' });
        else if ('before' in n && !durationInRange(n.before)) problems.push({ field: `notifications[${i}]`, code: 'duration_too_long', params: { max: MAX_DURATION_DAYS } });
      });
      if (input.notifications.length > 50) problems.push({ field: 'notifications', code: 'too_many', params: { max: 50 } });
      out.notifications = parsed.filter((n): n is Notification => n !== null);
    }
    if (input.recipients !== undefined) {
      input.recipients.forEach((r, i) => {
        if (!EMAIL.test(r) || r.length > 254) problems.push({ field: `recipients[${i}]`, code: 'bad_email' });
      });
      if (input.recipients.length > 500) problems.push({ field: 'recipients', code: 'too_many', params: { max: 500 } });
      out.recipients = [...new Map(input.recipients.map((r) => [r.toLowerCase(), r])).values()];
    }
    if (problems.length) throw new DomainError('Invalid', 'the event breaks some rules', { problems });
    return out;
  }

  private async row(u: UserInfo, id: number): Promise<EventRow | null> {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2 ** 31 - 1) return null;
    return (await selectEvent(this.ctx.db.em(), u.principalUri, id)) ?? null;
  }

  async get(u: UserInfo, id: number): Promise<EventView> {
    const r = await this.row(u, id);
    if (!r) throw notFound('no such event');
    return (await this.toViews([r]))[0] as EventView;
  }

  private async calendarFor(u: UserInfo, instanceId?: number): Promise<CalendarView> {
    const em = this.ctx.db.em();
    const views = instanceId === undefined ? await loadViews(em, { principaluri: u.principalUri, uri: 'default', owned: true }) : await loadViews(em, { id: instanceId, principaluri: u.principalUri });
    let view = views.find((v) => v.components.includes('VEVENT'));
    if (!view && instanceId === undefined) view = (await loadViews(em, { principaluri: u.principalUri, owned: true })).find((v) => v.components.includes('VEVENT'));
    if (!view) throw new DomainError('Invalid', 'no such calendar for events', { problems: [{ field: 'calendar', code: 'bad_calendar' }] });
    return view;
  }

  /**
   * `notify`: invitations, updates and cancellations also go by mail to recipients elsewhere
   * (`?sendUpdates=all`); without it only recipients here get the event, so integrations that
   * never asked do not start e-mailing people.
   */
  async create(u: UserInfo, input: EventInput, notify = false): Promise<EventView> {
    const c = this.check(input, true);
    const view = await this.calendarFor(u, input.calendar);
    const uid = randomUUID();
    const now = Math.floor(this.ctx.clock.now().getTime() / 1000);
    const event: NewEventInput = {
      uid,
      organizer: u.email ? { email: u.email, name: u.displayName } : null,
      caption: c.caption as string,
      description: c.description ?? null,
      start: c.start as number,
      end: c.end as number,
      notifications: c.notifications ?? [],
      recipients: c.recipients ?? [],
      now,
      prodId: PRODID,
    };
    const built = await this.ctx.compute.run('newEventText', event, null);
    // Built from checked input, it fails only when the pool does (a stopped thread): not the caller's fault.
    if (!built.ok) throw new Error(`the event cannot be written: ${built.error}`);
    await this.objects.put(this.actor(u), view, `${uid}.ics`, built.value, { ifNoneMatch: ['*'] }, originOf(notify));
    const meta = await this.objects.getMeta(view, `${uid}.ics`);
    return this.get(u, (meta as { id: number }).id);
  }

  async update(u: UserInfo, id: number, input: EventInput, ifMatch?: string[], notify = false): Promise<EventView> {
    const r = await this.row(u, id);
    if (!r) throw notFound('no such event');
    if (ifMatch && !ifMatch.some((t) => t === '*' || t === r.etag)) throw preconditionFailed('the event has changed (If-Match)');
    const [current] = await this.readAll([r.calendardata]);
    const c = this.check(input, false, current);
    const view = (await loadViews(this.ctx.db.em(), { id: r.instance_id }))[0];
    if (!view) throw notFound('no such event');
    if (!canWriteContent(view)) throw forbidden(readOnlyReason(view));
    const applied = await this.ctx.compute.run('applyEventChanges', { text: r.calendardata, changes: c, now: Math.floor(this.ctx.clock.now().getTime() / 1000) }, null);
    if (!applied.ok) throw notFound(`the event cannot be changed: ${applied.error}`);
    const text = applied.value;
    await this.objects.put(this.actor(u), view, r.uri, text, { ifMatch: [r.etag] }, originOf(notify));
    return this.get(u, id);
  }

  async delete(u: UserInfo, id: number, ifMatch?: string[], notify = false): Promise<void> {
    const r = await this.row(u, id);
    if (!r) throw notFound('no such event');
    if (ifMatch && !ifMatch.some((t) => t === '*' || t === r.etag)) throw preconditionFailed('the event has changed (If-Match)');
    const view = (await loadViews(this.ctx.db.em(), { id: r.instance_id }))[0];
    if (!view) throw notFound('no such event');
    if (!canWriteContent(view)) throw forbidden(readOnlyReason(view));
    await this.objects.delete(this.actor(u), view, r.uri, { ifMatch: [r.etag] }, originOf(notify));
  }

  async list(u: UserInfo, q: EventQuery): Promise<{ items: EventView[]; total: number }> {
    const { rows, total } = await selectEventPage(this.ctx.db.em(), u.principalUri, { ...q, recipients: q.recipients?.map((r) => r.toLowerCase()) });
    return { items: await this.toViews(rows), total };
  }
}
