// iMIP in (RFC 6047): one RFC 5322 message, as a mail server's pipe, alias or fetchmail hands it
// to `calendula imip receive`, read into what the domain's ReplyService decides on. The mail
// server is the trust boundary: when it recorded a DMARC or SPF failure in an
// Authentication-Results header (RFC 8601), the message is refused before its calendar part is
// looked at. What passes still has to satisfy ReplyService (a reply only from the attendee's own
// address, invitations only into the schedule inbox).
import { simpleParser, type AddressObject, type Attachment, type ParsedMail, type StructuredHeader } from 'mailparser';
import type { Domain } from '../domain/index.ts';
import type { IncomingImip, ReceiveOutcome } from '../domain/replies.ts';

export type ReadImip = { ok: true; message: IncomingImip } | { ok: false; reason: string };

/** Drops RFC 5322 comments (nested parentheses), where a verdict's explanation may say anything. */
function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && depth > 0) {
      i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

/**
 * The first DMARC or SPF failure the receiving mail servers recorded, or null: any
 * `Authentication-Results` with `dmarc=fail` or `spf=fail`, or a `Received-SPF: fail`. A forged
 * header can only make a message look worse (a server strips or outranks forged passes), so any
 * failure counts.
 */
export function authenticationFailure(headerLines: readonly { key: string; line: string }[]): string | null {
  for (const { key, line } of headerLines) {
    const value = withoutComments(line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' '));
    if (key === 'authentication-results') {
      for (const part of value.split(';').slice(1)) {
        const m = /^\s*(dmarc|spf)\s*=\s*fail\b/i.exec(part);
        if (m) return `${m[1]!.toLowerCase()}=fail (Authentication-Results: ${value.split(';')[0]!.trim()})`;
      }
    } else if (key === 'received-spf' && /^\s*fail\b/i.test(value)) {
      return 'spf=fail (Received-SPF)';
    }
  }
  return null;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const out: string[] = [];
  const walk = (list: AddressObject['value']) => {
    for (const a of list) {
      if (a.address) out.push(a.address.toLowerCase());
      if (a.group) walk(a.group);
    }
  };
  for (const o of field === undefined ? [] : Array.isArray(field) ? field : [field]) walk(o.value);
  return out;
}

interface CalendarPart {
  method: string | null;
  text: string;
}

function decode(content: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset?.trim() || 'utf-8', { fatal: false }).decode(content);
  } catch {
    return new TextDecoder('utf-8').decode(content);
  }
}

function calendarPart(a: Attachment): CalendarPart | null {
  const type = a.contentType.toLowerCase();
  const isIcs = type === 'text/calendar' || type === 'application/ics' || (type === 'application/octet-stream' && /\.ics$/i.test(a.filename ?? ''));
  if (!isIcs) return null;
  const header = a.headers.get('content-type');
  const params: Record<string, string | undefined> = header && typeof header === 'object' && 'params' in header && 'value' in header ? (header as StructuredHeader).params : {};
  return { method: params.method?.trim() || null, text: decode(a.content, params.charset) };
}

/**
 * The calendar part RFC 6047 §2.4 describes: the first `text/calendar` (most clients put the same
 * iCalendar again in an `application/ics` attachment, which is only read when there is no
 * `text/calendar`).
 */
function pickCalendar(parsed: ParsedMail): CalendarPart | null {
  const parts = parsed.attachments.map((a) => ({ a, part: calendarPart(a) })).filter((x) => x.part !== null);
  const primary = parts.find((x) => x.a.contentType.toLowerCase() === 'text/calendar') ?? parts[0];
  return primary?.part ?? null;
}

/** Reads a message (already bounded in size by the caller) into the iTIP message it carries, or why it cannot be used. */
export async function readImipMessage(raw: Buffer): Promise<ReadImip> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  } catch (err) {
    return { ok: false, reason: `the message cannot be read as mail: ${err instanceof Error ? err.message : String(err)}` };
  }
  const failure = authenticationFailure(parsed.headerLines);
  if (failure) return { ok: false, reason: `the receiving mail server recorded ${failure}: a message that fails DMARC or SPF is not trusted` };
  const from = addresses(parsed.from);
  if (from.length !== 1) return { ok: false, reason: from.length ? 'the message has more than one From address' : 'the message has no From address' };
  const calendar = pickCalendar(parsed);
  if (!calendar) return { ok: false, reason: 'the message has no text/calendar part' };
  return {
    ok: true,
    message: {
      from: from[0]!,
      replyTo: addresses(parsed.replyTo),
      recipients: [...new Set([...addresses(parsed.to), ...addresses(parsed.cc)])],
      contentMethod: calendar.method,
      itip: calendar.text,
    },
  };
}

/** Reads the message and hands its iTIP message to the domain; refusals change nothing. */
export async function receiveImip(domain: Domain, raw: Buffer): Promise<ReceiveOutcome> {
  const read = await readImipMessage(raw);
  if (!read.ok) return read;
  return domain.replies.receive(read.message);
}

/** One line that says what was done, for standard output. */
export function describeOutcome(outcome: Exclude<ReceiveOutcome, { ok: false }>): string {
  if (outcome.kind === 'reply') {
    return outcome.changed
      ? `Recorded ${outcome.attendee}'s answer ${outcome.partstat} in ${outcome.organizer}'s event ${outcome.uid}.`
      : `${outcome.organizer}'s event ${outcome.uid} already had ${outcome.attendee}'s answer ${outcome.partstat}.`;
  }
  return `Left the ${outcome.method} for event ${outcome.uid} in the schedule inbox of ${outcome.delivered.join(', ')}.`;
}
