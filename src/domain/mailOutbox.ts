// The mail outbox: every iMIP message (RFC 6047) a user here sends to an address elsewhere is a
// row of `imipmessages` and a job of kind `imip`, both written in the transaction of the change
// that causes them (nothing is mailed for a write that rolls back, nothing is lost on a crash).
// The mail worker (src/mail/worker.ts) claims the jobs, sends, and records the outcome here.
//
// Limits are decided when queueing, because they decide the SCHEDULE-STATUS written once on the
// organizer's copy: past MAIL_PER_USER_PER_HOUR mails of the sender in the last hour, or past
// MAIL_MAX_ATTENDEES recipients of one event in one write, a message is stored as 'refused' (with
// the reason, for the web face) and no job is made: its recipient gets 5.3.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import * as table from '../db/tables/imipMessages.ts';
import type { ImipMessageRow } from '../db/tables/imipMessages.ts';
import type { DomainContext } from './context.ts';
import type { JobQueue } from './jobs.ts';

export const IMIP_JOB_KIND = 'imip';

/** The iTIP methods we mail (RFC 5546). */
type MailMethod = 'REQUEST' | 'CANCEL' | 'REPLY';

export interface OutgoingMail {
  id: number;
  principaluri: string;
  uid: string;
  recipient: string;
  method: MailMethod;
  calendardata: string;
  status: 'queued' | 'sent' | 'failed' | 'refused';
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface MailStats {
  queued: number;
  sent: number;
  failed: number;
  /** Seconds the oldest message still queued has waited; null when none is. */
  oldestQueuedSeconds: number | null;
}

/** SCHEDULE-STATUS (RFC 6638 §3.2.9, RFC 5545 REQUEST-STATUS codes) of a message handed to the queue. */
export const STATUS_QUEUED = '1.1';
/** … and of one not sent because of a limit ("invalid calendar user": not delivered, do not retry). */
export const STATUS_REFUSED = '5.3';
/** … and of an address no mail can go to (RFC 5545 §3.8.8.3: "invalid calendar user"). */
export const STATUS_BAD_ADDRESS = '3.7';

/** A plain address a mail can be sent to: nothing that could end or extend a header line. */
const PLAIN_ADDRESS = /^[^\s@<>()",;:\\[\]\u0000-\u001f\u007f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.?)*[A-Za-z0-9]$/;

export function isMailAddress(s: string): boolean {
  return s.length <= 254 && PLAIN_ADDRESS.test(s);
}

const HOUR_MS = 3600_000;
const DEFAULT_FAILURES_LIMIT = 50;
/** Errors are kept to this length (SMTP servers can answer at length). */
const MAX_ERROR_CHARS = 2000;
/** imipmessages.recipient's length. */
const MAX_RECIPIENT_CHARS = 320;

function toDate(v: Date | string): Date {
  return v instanceof Date ? v : new Date(v);
}

function toMail(r: ImipMessageRow): OutgoingMail {
  return {
    id: Number(r.id),
    principaluri: r.principaluri,
    uid: r.uid,
    recipient: r.recipient,
    method: r.method as MailMethod,
    calendardata: r.calendardata,
    status: r.status as OutgoingMail['status'],
    attempts: Number(r.attempts),
    lastError: r.last_error,
    createdAt: toDate(r.created_at),
    sentAt: r.sent_at === null ? null : toDate(r.sent_at),
  };
}

export class MailOutbox {
  constructor(
    private readonly ctx: DomainContext,
    private readonly jobs: JobQueue,
  ) {}

  /** Whether mail goes out at all (SMTP_URL is set); without it nothing is queued. */
  get enabled(): boolean {
    return this.ctx.config.mail.smtpUrl !== undefined;
  }

  /**
   * In the caller's transaction: a row and a job for each message within the limits, a refused
   * row for each past them. Returns per recipient (lower-case address) the SCHEDULE-STATUS to
   * write: '1.1' queued, '5.3' over the hourly or the per-event limit, '3.7' an address no mail
   * can go to (refused at once). Nothing when mail is off.
   */
  async queue(
    em: SqlEntityManager,
    sender: { principaluri: string },
    uid: string,
    messages: { recipient: string; method: MailMethod; calendardata: string }[],
  ): Promise<Map<string, string>> {
    const statuses = new Map<string, string>();
    if (!this.enabled || !messages.length) return statuses;
    const { perUserPerHour, maxAttendees } = this.ctx.config.mail;
    const now = this.ctx.clock.now();
    await table.lockSender(em, sender.principaluri);
    let budget = perUserPerHour - (await table.countSentSince(em, sender.principaluri, new Date(now.getTime() - HOUR_MS)));
    const recipients = new Set<string>();
    for (const m of messages) {
      const recipient = m.recipient.toLowerCase();
      recipients.add(recipient);
      let refusal: string | null = null;
      let status = STATUS_REFUSED;
      if (!isMailAddress(recipient)) {
        refusal = 'not sent: not a plain e-mail address';
        status = STATUS_BAD_ADDRESS;
      } else if (recipients.size > maxAttendees) refusal = `not sent: an event mails at most ${maxAttendees} attendees (MAIL_MAX_ATTENDEES)`;
      else if (budget <= 0) refusal = `not sent: a user sends at most ${perUserPerHour} invitation mails per hour (MAIL_PER_USER_PER_HOUR)`;
      const id = await table.insertImipMessage(em, {
        principaluri: sender.principaluri,
        uid,
        // What the column holds of an address too long to be one (it is refused anyway).
        recipient: recipient.slice(0, MAX_RECIPIENT_CHARS),
        method: m.method,
        calendardata: m.calendardata,
        status: refusal ? 'refused' : 'queued',
        lastError: refusal,
        at: now,
      });
      if (refusal) {
        statuses.set(recipient, status);
        continue;
      }
      budget--;
      await this.jobs.enqueue(em, IMIP_JOB_KIND, `imip:${id}`, { messageId: id });
      if (!statuses.has(recipient)) statuses.set(recipient, STATUS_QUEUED);
    }
    return statuses;
  }

  async get(id: number): Promise<OutgoingMail | null> {
    const r = await table.selectImipMessage(this.ctx.db.em(), id);
    return r ? toMail(r) : null;
  }

  /** The message went out (one more attempt, the last). */
  async markSent(id: number): Promise<void> {
    await table.updateAfterAttempt(this.ctx.db.em(), id, { status: 'sent', error: null, sentAt: this.ctx.clock.now() });
  }

  /** An attempt failed for a reason that may pass (4xx, connection): it stays queued. */
  async markAttempt(id: number, error: string): Promise<void> {
    await table.updateAfterAttempt(this.ctx.db.em(), id, { status: 'queued', error: error.slice(0, MAX_ERROR_CHARS), sentAt: null });
  }

  /** The last attempt failed and no more will be made (5xx, or retried for MAIL_GIVE_UP_HOURS). */
  async markFailed(id: number, error: string): Promise<void> {
    await table.updateAfterAttempt(this.ctx.db.em(), id, { status: 'failed', error: error.slice(0, MAX_ERROR_CHARS), sentAt: null });
  }

  async stats(): Promise<MailStats> {
    const r = await table.selectImipStats(this.ctx.db.em());
    const oldest = r.oldest === null ? null : Math.max(0, Math.floor((this.ctx.clock.now().getTime() - toDate(r.oldest).getTime()) / 1000));
    return { queued: Number(r.queued), sent: Number(r.sent), failed: Number(r.failed), oldestQueuedSeconds: oldest };
  }

  /**
   * Forgets the text of mails settled more than MAIL_RETENTION_DAYS ago (what was said to whom is
   * not kept for ever); the rows stay, so the counts /metrics reads never go down.
   */
  async prune(): Promise<number> {
    const cutoff = new Date(this.ctx.clock.now().getTime() - this.ctx.config.mail.retentionDays * 86_400_000);
    return table.clearSettledTexts(this.ctx.db.em(), cutoff);
  }

  /** The newest mail to each recipient of one of a sender's events (the web face: sent, waiting, failed). */
  async latestOfEvent(principaluri: string, uid: string, limit: number = DEFAULT_FAILURES_LIMIT): Promise<OutgoingMail[]> {
    return (await table.selectLatestPerRecipient(this.ctx.db.em(), principaluri, uid, limit)).map(toMail);
  }

  /** Failed or refused mails of a sender (optionally of one event), newest first (the web face). */
  async failures(principaluri: string, uid?: string, limit: number = DEFAULT_FAILURES_LIMIT): Promise<OutgoingMail[]> {
    return (await table.selectFailures(this.ctx.db.em(), principaluri, uid, limit)).map(toMail);
  }

  /** The latest mails of everyone, newest first (the status page). */
  async recent(limit: number): Promise<OutgoingMail[]> {
    return (await table.selectRecent(this.ctx.db.em(), limit)).map(toMail);
  }

  /** The language of the sender (users.locale), for the mail's texts; null: none chosen. */
  async senderLocale(principaluri: string): Promise<string | null> {
    return table.selectLocaleOf(this.ctx.db.em(), principaluri);
  }
}
