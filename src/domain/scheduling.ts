// Scheduling (RFC 6638 implicit scheduling) for events whose organizer or attendee is a user here.
// It listens to the one write path, so a CalDAV PUT/DELETE, the web face and the events API behave
// the same:
//  - the organizer creates or changes an event → every attendee who is a user here gets a copy in
//    their default calendar (their PARTSTAT kept across updates) and the iTIP message in their
//    schedule inbox; an attendee dropped from the list gets their copy cancelled; the organizer
//    deleting the event deletes the copies;
//  - attendees elsewhere get the iTIP message by mail (iMIP, RFC 6047) through the mail outbox:
//    REQUEST when the event is new, changed in a way that matters to them (RFC 5546 "significant
//    change": the scheduling fingerprint differs) or they were just added; CANCEL when they are
//    dropped, the event is deleted or set to STATUS:CANCELLED. The organizer's copy records, once
//    and in the same transaction, SCHEDULE-STATUS per attendee: 1.2 delivered here, 1.1 handed to
//    the mail queue, 5.3 not sent (a limit);
//  - an attendee changes their PARTSTAT in their copy (or deletes it: DECLINED) → the organizer's
//    copy follows when the organizer is a user here (REPLY_ORIGIN, a copy of the REPLY in their
//    inbox), else a METHOD:REPLY is mailed to the organizer.
// Only SCHEDULE-AGENT=SERVER participants are ours (CLIENT: the client sends by itself). Nothing
// is mailed without SMTP_URL, for writes whose origin says so (imports, feeds, birthdays, the
// events API unless asked), nor for events wholly in the past.
import { createHash } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { FreeBusyRequest } from '../compute/tasks.ts';
import type { BusyPeriod } from '../ical/freebusy.ts';
import type { ItipMethod } from '../ical/itip.ts';
import type { Participant, Participants, SchedulingEdit } from '../ical/scheduling.ts';
import { selectOwnedByUid } from '../db/tables/calendarObjects.ts';
import { selectEmailOf, selectUserOfPrincipal, selectUsersByEmail } from '../db/tables/principals.ts';
import { selectScheduleDefaultCalendar } from '../db/tables/schedulingInbox.ts';
import { owns } from './access.ts';
import { loadViews, type Actor, type CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { invalid } from './errors.ts';
import type { InboxService } from './inbox.ts';
import type { MailOutbox } from './mailOutbox.ts';
import type { ObjectChange, ObjectService } from './objects.ts';
import type { QueryService } from './queries.ts';

import { BIRTHDAYS_ORIGIN, EVENTS_API_NOTIFY_ORIGIN, EVENTS_API_ORIGIN, FEEDS_ORIGIN, IMPORT_ORIGIN, REPLY_ORIGIN, SCHEDULING_ORIGIN } from './origins.ts';

export { EVENTS_API_NOTIFY_ORIGIN, EVENTS_API_ORIGIN, IMPORT_ORIGIN, REPLY_ORIGIN, SCHEDULING_ORIGIN };

/** Writes scheduling never acts on (its own, answers applied, imports, subscriptions, birthdays). */
const UNSCHEDULED_ORIGINS = new Set([SCHEDULING_ORIGIN, REPLY_ORIGIN, IMPORT_ORIGIN, FEEDS_ORIGIN, BIRTHDAYS_ORIGIN]);
/** Writes that schedule for users here but mail nobody elsewhere. */
const UNMAILED_ORIGINS = new Set([EVENTS_API_ORIGIN]);

/** SCHEDULE-STATUS of a delivery to a user here (RFC 6638 §3.2.9). */
const STATUS_DELIVERED = '1.2';
/** … and of an attendee here who has no calendar for events. */
const STATUS_NO_CALENDAR = '5.3';

/** What an answer can do to the organizer's copy (applyReply). */
/** `stale`: the reply answers an older version of the event than the organizer's (a lower SEQUENCE). */
export type ReplyOutcome = 'applied' | 'unchanged' | 'not-found' | 'not-attendee' | 'stale';

export interface ReplyInput {
  attendee: string;
  partstat: string;
  comment?: string | null;
  recurrenceId?: string | null;
  /** The SEQUENCE the reply answers (mail replies carry it; RFC 5546 §2.1.5): below the organizer's, it is out of date. */
  sequence?: number;
}

interface LocalUser {
  username: string;
  principaluri: string;
  email: string;
  userId: number;
}

interface Copy {
  uri: string;
  data: string;
  view: CalendarView;
}

/** A message for the mail outbox. */
interface Outgoing {
  recipient: string;
  method: ItipMethod;
  calendardata: string;
}

/** A safe object name for a UID (clients' names are kept; ours derive from the UID). */
export function objectNameFor(uid: string): string {
  return /^[A-Za-z0-9._@-]{1,200}$/.test(uid) ? `${uid}.ics` : `${createHash('sha1').update(uid).digest('hex')}.ics`;
}

export class SchedulingService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly objects: ObjectService,
    private readonly queries: QueryService,
    private readonly inbox: InboxService,
    private readonly outbox: MailOutbox,
  ) {}

  private async usersByEmail(em: SqlEntityManager, emails: string[]): Promise<Map<string, LocalUser>> {
    const out = new Map<string, LocalUser>();
    for (const r of await selectUsersByEmail(em, emails)) out.set(r.email, { username: r.username, principaluri: r.uri, email: r.email, userId: r.id });
    return out;
  }

  private async emailOf(em: SqlEntityManager, principaluri: string): Promise<string | null> {
    return selectEmailOf(em, principaluri);
  }

  /** The user's copy of the event with this UID, in any calendar they own. */
  private async copyOf(em: SqlEntityManager, principaluri: string, uid: string): Promise<Copy | null> {
    const r = await selectOwnedByUid(em, principaluri, uid);
    if (!r) return null;
    const view = (await loadViews(em, { id: r.instance_id }))[0];
    return view ? { uri: r.uri, data: r.calendardata, view } : null;
  }

  /**
   * Where new invitations go: the calendar the user chose (schedule-default-calendar-URL) while it
   * exists and holds events, else `default` if it holds events, else the first that does.
   */
  private async inboxCalendar(em: SqlEntityManager, principaluri: string): Promise<CalendarView | null> {
    const [owned, chosen] = await Promise.all([loadViews(em, { principaluri, owned: true }), selectScheduleDefaultCalendar(em, principaluri)]);
    const events = owned.filter((v) => v.components.includes('VEVENT'));
    return (chosen !== null ? events.find((v) => v.uri === chosen) : undefined) ?? events.find((v) => v.uri === 'default') ?? events[0] ?? null;
  }

  private actorOf(u: LocalUser): Actor {
    return { userId: u.userId, username: u.username, principaluri: u.principaluri };
  }

  /** Who organizes and attends, read off the request loop (null: no text, or text that does not parse). */
  private async participants(text: string | undefined): Promise<Participants | null> {
    if (!text) return null;
    const r = await this.ctx.compute.run('participants', text, null);
    return r.ok ? r.value : null;
  }

  /** A scheduling edit of stored text, made off the request loop. */
  private async edit(text: string, edit: SchedulingEdit): Promise<string> {
    const r = await this.ctx.compute.run('schedulingEdit', { text, edit }, null);
    if (!r.ok) throw new Error(`a scheduling edit failed: ${r.error}`);
    return r.value;
  }

  private nowSeconds(): number {
    return Math.floor(this.ctx.clock.now().getTime() / 1000);
  }

  /** The iTIP message of a method, made off the request loop from stored (valid) text. */
  private async itip(method: 'REQUEST', text: string): Promise<string>;
  private async itip(method: 'CANCEL', text: string, recipients: string[] | 'all'): Promise<string>;
  private async itip(method: 'REPLY', text: string, attendee: string, comment?: string): Promise<string>;
  private async itip(method: ItipMethod, text: string, who?: string[] | string, comment?: string): Promise<string> {
    const now = this.nowSeconds();
    const r =
      method === 'REQUEST'
        ? await this.ctx.compute.run('itipRequest', { text, now }, null)
        : method === 'CANCEL'
          ? await this.ctx.compute.run('itipCancel', { text, recipients: who as string[] | 'all', now }, null)
          : await this.ctx.compute.run('itipReply', { text, attendee: who as string, now, ...(comment ? { comment } : {}) }, null);
    if (!r.ok) throw new Error(`the iTIP ${method} could not be made: ${r.error}`);
    return r.value;
  }

  /** Whether two versions differ in what attendees must hear of (RFC 5546 significant change). */
  private async significant(before: string | undefined, after: string): Promise<boolean> {
    if (!before) return true;
    const [a, b] = await Promise.all([this.ctx.compute.run('schedulingFingerprint', before, null), this.ctx.compute.run('schedulingFingerprint', after, null)]);
    return !a.ok || !b.ok || a.value !== b.value;
  }

  private async write(em: SqlEntityManager, u: LocalUser, view: CalendarView, uri: string, text: string, origin = SCHEDULING_ORIGIN): Promise<void> {
    await this.objects.store(em, this.actorOf(u), view, uri, await this.objects.prepare(view, text), {}, origin);
  }

  /**
   * Whether this change may send mail: SMTP_URL is set, the origin allows it, and the event is
   * not wholly in the past (its last instance ended before now; for a deletion, the deleted one's).
   */
  private async mayMail(change: ObjectChange): Promise<boolean> {
    if (!this.outbox.enabled || (change.origin !== undefined && UNMAILED_ORIGINS.has(change.origin))) return false;
    let last: number | null = null;
    if (change.content) last = change.content.last;
    else if (change.previous) {
      try {
        last = (await this.objects.prepare(change.calendar, change.previous)).last;
      } catch {
        last = null; // text this calendar no longer takes: not known to be past
      }
    }
    return last === null || last >= this.nowSeconds();
  }

  /** The calendar (its name in the home) where a user's invitations land. */
  async defaultCalendarUri(principaluri: string): Promise<string | undefined> {
    return (await this.inboxCalendar(this.ctx.db.em(), principaluri))?.uri;
  }

  /** A user's busy time in a range, over the calendars they own that count for free-busy. */
  async busyTime(email: string, range: { start: number; end: number }): Promise<BusyPeriod[] | null> {
    const em = this.ctx.db.em();
    const user = (await this.usersByEmail(em, [email.toLowerCase()])).get(email.toLowerCase());
    if (!user) return null;
    const views = await loadViews(em, { principaluri: user.principaluri, owned: true });
    return this.queries.busy(
      views.filter((v) => !v.transparent && v.components.includes('VEVENT')),
      range,
    );
  }

  /** What a VFREEBUSY request posted to an outbox asks, read off the request loop. */
  async readFreeBusyRequest(text: string): Promise<FreeBusyRequest | { error: string }> {
    const r = await this.ctx.compute.run('freeBusyRequest', text, null);
    return r.ok ? r.value : { error: r.error };
  }

  /** Whether a change may be a scheduling message; most writes are not, and skip the lookups. */
  concerns(change: ObjectChange): boolean {
    if ((change.origin !== undefined && UNSCHEDULED_ORIGINS.has(change.origin)) || !change.actor) return false;
    if (!owns(change.calendar) || change.calendar.principaluri !== change.actor.principaluri) return false;
    if (change.content && change.content.componentType !== 'VEVENT') return false;
    const hadOrganizer = change.previous !== undefined && /\nORGANIZER[;:]/i.test(change.previous);
    return hadOrganizer || Boolean(change.content?.organizer);
  }

  async onWrite(em: SqlEntityManager, change: ObjectChange): Promise<void> {
    if (!this.concerns(change) || !change.actor) return;
    const [after, before] = await Promise.all([this.participants(change.content?.text), this.participants(change.previous)]);
    const current = after ?? before;
    if (!current) return;
    const me = await this.emailOf(em, change.actor.principaluri);
    if (!me) return;
    const organizer = current.organizer;
    if (!organizer) return;
    if (organizer === me) await this.asOrganizer(em, change, me, before, after);
    else if (current.attendees.some((a) => a.email === me)) await this.asAttendee(em, change, me, organizer, current, before, after);
  }

  private async partstatIn(text: string, email: string): Promise<string | null> {
    return (await this.participants(text))?.attendees.find((a) => a.email === email)?.partstat ?? null;
  }

  private async asOrganizer(em: SqlEntityManager, change: ObjectChange, me: string, before: Participants | null, after: Participants | null): Promise<void> {
    const deliverable = (p: Participants) => p.attendees.filter((a) => a.email !== me && a.agent === 'SERVER');
    const now = after ? deliverable(after) : [];
    const was = before ? deliverable(before) : [];
    const users = await this.usersByEmail(em, [...new Set([...now, ...was].map((a) => a.email))]);
    const elsewhere = (list: Participant[]) => list.filter((a) => !users.has(a.email));
    const removed = was.filter((a) => !now.some((n) => n.email === a.email));
    const mail = (elsewhere(now).length > 0 || elsewhere(was).length > 0) && (await this.mayMail(change));
    const uid = change.uid;
    const cancelFor = (text: string, email: string) => this.itip('CANCEL', text, [email]);

    if (!after || !change.content) {
      const previous = change.previous ?? '';
      for (const a of was) {
        const u = users.get(a.email);
        const copy = u ? await this.copyOf(em, u.principaluri, uid) : null;
        if (!u || !copy) continue;
        await this.objects.remove(em, this.actorOf(u), copy.view, copy.uri, {}, SCHEDULING_ORIGIN);
        await this.inbox.deliver(em, u.principaluri, await cancelFor(previous, a.email));
      }
      // A cancelled event's attendees were told already.
      const external = elsewhere(was);
      if (mail && external.length && !before?.cancelled) {
        const cancel = await this.itip('CANCEL', previous, 'all');
        await this.outbox.queue(em, change.calendar, uid, external.map((a) => ({ recipient: a.email, method: 'CANCEL' as const, calendardata: cancel })));
      }
      return;
    }

    let significant: boolean | undefined;
    const isSignificant = async () => (significant ??= await this.significant(change.previous, change.content?.text ?? ''));
    // Written with a matching If-Schedule-Tag-Match and nothing that matters changed: answers the
    // server recorded since that tag (they keep it) stand over the client's older copy (§3.2.10).
    const organizerText = change.scheduleTagMatched && before && !(await isSignificant()) ? await this.keepAnswers(change.content.text, before, after, me) : change.content.text;
    let request: string | undefined;
    const requestText = async () => (request ??= await this.itip('REQUEST', organizerText));
    // What a user here finds in the inbox: the invitation, or its cancellation once the event is cancelled.
    const inboxMessage = (email: string) => (after.cancelled ? cancelFor(organizerText, email) : requestText());

    const text = await this.edit(organizerText, { kind: 'without-schedule-status' });
    const statuses = new Map<string, string>();
    for (const a of now) {
      const u = users.get(a.email);
      if (!u) continue;
      const copy = await this.copyOf(em, u.principaluri, uid);
      // The attendee's own answer survives the organizer's updates.
      const kept = copy ? await this.partstatIn(copy.data, a.email) : null;
      const delivered = kept && kept !== a.partstat ? await this.edit(text, { kind: 'partstat', email: a.email, partstat: kept }) : text;
      if (copy) {
        if (copy.data === delivered) {
          if (a.forceSend === 'REQUEST') await this.inbox.deliver(em, u.principaluri, await inboxMessage(a.email));
          statuses.set(a.email, STATUS_DELIVERED);
          continue;
        }
        await this.write(em, u, copy.view, copy.uri, delivered);
      } else {
        const target = await this.inboxCalendar(em, u.principaluri);
        if (!target) {
          statuses.set(a.email, STATUS_NO_CALENDAR);
          continue;
        }
        await this.write(em, u, target, objectNameFor(uid), delivered);
      }
      // As sabre: the inbox gets the message when the invitation is new or changed in a way that matters (or the client forces it).
      if (!copy || a.forceSend === 'REQUEST' || (await isSignificant())) await this.inbox.deliver(em, u.principaluri, await inboxMessage(a.email));
      statuses.set(a.email, STATUS_DELIVERED);
    }
    for (const a of removed) {
      const u = users.get(a.email);
      const copy = u ? await this.copyOf(em, u.principaluri, uid) : null;
      if (!u || !copy) continue;
      await this.write(em, u, copy.view, copy.uri, await this.edit(copy.data, { kind: 'cancelled' }));
      await this.inbox.deliver(em, u.principaluri, await cancelFor(change.previous ?? organizerText, a.email));
    }

    if (mail) {
      const messages: Outgoing[] = [];
      const external = elsewhere(now);
      if (after.cancelled) {
        if (!before?.cancelled && external.length) {
          const cancel = await this.itip('CANCEL', organizerText, 'all');
          for (const a of external) messages.push({ recipient: a.email, method: 'CANCEL', calendardata: cancel });
        }
      } else {
        const fresh = (a: Participant) => !was.some((w) => w.email === a.email);
        const invited = (await isSignificant()) ? external : external.filter((a) => fresh(a) || a.forceSend === 'REQUEST');
        for (const a of invited) messages.push({ recipient: a.email, method: 'REQUEST', calendardata: await requestText() });
      }
      for (const a of elsewhere(removed)) messages.push({ recipient: a.email, method: 'CANCEL', calendardata: await cancelFor(change.previous ?? organizerText, a.email) });
      const queued = await this.outbox.queue(em, change.calendar, uid, messages);
      for (const a of external) {
        const s = queued.get(a.email);
        if (s) statuses.set(a.email, s);
      }
    }

    const statusOf = (email: string) => after.attendees.find((a) => a.email === email)?.scheduleStatus ?? null;
    const forced = after.attendees.some((a) => a.forceSend !== null);
    if (([...statuses].some(([email, s]) => statusOf(email) !== s) || forced || organizerText !== change.content.text) && change.actor) {
      const organizerUser: LocalUser = { ...change.actor, email: me };
      const marked = await this.edit(organizerText, { kind: 'schedule-status', statuses: [...statuses] });
      await this.write(em, organizerUser, change.calendar, change.uri, marked);
    }
  }

  private async asAttendee(
    em: SqlEntityManager,
    change: ObjectChange,
    me: string,
    organizer: string,
    current: Participants,
    before: Participants | null,
    after: Participants | null,
  ): Promise<void> {
    const answer = after ? (after.attendees.find((a) => a.email === me)?.partstat ?? null) : 'DECLINED';
    if (!answer) return;
    const owner = await selectUsersByEmail(em, [organizer]).then((rows) => rows[0]);
    if (owner) {
      // The organizer is a user here: their copy follows (and their inbox gets the REPLY).
      await this.applyReply(em, owner.uri, change.uid, { attendee: me, partstat: answer });
      return;
    }
    // The organizer is elsewhere: a REPLY by mail when the answer changed (a new copy counts as
    // NEEDS-ACTION before), unless their client answers by itself or the event was cancelled.
    const previousAnswer = before?.attendees.find((a) => a.email === me)?.partstat ?? 'NEEDS-ACTION';
    if (answer === previousAnswer || current.organizerAgent !== 'SERVER') return;
    if (!after && before?.cancelled) return;
    if (!(await this.mayMail(change))) return;
    const source = change.content ? change.content.text : await this.edit(change.previous ?? '', { kind: 'partstat', email: me, partstat: answer });
    const reply = await this.itip('REPLY', source, me);
    await this.outbox.queue(em, change.calendar, change.uid, [{ recipient: organizer, method: 'REPLY', calendardata: reply }]);
  }

  /** The organizer's text with the answers (PARTSTAT) the stored copy recorded for attendees other than the organizer. */
  private async keepAnswers(text: string, before: Participants, after: Participants, me: string): Promise<string> {
    let out = text;
    for (const a of after.attendees) {
      if (a.email === me) continue;
      const stored = before.attendees.find((b) => b.email === a.email)?.partstat;
      if (stored && stored !== a.partstat) out = await this.edit(out, { kind: 'partstat', email: a.email, partstat: stored });
    }
    return out;
  }

  /**
   * Applies an attendee's answer to the organizer's copy (a user here, `organizerPrincipaluri`):
   * the attendee's PARTSTAT (and COMMENT), written with REPLY_ORIGIN (no mail, no scheduling, the
   * Schedule-Tag kept), and the REPLY left in the organizer's inbox. In the caller's transaction
   * when `em` is given. 'not-found': no such event of that organizer (or no such instance).
   */
  async applyReply(em: SqlEntityManager | null, organizerPrincipaluri: string, uid: string, reply: ReplyInput): Promise<ReplyOutcome> {
    if (!em) return this.ctx.db.transactional((tx) => this.applyReply(tx, organizerPrincipaluri, uid, reply));
    const owner = await selectUserOfPrincipal(em, organizerPrincipaluri);
    if (!owner?.email) return 'not-found';
    const copy = await this.copyOf(em, organizerPrincipaluri, uid);
    if (!copy || (await this.participants(copy.data))?.organizer !== owner.email) return 'not-found';
    if (reply.sequence !== undefined) {
      const current = await this.ctx.compute.run('eventSummary', copy.data, null);
      if (current.ok && current.value && reply.sequence < current.value.sequence) return 'stale';
    }
    const attendee = reply.attendee.trim().toLowerCase();
    const { sequence: _answered, ...answer } = reply;
    const r = await this.ctx.compute.run('applyReply', { text: copy.data, reply: { ...answer, attendee } }, null);
    if (!r.ok) throw new Error(`an answer could not be applied: ${r.error}`);
    if ('error' in r.value) {
      switch (r.value.error) {
        case 'not-attendee':
          return 'not-attendee';
        case 'bad-partstat':
          throw invalid(`"${reply.partstat}" is not an answer (PARTSTAT)`);
        default:
          return 'not-found';
      }
    }
    const text = r.value.text;
    if (text === copy.data) return 'unchanged';
    const user: LocalUser = { username: owner.username, principaluri: owner.uri, email: owner.email, userId: owner.id };
    await this.write(em, user, copy.view, copy.uri, text, REPLY_ORIGIN);
    await this.inbox.deliver(em, organizerPrincipaluri, await this.itip('REPLY', text, attendee, reply.comment ?? undefined));
    return 'applied';
  }
}
