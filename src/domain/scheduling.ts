// Scheduling between users of this server (RFC 6638 implicit scheduling, delivered straight into
// calendars). It listens to the one write path, so a CalDAV PUT/DELETE and the events API behave
// the same:
//  - the organizer creates or changes an event → every attendee who is a user here gets a copy in
//    their default calendar (their PARTSTAT kept across updates); an attendee dropped from the
//    list gets their copy cancelled; the organizer deleting the event deletes the copies;
//  - an attendee changes their PARTSTAT in their copy (or deletes it: DECLINED) → the organizer's
//    copy follows.
// Attendees elsewhere stay ATTENDEEs only: no e-mail is sent.
import { createHash } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { FreeBusyRequest } from '../compute/tasks.ts';
import type { BusyPeriod } from '../ical/freebusy.ts';
import type { Participants, SchedulingEdit } from '../ical/scheduling.ts';
import { selectOwnedByUid } from '../db/tables/calendarObjects.ts';
import { selectEmailOf, selectUsersByEmail } from '../db/tables/principals.ts';
import { owns } from './access.ts';
import { loadViews, type Actor, type CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import type { ObjectChange, ObjectService } from './objects.ts';
import type { QueryService } from './queries.ts';

export const SCHEDULING_ORIGIN = 'scheduling';

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

/** A safe object name for a UID (clients' names are kept; ours derive from the UID). */
export function objectNameFor(uid: string): string {
  return /^[A-Za-z0-9._@-]{1,200}$/.test(uid) ? `${uid}.ics` : `${createHash('sha1').update(uid).digest('hex')}.ics`;
}

export class SchedulingService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly objects: ObjectService,
    private readonly queries: QueryService,
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

  /** Where new invitations go: the `default` calendar if it holds events, else the first that does. */
  private async inboxCalendar(em: SqlEntityManager, principaluri: string): Promise<CalendarView | null> {
    const owned = await loadViews(em, { principaluri, owned: true });
    return owned.find((v) => v.uri === 'default' && v.components.includes('VEVENT')) ?? owned.find((v) => v.components.includes('VEVENT')) ?? null;
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

  private async write(em: SqlEntityManager, u: LocalUser, view: CalendarView, uri: string, text: string): Promise<void> {
    await this.objects.store(em, this.actorOf(u), view, uri, await this.objects.prepare(view, text), {}, SCHEDULING_ORIGIN);
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
    if (change.origin === SCHEDULING_ORIGIN || change.origin === 'feeds' || !change.actor) return false;
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
    else if (current.attendees.some((a) => a.email === me)) await this.asAttendee(em, change, me, organizer, after);
  }

  private async partstatIn(text: string, email: string): Promise<string | null> {
    return (await this.participants(text))?.attendees.find((a) => a.email === email)?.partstat ?? null;
  }

  private async asOrganizer(em: SqlEntityManager, change: ObjectChange, me: string, before: Participants | null, after: Participants | null): Promise<void> {
    const deliverable = (p: Participants) => p.attendees.filter((a) => a.email !== me && a.agent === 'SERVER');
    const now = after ? deliverable(after) : [];
    const was = before ? deliverable(before) : [];
    const users = await this.usersByEmail(em, [...new Set([...now, ...was].map((a) => a.email))]);
    const uid = change.uid;
    if (!after || !change.content) {
      for (const a of was) {
        const u = users.get(a.email);
        const copy = u ? await this.copyOf(em, u.principaluri, uid) : null;
        if (u && copy) await this.objects.remove(em, this.actorOf(u), copy.view, copy.uri, {}, SCHEDULING_ORIGIN);
      }
      return;
    }
    const text = await this.edit(change.content.text, { kind: 'without-schedule-status' });
    const statuses = new Map<string, string>();
    for (const a of now) {
      const u = users.get(a.email);
      if (!u) continue;
      const copy = await this.copyOf(em, u.principaluri, uid);
      // The attendee's own answer survives the organizer's updates.
      const kept = copy ? await this.partstatIn(copy.data, a.email) : null;
      const delivered = kept && kept !== a.partstat ? await this.edit(text, { kind: 'partstat', email: a.email, partstat: kept }) : text;
      if (copy) {
        if (copy.data !== delivered) await this.write(em, u, copy.view, copy.uri, delivered);
      } else {
        const target = await this.inboxCalendar(em, u.principaluri);
        if (!target) {
          statuses.set(a.email, '5.3');
          continue;
        }
        await this.write(em, u, target, objectNameFor(uid), delivered);
      }
      statuses.set(a.email, '1.2');
    }
    for (const a of was) {
      if (now.some((n) => n.email === a.email)) continue;
      const u = users.get(a.email);
      const copy = u ? await this.copyOf(em, u.principaluri, uid) : null;
      if (u && copy) await this.write(em, u, copy.view, copy.uri, await this.edit(copy.data, { kind: 'cancelled' }));
    }
    const statusOf = (email: string) => after.attendees.find((a) => a.email === email)?.scheduleStatus ?? null;
    if ([...statuses].some(([email, s]) => statusOf(email) !== s) && change.actor) {
      const organizerUser: LocalUser = { ...change.actor, email: me };
      const marked = await this.edit(change.content.text, { kind: 'schedule-status', statuses: [...statuses] });
      await this.write(em, organizerUser, change.calendar, change.uri, marked);
    }
  }

  private async asAttendee(em: SqlEntityManager, change: ObjectChange, me: string, organizer: string, after: Participants | null): Promise<void> {
    const owner = (await this.usersByEmail(em, [organizer])).get(organizer);
    if (!owner) return;
    const copy = await this.copyOf(em, owner.principaluri, change.uid);
    if (!copy) return;
    const answer = after ? (after.attendees.find((a) => a.email === me)?.partstat ?? null) : 'DECLINED';
    if (!answer || (await this.partstatIn(copy.data, me)) === answer) return;
    await this.write(em, owner, copy.view, copy.uri, await this.edit(copy.data, { kind: 'partstat', email: me, partstat: answer }));
  }
}
