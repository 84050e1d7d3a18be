// A real SMTP server on loopback (nodemailer's smtp-server) that keeps what it receives, parsed
// with mailparser, and can be told to refuse: a reply code for the next messages, or to be gone.
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope: MAIL FROM and RCPT TO. */
  from: string;
  to: string[];
  /** The message as it arrived. */
  raw: string;
  parsed: ParsedMail;
  /** Whether the conversation was upgraded to TLS (STARTTLS) and who logged in. */
  secure: boolean;
  user: string | null;
}

export interface TestSmtp {
  readonly port: number;
  /** smtp://127.0.0.1:<port> (with STARTTLS: accepting the server's self-signed certificate). */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** The next `times` messages are refused at DATA with this reply, e.g. 451 or 550. */
  refuse(code: number, message: string, times?: number): void;
  /** Messages refused so far (each attempt counts). */
  readonly refusals: number;
  /** Waits until `n` messages have arrived (a real-time bound for tests driven by a running server). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export interface SmtpOptions {
  /** Offer STARTTLS (with smtp-server's built-in self-signed certificate); off by default. */
  starttls?: boolean;
  /** Require AUTH with these credentials. */
  auth?: { user: string; pass: string };
}

export async function startSmtp(opts: SmtpOptions = {}): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let refusal: { code: number; message: string; times: number } | null = null;
  let refusals = 0;
  const waiters: (() => void)[] = [];
  const options: SMTPServerOptions = {
    disabledCommands: [...(opts.starttls ? [] : ['STARTTLS']), ...(opts.auth ? [] : ['AUTH'])],
    authOptional: !opts.auth,
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refusal && refusal.times > 0) {
          refusal.times--;
          refusals++;
          const { code, message } = refusal;
          if (refusal.times === 0) refusal = null;
          callback(Object.assign(new Error(message), { responseCode: code }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : null,
            });
            for (const w of waiters.splice(0)) w();
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: opts.starttls ? `smtp://127.0.0.1:${port}?tls.rejectUnauthorized=false` : `smtp://127.0.0.1:${port}`,
    received,
    get refusals() {
      return refusals;
    },
    refuse(code, message, times = 1) {
      refusal = { code, message, times };
    },
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} mails, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return received.slice(0, n);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The text/calendar part of a received mail: its Content-Type header line and its text. */
export function calendarPart(mail: ReceivedMail): { contentType: string; text: string } {
  // mailparser lists a text/calendar alternative among the attachments.
  const att = mail.parsed.attachments.find((a) => a.contentType === 'text/calendar');
  if (!att) throw new Error('no text/calendar part');
  const header = /^Content-Type: text\/calendar[^\r\n]*(?:\r\n[ \t][^\r\n]*)*/im.exec(mail.raw);
  return { contentType: header ? header[0].replace(/\r\n[ \t]+/g, ' ') : '', text: att.content.toString('utf8') };
}

/** Debian's python3-icalendar (not the pyenv one first on PATH). */
export const DEBIAN_PYTHON = process.env.CORPUS_PYTHON ?? '/usr/bin/python3';

/**
 * Parses iCalendar text with python3-icalendar and reports what it read: METHOD and, per VEVENT,
 * UID, SUMMARY, SEQUENCE, STATUS and the ATTENDEE addresses with their PARTSTAT.
 */
export function pythonIcalendar(text: string): Promise<{ method: string | null; events: { uid: string; summary: string | null; sequence: number | null; status: string | null; attendees: { address: string; partstat: string | null; cn: string | null }[] }[] }> {
  const script = `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
def s(v): return None if v is None else str(v)
out = {"method": s(cal.get("METHOD")), "events": []}
for ev in cal.walk("VEVENT"):
    atts = ev.get("ATTENDEE")
    if atts is None: atts = []
    if not isinstance(atts, list): atts = [atts]
    out["events"].append({
        "uid": s(ev.get("UID")), "summary": s(ev.get("SUMMARY")),
        "sequence": None if ev.get("SEQUENCE") is None else int(ev.get("SEQUENCE")),
        "status": s(ev.get("STATUS")),
        "attendees": [{"address": str(a), "partstat": s(a.params.get("PARTSTAT")), "cn": s(a.params.get("CN"))} for a in atts],
    })
print(json.dumps(out))
`;
  return new Promise((resolve, reject) => {
    const child = execFile(DEBIAN_PYTHON, ['-c', script], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python3-icalendar failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
    child.stdin?.end(text);
  });
}
