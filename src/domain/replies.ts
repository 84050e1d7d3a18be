// iTIP messages that arrive by mail (iMIP, RFC 6047) through `calendula imip receive`. Mail is
// easy to forge, so the rules are narrow (issue #27):
//  - a REPLY is applied only to an event whose ORGANIZER is a user here, which lists that
//    ATTENDEE, and only when the mail's From address is that attendee; it goes through
//    scheduling's applyReply, as an answer link or a local attendee's answer does;
//  - a REQUEST or CANCEL from an organizer elsewhere, sent by that organizer, for attendees who
//    are users here goes to their schedule inbox only (never straight into a calendar, so mail
//    cannot fill calendars with spam); their client shows it as an invitation;
//  - anything else is refused with a reason, and nothing is changed.
// The mail itself (MIME, Authentication-Results) is read by src/mail/receive.ts.
import { selectUsersByEmail } from '../db/tables/principals.ts';
import type { ItipMessage } from '../ical/itip.ts';
import type { ReplyApplier } from './answerLinks.ts';
import type { DomainContext } from './context.ts';
import type { InboxService } from './inbox.ts';

/** One iTIP message taken out of a mail. Addresses are lower case, without mailto:. */
export interface IncomingImip {
  /** The one address of the From header. */
  from: string;
  replyTo: string[];
  /** To and Cc. */
  recipients: string[];
  /** The `method` parameter of the calendar part's Content-Type, when it has one. */
  contentMethod: string | null;
  /** The calendar part's text. */
  itip: string;
}

export type ReceiveOutcome =
  | { ok: true; kind: 'reply'; uid: string; attendee: string; partstat: string; organizer: string; changed: boolean }
  | { ok: true; kind: 'inbox'; method: string; uid: string; delivered: string[] }
  | { ok: false; reason: string };

/** The answers an attendee may send for an event (RFC 5545 §3.2.12, VEVENT). */
const REPLY_PARTSTATS = new Set(['ACCEPTED', 'DECLINED', 'TENTATIVE', 'DELEGATED', 'NEEDS-ACTION']);

/** Thrown inside the reply's transaction to undo the parts already applied. */
class Refused extends Error {}

function refuse(reason: string): ReceiveOutcome {
  return { ok: false, reason };
}

export class ReplyService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly replies: ReplyApplier,
    private readonly inbox: InboxService,
  ) {}

  async receive(message: IncomingImip): Promise<ReceiveOutcome> {
    const read = await this.ctx.compute.run('readItip', message.itip, null);
    const itip = read.ok ? read.value : null;
    if (!itip) return refuse('the calendar part is not an iTIP message (no METHOD or UID, or it does not parse)');
    const method = itip.method.toUpperCase();
    if (message.contentMethod && message.contentMethod.toUpperCase() !== method) {
      return refuse(`the part says method=${message.contentMethod} but the calendar says METHOD:${method} (RFC 6047 §2.4)`);
    }
    if (method === 'REPLY') return this.reply(message, itip);
    if (method === 'REQUEST' || method === 'CANCEL') return this.invitation(message, itip, method);
    return refuse(`METHOD:${method} is not handled: only REPLY, and REQUEST or CANCEL for users here`);
  }

  private async reply(message: IncomingImip, itip: ItipMessage): Promise<ReceiveOutcome> {
    const sender = message.from;
    const parts = itip.components?.length ? itip.components : [{ recurrenceId: itip.recurrenceIds[0] ?? null, attendees: itip.attendees, comment: itip.comment }];
    const answers: { recurrenceId: string | null; partstat: string; comment: string | null }[] = [];
    for (const part of parts) {
      const me = part.attendees.find((a) => a.email === sender);
      if (!me) {
        const named = [...new Set(part.attendees.map((a) => a.email))].join(', ') || 'no attendee';
        return refuse(`the reply answers for ${named}, but the mail is from ${sender}: a reply is taken only from the attendee's own address`);
      }
      const partstat = me.partstat.toUpperCase();
      if (!REPLY_PARTSTATS.has(partstat)) return refuse(`PARTSTAT=${me.partstat} is not an answer to an event`);
      answers.push({ recurrenceId: part.recurrenceId, partstat, comment: part.comment });
    }
    // Exchange leaves ORGANIZER out of its replies: the organizer is then the one the mail went to.
    const candidates = itip.organizer ? [itip.organizer] : message.recipients;
    const users = await selectUsersByEmail(this.ctx.db.em(), [...new Set(candidates)]);
    const organizers = candidates.map((email) => users.find((u) => u.email === email)).filter((u) => u !== undefined);
    if (!organizers.length) {
      return refuse(itip.organizer ? `the organizer ${itip.organizer} is not a user here` : 'the reply names no ORGANIZER and none of its recipients is a user here');
    }
    let lastReason = '';
    for (const organizer of organizers) {
      try {
        const changed = await this.ctx.db.transactional(async (em) => {
          let any = false;
          for (const a of answers) {
            const r = await this.replies.applyReply(em, organizer.uri, itip.uid, { attendee: sender, partstat: a.partstat, comment: a.comment, recurrenceId: a.recurrenceId, sequence: itip.sequence });
            if (r === 'stale') throw new Refused(`the reply answers version ${itip.sequence} of ${organizer.email}'s event ${itip.uid}, which has changed since (SEQUENCE): the attendee answers the newer invitation`);
            if (r === 'not-found') throw new Refused(`${organizer.email} has no event with UID ${itip.uid}${a.recurrenceId ? ` (instance ${a.recurrenceId})` : ''}`);
            if (r === 'not-attendee') throw new Refused(`${sender} is not an attendee of ${organizer.email}'s event ${itip.uid}`);
            any ||= r === 'applied';
          }
          return any;
        });
        const partstat = answers.find((a) => a.recurrenceId === null)?.partstat ?? answers[0]!.partstat;
        return { ok: true, kind: 'reply', uid: itip.uid, attendee: sender, partstat, organizer: organizer.email, changed };
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        lastReason = err.message;
      }
    }
    return refuse(lastReason);
  }

  private async invitation(message: IncomingImip, itip: ItipMessage, method: string): Promise<ReceiveOutcome> {
    const organizer = itip.organizer;
    if (!organizer) return refuse(`a ${method} needs an ORGANIZER`);
    // A server that sends for the organizer (as Calendula and Nextcloud do) puts them in Reply-To.
    if (message.from !== organizer && !message.replyTo.includes(organizer)) {
      return refuse(`the ${method} is from ${message.from}, not from its organizer ${organizer}`);
    }
    const em = this.ctx.db.em();
    const attendees = [...new Set(itip.attendees.map((a) => a.email).filter((e) => e !== organizer))];
    const [organizerHere] = await selectUsersByEmail(em, [organizer]);
    if (organizerHere) return refuse(`the organizer ${organizer} is a user here: their invitations are delivered without mail`);
    const local = attendees.length ? await selectUsersByEmail(em, attendees) : [];
    if (!local.length) return refuse(`no attendee of the ${method} is a user here`);
    // The users the mail was addressed to; when it names none of them (a list, a Bcc), all of them.
    const addressed = local.filter((u) => message.recipients.includes(u.email));
    const targets = addressed.length ? addressed : local;
    // A pipe hands mail over with LF line ends; iCalendar's are CRLF (RFC 5545 §3.1).
    const text = `${message.itip.replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '')}\r\n`;
    await this.ctx.db.transactional(async (tx) => {
      for (const u of targets) await this.inbox.deliver(tx, u.uri, text);
    });
    return { ok: true, kind: 'inbox', method, uid: itip.uid, delivered: targets.map((u) => u.username) };
  }
}
