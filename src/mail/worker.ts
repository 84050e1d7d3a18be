// The mail worker: claims `imip` jobs (src/domain/jobs.ts; the outbox queues them in the
// transaction of the write that causes them), composes each mail and hands it to the SMTP server.
// It runs inside the server when SMTP_URL is set, and in `calendula worker`; several workers share
// the queue (SKIP LOCKED) without sending a message twice at the same time.
//
// A temporary failure (4xx, the server unreachable) is retried with exponential backoff up to
// MAIL_MAX_BACKOFF_SECONDS; MAIL_GIVE_UP_HOURS after the message was queued, or at once on a
// permanent failure (5xx, an address we will not write into a header), it is marked failed: the
// web face and /metrics show it (the organizer's object keeps its SCHEDULE-STATUS, RFC 6638:
// rewriting it would change its ETag under the client). Delivery is at least once: a worker that
// dies between the server's "250" and recording it sends that mail again.
import { PollLoop } from '../pollLoop.ts';
import { randomUUID } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import type { Clock } from '../clock.ts';
import type { ComputePool } from '../compute/pool.ts';
import type { Config } from '../config.ts';
import type { Domain } from '../domain/index.ts';
import type { JobRow } from '../domain/jobs.ts';
import { IMIP_JOB_KIND, type OutgoingMail } from '../domain/mailOutbox.ts';
import type { Logger } from '../logger.ts';
import { composeImip, ComposeError } from './compose.ts';
import type { SendResult } from './transport.ts';

/** What sends a composed mail (src/mail/transport.ts MailTransport). */
export interface MailSender {
  send(mail: SendMailOptions): Promise<SendResult>;
  close(): void;
}

export interface MailWorkerOptions {
  /** MAIL_FROM. */
  from: string;
  /** Time between looks at the queue when it is empty. */
  pollMs?: number;
  /** How long a claimed job is ours before another worker may take it (renewed while sending). */
  leaseMs?: number;
  /** The first retry waits this long; each next one twice as long. */
  firstBackoffMs?: number;
  /** Longest wait between two attempts (MAIL_MAX_BACKOFF_SECONDS). */
  maxBackoffMs: number;
  /** After this long since it was queued, a mail that still fails counts as failed (MAIL_GIVE_UP_HOURS). */
  giveUpMs: number;
}

export function mailWorkerOptions(config: Config): MailWorkerOptions {
  return {
    from: config.mail.from,
    maxBackoffMs: config.mail.maxBackoffSeconds * 1000,
    giveUpMs: config.mail.giveUpHours * 3600_000,
    // One conversation may take connect + greeting + data timeouts; the lease outlives that.
    leaseMs: Math.max(60_000, config.mail.timeoutSeconds * 4000),
  };
}

export const MAIL_JOB_KINDS = [IMIP_JOB_KIND] as const;

type Attempt = SendResult;

export class MailWorker {
  readonly id = `mail-${randomUUID().slice(0, 8)}`;
  private readonly loop: PollLoop;

  /** The worker owns `sender` and closes it when it stops. */
  constructor(
    private readonly domain: Domain,
    private readonly compute: ComputePool,
    private readonly sender: MailSender,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly opts: MailWorkerOptions,
  ) {
    this.loop = new PollLoop(
      () => this.runOnce(),
      (err) => this.log.warn({ err }, 'mail worker step failed'),
      this.opts.pollMs ?? 1000,
    );
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.sender.close();
  }

  /** Processes one due mail job; false when there was none. */
  async runOnce(): Promise<boolean> {
    const leaseMs = this.opts.leaseMs ?? 120_000;
    return this.domain.jobs.runNext(this.id, leaseMs, MAIL_JOB_KINDS, (job) => this.process(job), (err) => this.log.warn({ err }, 'renewing a mail job lease failed'));
  }

  /** Runs mail jobs until none is due (tests and `calendula worker --once`). */
  drain(max = 10_000): Promise<number> {
    return this.loop.drain(max);
  }

  private async process(job: JobRow): Promise<void> {
    const outbox = this.domain.mailOutbox;
    const id = Number(job.payload.messageId);
    const mail = Number.isSafeInteger(id) ? await outbox.get(id) : null;
    // Gone, or already settled (a job that ran again after its worker died).
    if (!mail || mail.status !== 'queued') {
      await this.domain.jobs.complete(job);
      return;
    }
    const result = await this.attempt(mail);
    const ctx = { messageId: mail.id, method: mail.method, attempts: mail.attempts + 1 };
    if (result.ok) {
      await outbox.markSent(mail.id);
      await this.domain.jobs.complete(job);
      this.log.info(ctx, 'iMIP mail sent');
      return;
    }
    const now = this.clock.now().getTime();
    const giveUpAt = mail.createdAt.getTime() + this.opts.giveUpMs;
    if (!result.temporary || now >= giveUpAt) {
      const error = result.temporary ? `gave up after ${Math.round(this.opts.giveUpMs / 3600_000)} h: ${result.error}` : result.error;
      await outbox.markFailed(mail.id, error);
      await this.domain.jobs.complete(job);
      this.log.warn({ ...ctx, err: error }, 'iMIP mail failed for good');
      return;
    }
    await outbox.markAttempt(mail.id, result.error);
    const backoff = Math.min(this.opts.maxBackoffMs, (this.opts.firstBackoffMs ?? 60_000) * 2 ** Math.min(mail.attempts, 30));
    // The last attempt comes at the give-up time, not after it.
    const delay = Math.max(1000, Math.min(backoff, giveUpAt - now));
    this.log.warn({ ...ctx, err: result.error, retryInSeconds: Math.round(delay / 1000) }, 'iMIP mail refused for now; will retry');
    await this.domain.jobs.retry(job, result.error, delay);
  }

  /** Composes and sends one mail. */
  private async attempt(mail: OutgoingMail): Promise<Attempt> {
    const read = await this.compute.run('eventSummary', mail.calendardata, null);
    if (!read.ok) return { ok: false, temporary: true, error: `reading the event failed: ${read.error}` };
    const summary = read.value;
    if (!summary) return { ok: false, temporary: false, error: 'the message holds no event to describe' };
    const locale = await this.domain.mailOutbox.senderLocale(mail.principaluri);
    const answerUrl = mail.method === 'REQUEST' ? await this.answerUrl(mail) : null;
    let composed: SendMailOptions;
    try {
      composed = composeImip({ method: mail.method, itipText: mail.calendardata, summary, recipient: mail.recipient, from: this.opts.from, locale, answerUrl });
    } catch (e) {
      if (e instanceof ComposeError) return { ok: false, temporary: false, error: e.message };
      throw e;
    }
    return this.sender.send(composed);
  }

  /**
   * The attendee's answer link (src/domain/answerLinks.ts): null when the event is gone or past.
   * A link that cannot be made does not hold the invitation back: it goes without one.
   */
  private async answerUrl(mail: OutgoingMail): Promise<string | null> {
    try {
      return await this.domain.answerLinks.urlFor(mail.principaluri, mail.uid, mail.recipient);
    } catch (err) {
      this.log.warn({ err, messageId: mail.id }, 'making an answer link failed; the invitation goes without one');
      return null;
    }
  }
}
