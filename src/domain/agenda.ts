// The web UI's calendar work over a user's calendars: the occurrences of events in a window
// (recurrences expanded by the server's own bounded expansion), simple events created and
// edited from a form, and .ics imports (tasks: src/domain/tasks.ts). Every write goes through the
// one object write path, so CalDAV clients see it at once; every parse runs in the compute pool.
import { createHash, randomUUID } from 'node:crypto';
import type { Occurrence } from '../ical/occurrences.ts';
import { NOT_A_SERIES, NOT_AN_INSTANCE } from '../ical/seriesEdit.ts';
import { CSS_COLOR_NAMES, MAX_CATEGORIES, MAX_CATEGORY_LENGTH, MAX_REMINDER_MINUTES, MAX_REMINDERS, MAX_URL_LENGTH, type FormParticipants, type SimpleEvent } from '../ical/simpleEvent.ts';
import { isIanaZone } from '../ical/time.ts';
import { objectText, type SplitRefusal } from '../ical/split.ts';
import type { Actor, CalendarService, CalendarView, NewCalendarRequest } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { canWriteContent, readOnlyReason } from './access.ts';
import { DomainError, forbidden, invalid, notFound } from './errors.ts';
import { PRODID } from './exports.ts';
import type { ObjectService } from './objects.ts';
import { IMPORT_ORIGIN } from './scheduling.ts';

export interface PlacedOccurrence extends Occurrence {
  calendar: CalendarView;
  uri: string;
}

/** An event as the form edits it, read back: see AgendaService.readEvent. */
export interface EventReading {
  uid: string;
  event: SimpleEvent;
  /** The repeat rule when the form cannot show it (kept on edit). */
  customRule: string | null;
  participants: FormParticipants;
  etag: string;
  /** Whether the event is a series (RRULE or RDATE). */
  recurring: boolean;
  /** The occurrence read (its RECURRENCE-ID value), null for the whole event. */
  occurrence: string | null;
  /** Alarms the form does not show (kept on edit). */
  otherAlarms: number;
}

/** Which part of a series an edit or delete acts on, from which occurrence (its RECURRENCE-ID value). */
export interface OccurrenceEdit {
  scope: 'this' | 'following';
  occurrence: string;
}

export interface ImportReport {
  stored: number;
  replaced: number;
  /** Each object (or component) not stored: its UID and SUMMARY when it has them, and why. */
  refused: SplitRefusal[];
}

/** An invited address: as the events API checks them (a dot in the domain: mail goes there). */
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** Most attendees one form may list (the events API's bound for its recipients). */
export const MAX_FORM_ATTENDEES = 500;

/** An object name for a UID: the UID itself when it is a plain name, else its hash. */
function uriForUid(uid: string): string {
  return /^[A-Za-z0-9@._-]{1,200}$/.test(uid) && !uid.startsWith('.') ? `${uid}.ics` : `${createHash('sha256').update(uid).digest('hex').slice(0, 40)}.ics`;
}

/** A batch cut into at most `n` parts of about equal length, in order (one per compute thread). */
export function partsOf<T>(batch: T[], n: number): T[][] {
  const size = Math.ceil(batch.length / Math.max(1, n));
  const out: T[][] = [];
  for (let i = 0; i < batch.length; i += size) out.push(batch.slice(i, i + size));
  return out;
}

/** The view's order: by start, then end, then title. */
function byStart(a: Occurrence, b: Occurrence): number {
  return a.start - b.start || a.end - b.end || a.summary.localeCompare(b.summary);
}

/** The first `limit` occurrences in the view's order (by start, then end, then title), sorted. */
export function earliest<T extends Occurrence>(items: T[], limit: number): T[] {
  const sorted = [...items].sort(byStart);
  return sorted.length > limit ? sorted.slice(0, limit) : sorted;
}

export class AgendaService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly calendars: CalendarService,
    private readonly objects: ObjectService,
  ) {}

  private limits() {
    return { maxInstances: this.ctx.config.limits.maxRecurrenceInstances, maxSteps: this.ctx.config.limits.maxRecurrenceSteps };
  }

  /**
   * The occurrences of the actor's events overlapping [start, end), read in `zone`, by start; at
   * most `limit`, the earliest of the window (then `capped`). An object whose expansion is stopped or cut also sets `capped`.
   * Calendars the actor hid from the web views are left out unless `includeHidden`. `calendars`:
   * the actor's calendars (listForPrincipal) when the caller has read them already (a view page
   * shows them too): one query fewer per page.
   */
  async occurrences(
    actor: Actor,
    range: { start: number; end: number },
    zone: string,
    limit: number,
    opts: { includeHidden?: boolean; calendars?: CalendarView[] } = {},
  ): Promise<{ items: PlacedOccurrence[]; capped: boolean }> {
    let items: PlacedOccurrence[] = [];
    let capped = false;
    const shared = { range, zone, limits: this.limits() };
    const threads = Math.max(1, this.ctx.config.compute.threads);
    const calendars = opts.calendars ?? (await this.calendars.listForPrincipal(actor.principaluri));
    for (const view of calendars) {
      if (!view.components.includes('VEVENT') || (view.webHidden && !opts.includeHidden)) continue;
      // `exact`: a series whose instance spans are indexed and miss the window is left out in SQL.
      const batches = this.objects.candidateTexts(view, { componentType: 'VEVENT', range, exact: true });
      // The next batch is read while the pool expands this one, cut into one part per thread.
      let next = batches.next();
      try {
        for (;;) {
          const current = await next;
          if (current.done) break;
          next = batches.next();
          const batch = current.value;
          const parts = partsOf(batch, threads);
          const outcomes = (await Promise.all(parts.map((part) => this.ctx.compute.runBatch('occurrences', part.map((o) => o.data), shared)))).flat();
          outcomes.forEach((o, i) => {
            if (!o.ok) {
              capped = true;
              return;
            }
            if (o.value.capped) capped = true;
            const uri = (batch[i] as { uri: string }).uri;
            // The pool's answer is this request's own copy: each occurrence is placed where it
            // lies (a copy of each of the month's thousands was a tenth of the request loop's work).
            for (const occ of o.value.items as PlacedOccurrence[]) {
              occ.calendar = view;
              occ.uri = uri;
              items.push(occ);
            }
          });
          // Rows come in no order of time: every candidate is read, and what is kept between
          // batches is the earliest `limit` so far, so the answer is the window's earliest.
          if (items.length > limit) {
            capped = true;
            items = earliest(items, limit);
          }
        }
      } finally {
        // A read still under way is waited for (its failure no longer matters), then the reader closed.
        await next.catch(() => undefined);
        await batches.return(undefined);
      }
    }
    return { items: earliest(items, limit), capped };
  }

  private async stored(view: CalendarView, uri: string): Promise<{ uid: string; data: string; etag: string }> {
    const obj = await this.objects.get(view, uri);
    if (!obj) throw notFound('no such object');
    return obj;
  }

  private async computed<T>(outcome: { ok: true; value: T } | { ok: false; error: string }, what: string): Promise<T> {
    if (!outcome.ok) throw invalid(`${what}: ${outcome.error}`);
    return outcome.value;
  }

  /**
   * The form's values of a stored event, who organizes and attends, and its ETag (sent back with
   * the edit); with `occurrence` (a RECURRENCE-ID in the master's form, Occurrence.recurrenceId)
   * that instance's values (NotFound when it is not an instance of the event). Times are in the
   * event's own zone (SimpleEvent.zone); `zone` is the viewer's, for floating and all-day events.
   */
  async readEvent(view: CalendarView, uri: string, zone: string, occurrence: string | null = null): Promise<EventReading> {
    const obj = await this.stored(view, uri);
    if (occurrence === null) {
      const read = await this.computed(await this.ctx.compute.run('readSimpleEvent', { text: obj.data, zone }, null), 'the event cannot be read');
      return { uid: obj.uid, event: read.event, customRule: read.customRule, participants: read.participants, etag: obj.etag, recurring: read.recurring, occurrence: null, otherAlarms: read.otherAlarms };
    }
    const read = await this.occurrenceTask(await this.ctx.compute.run('readOccurrence', { text: obj.data, recurrenceId: occurrence, zone }, null), 'the event cannot be read');
    return { uid: obj.uid, event: read.event, customRule: read.customRule, participants: read.participants, etag: obj.etag, recurring: read.recurring, occurrence, otherAlarms: read.otherAlarms };
  }

  /** What the form says must make sense: a known zone, reminders, a URL, a colour and categories within their bounds. */
  private checkEvent(event: SimpleEvent): void {
    if (event.zone !== 'UTC' && !isIanaZone(event.zone)) throw invalid(`unknown time zone: ${event.zone}`, { field: 'zone', code: 'bad-zone' });
    const reminders = event.reminders ?? [];
    if (reminders.length > MAX_REMINDERS) throw invalid(`at most ${MAX_REMINDERS} reminders`, { field: 'reminders', code: 'too-many' });
    if (reminders.some((m) => !Number.isInteger(m) || m < 0 || m > MAX_REMINDER_MINUTES)) {
      throw invalid(`a reminder is a whole number of minutes from 0 to ${MAX_REMINDER_MINUTES} before the start`, { field: 'reminders', code: 'bad-reminder' });
    }
    if (event.url) {
      let ok = event.url.length <= MAX_URL_LENGTH && !/\s/.test(event.url);
      try {
        ok &&= ['http:', 'https:', 'mailto:', 'tel:'].includes(new URL(event.url).protocol);
      } catch {
        ok = false;
      }
      if (!ok) throw invalid('the URL must be a full http(s), mailto: or tel: address', { field: 'url', code: 'bad-url' });
    }
    if (event.color && !CSS_COLOR_NAMES.has(event.color.toLowerCase())) throw invalid(`not a colour name: ${event.color}`, { field: 'color', code: 'bad-color' });
    const categories = event.categories ?? [];
    if (categories.length > MAX_CATEGORIES) throw invalid(`at most ${MAX_CATEGORIES} categories`, { field: 'categories', code: 'too-many' });
    if (categories.some((c) => c.length > MAX_CATEGORY_LENGTH || /[\u0000-\u001f\u007f]/.test(c))) {
      throw invalid(`a category is one line of at most ${MAX_CATEGORY_LENGTH} characters`, { field: 'categories', code: 'bad-category' });
    }
  }

  /** A pool task's result; a RECURRENCE-ID that names no instance is NotFound, any other failure Invalid. */
  private async occurrenceTask<T>(outcome: { ok: true; value: T } | { ok: false; error: string }, what: string): Promise<T> {
    if (!outcome.ok && outcome.error === NOT_AN_INSTANCE) throw notFound('no such occurrence of this event');
    if (!outcome.ok && outcome.error === NOT_A_SERIES) throw invalid('the event does not repeat', { code: 'not-a-series' });
    return this.computed(outcome, what);
  }

  /** Attendee addresses must be addresses; a new event with attendees needs its organizer. */
  private checkParticipants(event: SimpleEvent, needsOrganizer: boolean): void {
    const bad = event.attendees?.find((a) => a.length > 254 || !EMAIL.test(a));
    if (bad !== undefined) throw invalid(`not an e-mail address: ${bad}`, { field: 'attendees', code: 'bad-address' });
    if ((event.attendees?.length ?? 0) > MAX_FORM_ATTENDEES) throw invalid(`at most ${MAX_FORM_ATTENDEES} attendees`, { field: 'attendees', code: 'too-many' });
    if (event.organizer && !EMAIL.test(event.organizer.email)) throw invalid('the organizer has no e-mail address', { field: 'attendees', code: 'no-organizer' });
    if (needsOrganizer && event.attendees?.length && !event.organizer) throw invalid('inviting people needs an organizer with an e-mail address', { field: 'attendees', code: 'no-organizer' });
  }

  /** Creates an event; returns its object name. */
  async createEvent(actor: Actor, view: CalendarView, event: SimpleEvent): Promise<string> {
    this.checkEvent(event);
    this.checkParticipants(event, true);
    const uid = randomUUID();
    const now = Math.floor(this.ctx.clock.now().getTime() / 1000);
    const text = await this.computed(await this.ctx.compute.run('newSimpleEvent', { event, uid, now, prodId: PRODID }, null), 'the event cannot be written');
    const uri = `${uid}.ics`;
    await this.objects.put(actor, view, uri, text, { ifNoneMatch: ['*'] }, 'web');
    return uri;
  }

  /** Changes an event as the form says, if it is still the version the form showed (`etag`). */
  async updateEvent(actor: Actor, view: CalendarView, uri: string, event: SimpleEvent, etag: string, keepRule: boolean): Promise<void> {
    const obj = await this.stored(view, uri);
    this.checkEvent(event);
    // The face adds the organizer when it adds attendees to an event without one.
    if (event.attendees !== undefined) this.checkParticipants(event, false);
    const now = Math.floor(this.ctx.clock.now().getTime() / 1000);
    const text = await this.computed(await this.ctx.compute.run('applySimpleEvent', { text: obj.data, event, now, keepRule }, null), 'the event cannot be changed');
    await this.objects.put(actor, view, uri, text, { ifMatch: [etag] }, 'web');
  }

  /**
   * Changes one occurrence of a series ('this': an override with RECURRENCE-ID) or this and the
   * following ones ('following': the series split in two, both objects written in ONE
   * transaction), if the object is still the version the form showed (`etag`). Returns the name
   * of the object that holds the edited occurrence afterwards.
   */
  async editOccurrences(actor: Actor, view: CalendarView, uri: string, event: SimpleEvent, etag: string, edit: OccurrenceEdit): Promise<{ uri: string }> {
    const obj = await this.stored(view, uri);
    this.checkEvent(event);
    if (event.attendees !== undefined) this.checkParticipants(event, false);
    const now = this.nowSeconds();
    if (edit.scope === 'this') {
      const text = await this.occurrenceTask(await this.ctx.compute.run('editOccurrence', { text: obj.data, recurrenceId: edit.occurrence, event, now }, null), 'the occurrence cannot be changed');
      await this.objects.put(actor, view, uri, text, { ifMatch: [etag] }, 'web');
      return { uri };
    }
    const newUid = randomUUID();
    const split = await this.occurrenceTask(await this.ctx.compute.run('splitSeries', { text: obj.data, recurrenceId: edit.occurrence, event, newUid, now }, null), 'the series cannot be split');
    if (split.next === null) throw invalid('the series cannot be split');
    const nextUri = `${newUid}.ics`;
    // The old series (shortened, or gone when nothing is left before the occurrence) and the new one: both or neither.
    await this.objects.writeTogether(
      actor,
      view,
      [split.old === null ? { uri, remove: true, cond: { ifMatch: [etag] } } : { uri, body: split.old, cond: { ifMatch: [etag] } }, { uri: nextUri, body: split.next, cond: { ifNoneMatch: ['*'] } }],
      'web',
    );
    return { uri: nextUri };
  }

  /**
   * Deletes one occurrence ('this': an EXDATE, the object gone when no occurrence is left) or this
   * and the following ones ('following': the series ends before it, gone when none is before it).
   */
  async deleteOccurrences(actor: Actor, view: CalendarView, uri: string, etag: string, edit: OccurrenceEdit): Promise<void> {
    const obj = await this.stored(view, uri);
    const now = this.nowSeconds();
    let text: string | null;
    if (edit.scope === 'this') {
      const out = await this.occurrenceTask(await this.ctx.compute.run('deleteOccurrence', { text: obj.data, recurrenceId: edit.occurrence, now }, null), 'the occurrence cannot be deleted');
      text = out.empty ? null : out.text;
    } else {
      const split = await this.occurrenceTask(await this.ctx.compute.run('splitSeries', { text: obj.data, recurrenceId: edit.occurrence, event: null, newUid: '', now }, null), 'the occurrences cannot be deleted');
      text = split.old;
    }
    if (text === null) await this.objects.delete(actor, view, uri, { ifMatch: [etag] }, 'web');
    else await this.objects.put(actor, view, uri, text, { ifMatch: [etag] }, 'web');
  }

  /**
   * Moves an event to another of the actor's calendars (a CalDAV MOVE: the same object, gone from
   * `from`); refused when `to` cannot be written or holds no events. Returns its name there.
   */
  async moveEvent(actor: Actor, from: CalendarView, uri: string, to: CalendarView, etag: string): Promise<{ uri: string }> {
    if (from.calendarId === to.calendarId) return { uri };
    if (!to.components.includes('VEVENT')) throw invalid(`the calendar ${to.displayname ?? to.uri} holds no events`, { field: 'calendar', code: 'no-events' });
    if (!canWriteContent(to)) throw forbidden(readOnlyReason(to), { field: 'calendar', code: 'read-only' });
    const obj = await this.stored(from, uri);
    // The same name, unless the destination has another object by that name.
    const taken = await this.objects.getMeta(to, uri);
    const target = taken ? `${randomUUID()}.ics` : uri;
    await this.objects.transfer(actor, from, uri, to, target, { overwrite: false, keepSource: false, cond: { ifMatch: [etag] } });
    return { uri: target };
  }

  private nowSeconds(): number {
    return Math.floor(this.ctx.clock.now().getTime() / 1000);
  }

  /**
   * The actor's own answer to an invitation in their copy (`email` is their address, listed as an
   * ATTENDEE): PARTSTAT in every component, nothing else. Scheduling carries it to the organizer
   * (their copy here, or a REPLY by mail), as for a CalDAV client's change.
   */
  async answerInvitation(actor: Actor, view: CalendarView, uri: string, email: string, partstat: 'ACCEPTED' | 'TENTATIVE' | 'DECLINED', etag: string): Promise<void> {
    const obj = await this.stored(view, uri);
    const read = await this.computed(await this.ctx.compute.run('participants', obj.data, null), 'the event cannot be read');
    const me = email.toLowerCase();
    if (!read || !read.attendees.some((a) => a.email === me)) throw invalid('you are not an attendee of this event', { field: 'partstat', code: 'not-attendee' });
    const text = await this.computed(await this.ctx.compute.run('schedulingEdit', { text: obj.data, edit: { kind: 'partstat', email: me, partstat } }, null), 'the answer cannot be written');
    if (text === obj.data) return;
    await this.objects.put(actor, view, uri, text, { ifMatch: [etag || obj.etag] }, 'web');
  }

  /**
   * Imports an .ics file into a calendar, or into a new one: one object per UID, each the file's
   * own lines (never re-serialised), each written like a CalDAV PUT (the same validation and write
   * path); an object with a UID already in the calendar replaces it. The file is refused as a
   * whole, changing nothing, only when it cannot be read at all (code `unreadable-file`). A new
   * calendar is made only for a file with objects, and removed again when none was stored.
   */
  async importIcs(actor: Actor, into: CalendarView | NewCalendarRequest, body: Uint8Array): Promise<ImportReport & { calendar: CalendarView | null }> {
    const limits = this.ctx.config.limits;
    if (body.byteLength > limits.maxImportBytes) throw new DomainError('TooLarge', `an import may be at most ${limits.maxImportBytes} bytes`);
    const split = await this.ctx.compute.run('splitCalendar', body, { maxObjects: limits.maxImportObjects, prodId: PRODID });
    if (!split.ok) throw invalid(`the file cannot be read: ${split.error}`, { code: 'unreadable-file', problems: [{ field: 'file', code: 'unreadable', params: { reason: split.error } }] });
    const file = split.value;
    const isNew = !('instanceId' in into);
    const report: ImportReport = { stored: 0, replaced: 0, refused: [...file.refused] };
    if (!file.objects.length) return { ...report, calendar: isNew ? null : into };
    const view = 'instanceId' in into ? into : await this.calendars.create(actor, actor.principaluri, into);
    for (const o of file.objects) {
      try {
        const uri = (await this.objects.uriOfUid(view, o.uid)) ?? uriForUid(o.uid);
        // Imported objects are not invitations to send: no scheduling, no mail (IMPORT_ORIGIN).
        const res = await this.objects.put(actor, view, uri, objectText(file, o), {}, IMPORT_ORIGIN);
        if (res.created) report.stored++;
        else report.replaced++;
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        report.refused.push({ uid: o.uid, summary: o.summary, reason: e.message });
      }
    }
    if (isNew && report.stored === 0) {
      await this.calendars.delete(actor, view);
      return { ...report, calendar: null };
    }
    return { ...report, calendar: view };
  }
}
