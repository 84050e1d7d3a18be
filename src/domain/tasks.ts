// The web UI's tasks over a user's calendars: the list across every calendar that holds VTODOs,
// the lists a task may be written to, and a task created, read for its form, changed (and moved
// to another list), marked done or open again, and deleted. Every write goes through the one
// object write path, so CalDAV clients see it at once; every parse runs in the compute pool.
import { randomUUID } from 'node:crypto';
import type { TaskFields, TaskReading } from '../ical/todos.ts';
import { canWriteContent } from './access.ts';
import type { Actor, CalendarService, CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { invalid, notFound } from './errors.ts';
import { PRODID } from './exports.ts';
import type { ObjectService } from './objects.ts';

export interface PlacedTask extends TaskReading {
  calendar: CalendarView;
  uri: string;
}

/** What the task form shows of a stored task, and the ETag it is sent back with. */
export interface StoredTask {
  uid: string;
  fields: TaskFields;
  etag: string;
}

export class TaskService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly calendars: CalendarService,
    private readonly objects: ObjectService,
  ) {}

  private now(): number {
    return Math.floor(this.ctx.clock.now().getTime() / 1000);
  }

  private async computed<T>(outcome: { ok: true; value: T } | { ok: false; error: string }, what: string): Promise<T> {
    if (!outcome.ok) throw invalid(`${what}: ${outcome.error}`);
    return outcome.value;
  }

  private async stored(view: CalendarView, uri: string): Promise<{ uid: string; data: string; etag: string }> {
    const obj = await this.objects.get(view, uri);
    if (!obj) throw notFound('no such object');
    return obj;
  }

  /** Every calendar of the actor that holds tasks (read-only ones too). */
  async calendarsWithTasks(actor: Actor): Promise<CalendarView[]> {
    return (await this.calendars.listForPrincipal(actor.principaluri)).filter((v) => v.components.includes('VTODO'));
  }

  /**
   * The lists a task may be written to: the actor's calendars that take VTODO and that they may
   * write, the default one first: the calendar named `default` when it takes tasks, else the
   * first in the user's order.
   */
  async lists(actor: Actor): Promise<CalendarView[]> {
    const writable = (await this.calendarsWithTasks(actor)).filter((v) => canWriteContent(v));
    const i = writable.findIndex((v) => v.uri === 'default');
    return i > 0 ? [writable[i]!, ...writable.slice(0, i), ...writable.slice(i + 1)] : writable;
  }

  /** The actor's tasks: open ones first by due date, then done ones, the latest done first; at most `limit`. */
  async tasks(actor: Actor, zone: string, limit: number): Promise<{ items: PlacedTask[]; capped: boolean }> {
    const items: PlacedTask[] = [];
    for (const view of await this.calendarsWithTasks(actor)) {
      for await (const batch of this.objects.candidates(view, { componentType: 'VTODO' })) {
        const outcomes = await this.ctx.compute.runBatch('readTask', batch.map((o) => o.data), { zone });
        outcomes.forEach((o, i) => {
          if (o.ok) items.push({ ...o.value, calendar: view, uri: (batch[i] as { uri: string }).uri });
        });
        if (items.length > limit) break;
      }
    }
    const due = (t: PlacedTask) => t.due ?? Number.MAX_SAFE_INTEGER;
    const completed = (t: PlacedTask) => t.completed ?? 0;
    items.sort((a, b) => Number(a.done) - Number(b.done) || (a.done ? completed(b) - completed(a) : due(a) - due(b)) || a.summary.localeCompare(b.summary));
    return { items: items.slice(0, limit), capped: items.length > limit };
  }

  async setTaskDone(actor: Actor, view: CalendarView, uri: string, done: boolean): Promise<void> {
    const obj = await this.stored(view, uri);
    const text = await this.computed(await this.ctx.compute.run('setTaskDone', { text: obj.data, done, now: this.now() }, null), 'the task cannot be changed');
    await this.objects.put(actor, view, uri, text, { ifMatch: [obj.etag] }, 'web');
  }

  /** The form's values of a stored task (due date and time read in `zone`). NotFound when it is not a task. */
  async readTask(view: CalendarView, uri: string, zone: string): Promise<StoredTask> {
    const obj = await this.stored(view, uri);
    const out = await this.ctx.compute.run('readTaskFields', { text: obj.data, zone }, null);
    if (!out.ok) throw notFound(`not a task: ${out.error}`);
    return { uid: obj.uid, fields: out.value, etag: obj.etag };
  }

  /** Creates a task in the list; returns its object name. */
  async createTask(actor: Actor, view: CalendarView, fields: TaskFields, zone: string): Promise<string> {
    const uid = randomUUID();
    const text = await this.computed(await this.ctx.compute.run('newTask', { fields, zone, uid, now: this.now(), prodId: PRODID }, null), 'the task cannot be written');
    const uri = `${uid}.ics`;
    await this.objects.put(actor, view, uri, text, { ifNoneMatch: ['*'] }, 'web');
    return uri;
  }

  /**
   * Changes a task as the form says, if it is still the version the form showed (`etag`;
   * PreconditionFailed otherwise), keeping what the form does not show. With `to` another list,
   * the changed task moves there under the same name, in the same transaction as the removal
   * from the old list. Returns where the task is afterwards.
   */
  async updateTask(actor: Actor, view: CalendarView, uri: string, fields: TaskFields, etag: string, zone: string, to: CalendarView = view): Promise<{ view: CalendarView; uri: string }> {
    const obj = await this.stored(view, uri);
    const text = await this.computed(await this.ctx.compute.run('applyTask', { text: obj.data, fields, zone, now: this.now() }, null), 'the task cannot be changed');
    if (to.calendarId === view.calendarId) {
      await this.objects.put(actor, view, uri, text, { ifMatch: [etag] }, 'web');
      return { view, uri };
    }
    if (actor.principaluri !== to.principaluri || !to.components.includes('VTODO') || !canWriteContent(to) || !canWriteContent(view)) {
      throw invalid('the task cannot move to that list', { field: 'list', code: 'bad-list' });
    }
    const prepared = await this.objects.prepare(to, text);
    // The calendar of the lower id is written first, so two opposite moves take the calendars' locks in one order.
    await this.ctx.db.transactional(async (em) => {
      const steps = [
        { id: view.calendarId, run: () => this.objects.remove(em, actor, view, uri, { ifMatch: [etag] }, 'web') },
        { id: to.calendarId, run: () => this.objects.store(em, actor, to, uri, prepared, { ifNoneMatch: ['*'] }, 'web') },
      ].sort((a, b) => a.id - b.id);
      for (const s of steps) await s.run();
    });
    return { view: to, uri };
  }

  async deleteTask(actor: Actor, view: CalendarView, uri: string, etag: string): Promise<void> {
    await this.objects.delete(actor, view, uri, etag ? { ifMatch: [etag] } : {}, 'web');
  }
}
