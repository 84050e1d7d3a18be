// Hands composed mails to the SMTP server SMTP_URL names (nodemailer). smtp:// upgrades with
// STARTTLS whenever the server offers it (nodemailer's default); smtps:// speaks TLS from the
// start. Query parameters of the URL reach nodemailer as its options (e.g.
// `?tls.rejectUnauthorized=false` for a self-signed relay, `?requireTLS=true`).
//
// A failed send is classified for the worker: temporary (4xx replies, the server unreachable,
// timeouts, authentication trouble, which is the operator's to fix) is retried with backoff;
// permanent (5xx replies to the message or its recipient) fails the mail at once.
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import type { MailSettings } from '../config.ts';

export type SendResult = { ok: true; messageId: string; response: string } | { ok: false; temporary: boolean; error: string };

/** Codes nodemailer and Node give for a conversation that never got a definite answer. */
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EAUTH',
  'ENOAUTH',
  'EPROTOCOL',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

interface SmtpError {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/** A one-line description of a failure for logs and the status page (never the SMTP password: nodemailer's messages do not carry it). */
function describe(err: SmtpError): string {
  const parts = [typeof err.message === 'string' ? err.message : String(err)];
  if (typeof err.code === 'string' && !parts[0]!.includes(err.code)) parts.unshift(err.code);
  return parts
    .join(': ')
    .replace(/[\r\n\t]+/g, ' ')
    .slice(0, 500);
}

/** Whether a send failure may go away by itself (retry) or is the server's final word. */
export function classifySendError(e: unknown): { temporary: boolean; error: string } {
  const err = (e ?? {}) as SmtpError;
  const error = describe(err);
  const code = typeof err.responseCode === 'number' ? err.responseCode : null;
  // Authentication refused is the operator's to fix (credentials in SMTP_URL); the mails wait for it.
  if (err.code === 'EAUTH') return { temporary: true, error };
  if (code !== null && code >= 400 && code < 500) return { temporary: true, error };
  if (code !== null && code >= 500 && code < 600) return { temporary: false, error };
  if (typeof err.code === 'string' && TRANSIENT_CODES.has(err.code)) return { temporary: true, error };
  // An error without a reply code (a bug, a stream error): retry until the give-up time rather than drop the mail.
  return { temporary: true, error };
}

export class MailTransport {
  private readonly transporter: Transporter;

  constructor(settings: Pick<MailSettings, 'smtpUrl' | 'timeoutSeconds'>) {
    if (!settings.smtpUrl) throw new Error('MailTransport needs SMTP_URL');
    const ms = settings.timeoutSeconds * 1000;
    this.transporter = createTransport({
      url: settings.smtpUrl,
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
      // Never log the conversation: it carries the credentials' AUTH exchange and recipients.
      logger: false,
      debug: false,
    });
  }

  async send(mail: SendMailOptions): Promise<SendResult> {
    try {
      const info = await this.transporter.sendMail(mail);
      const refused = (info.rejected ?? []).length;
      if (refused) return { ok: false, temporary: false, error: `the server refused the recipient: ${String(info.response ?? '').slice(0, 300)}` };
      return { ok: true, messageId: String(info.messageId ?? ''), response: String(info.response ?? '') };
    } catch (e) {
      return { ok: false, ...classifySendError(e) };
    }
  }

  close(): void {
    this.transporter.close();
  }
}
