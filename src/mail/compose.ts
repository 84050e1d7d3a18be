// Composes one iMIP mail (RFC 6047): multipart/alternative with a readable text and HTML summary
// of the event and the iTIP object as `text/calendar; method=…; charset=utf-8`, the shape
// Thunderbird, Apple Mail, Gmail and Outlook recognise as an invitation. Pure: no I/O, no clock.
//
// Header values never come raw from the calendar: names and titles lose control characters,
// line breaks, quotes and bidirectional overrides and are cut to a bounded length, addresses must
// be plain addresses, and nodemailer encodes what remains (RFC 2047). The mail comes From the
// organizer's name at MAIL_FROM (our domain, so SPF/DKIM/DMARC pass) with Reply-To the organizer;
// a REPLY comes From the attendee's name, Reply-To the attendee.
import { isIanaZone } from '../ical/time.ts';
import type { SendMailOptions } from 'nodemailer';
import type { EventSummary, ItipMethod } from '../ical/itip.ts';
import { mailLocale, messagesFor, type MailMessages } from './messages.ts';

export interface ImipInput {
  method: ItipMethod;
  /** The iTIP object, sent as the text/calendar part unchanged. */
  itipText: string;
  /** What the mail's text says about the event (read from itipText). */
  summary: EventSummary;
  /** Lower-case address the mail goes to. */
  recipient: string;
  /** MAIL_FROM. */
  from: string;
  /** The sender's users.locale (null: English). */
  locale: string | null;
  /** The answer link for a REQUEST (null: none). */
  answerUrl: string | null;
}

export class ComposeError extends Error {}

/** An address we put in a header: one plain address, nothing that could end or extend a header. */
const ADDRESS = /^[^\s@<>()",;:\\[\]\u0000-\u001f\u007f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.?)*[A-Za-z0-9]$/;

export function isPlainAddress(s: string): boolean {
  return s.length <= 254 && ADDRESS.test(s);
}

// C0/C1 controls, line and paragraph separators, bidi embeddings/overrides/isolates, BOM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Calendar text made fit for a header: one line, no quotes or angle brackets, at most `max` characters. */
export function headerText(s: string, max: number): string {
  const clean = s.normalize('NFC').replace(UNSAFE, ' ').replace(/["<>\\]/g, '').replace(/\s+/g, ' ').trim();
  const chars = Array.from(clean);
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** Calendar text for one line of a body: controls and line breaks become spaces, bounded (HTML escapes it later). */
function lineText(s: string, max: number): string {
  const clean = s.normalize('NFC').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  const chars = Array.from(clean);
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** Calendar text for a body: line breaks kept, other controls dropped, bounded. */
function bodyText(s: string, max: number): string {
  const clean = s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
  const chars = Array.from(clean);
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const MAX_NAME = 64;
const MAX_TITLE = 150;
const MAX_FIELD = 2000;
const MAX_DESCRIPTION = 10_000;
const MAX_LISTED = 200;

/** A zone Intl knows, or null. */
function knownZone(zone: string | null): string | null {
  return zone && isIanaZone(zone) ? zone : null;
}

const DAY = 86_400_000;

/** The "when" lines: in the event's zone (named) and in UTC; an all-day event as dates only. */
export function whenLines(summary: EventSummary, m: MailMessages): { local: string; utc: string | null } {
  const start = new Date(summary.start);
  const end = new Date(summary.end);
  if (Number.isNaN(start.getTime())) return { local: summary.start, utc: null };
  const validEnd = !Number.isNaN(end.getTime()) && end.getTime() > start.getTime();
  if (summary.allDay) {
    const fmt = new Intl.DateTimeFormat(m.intl, { timeZone: 'UTC', dateStyle: 'full' });
    // DTEND of an all-day event is the day after its last day.
    const last = validEnd ? new Date(end.getTime() - DAY) : start;
    const dates = last.getTime() > start.getTime() ? fmt.formatRange(start, last) : fmt.format(start);
    return { local: `${dates} (${m.labels.allDay})`, utc: null };
  }
  const range = (timeZone: string) => {
    const fmt = new Intl.DateTimeFormat(m.intl, { timeZone, dateStyle: 'full', timeStyle: 'short' });
    return validEnd ? fmt.formatRange(start, end) : fmt.format(start);
  };
  const utc = `${range('UTC')} UTC`;
  const zone = knownZone(summary.zone);
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return { local: utc, utc: null };
  return { local: `${range(zone)} (${zone})`, utc };
}

function subjectOf(input: ImipInput, m: MailMessages, title: string, replyPartstat: string): string {
  switch (input.method) {
    case 'REQUEST':
      return input.summary.sequence > 0 ? m.subject.updated(title) : m.subject.invitation(title);
    case 'CANCEL':
      return m.subject.cancelled(title);
    case 'REPLY':
      return m.subject.reply(replyPartstat, title);
  }
}

/** "Name <address>" for a body, or the address alone. */
function person(p: { email: string; name: string | null }): string {
  const name = p.name ? headerText(p.name, MAX_NAME) : '';
  return name && name.toLowerCase() !== p.email.toLowerCase() ? `${name} <${p.email}>` : p.email;
}

/** The iMIP mail for one recipient, as nodemailer sends it. Throws ComposeError on an address we will not put in a header. */
export function composeImip(input: ImipInput): SendMailOptions {
  const { summary, method } = input;
  if (method !== 'REQUEST' && method !== 'CANCEL' && method !== 'REPLY') throw new ComposeError(`unknown iTIP method ${String(method)}`);
  const recipient = input.recipient.trim().toLowerCase();
  if (!isPlainAddress(recipient)) throw new ComposeError('the recipient is not a plain e-mail address');
  if (!isPlainAddress(input.from)) throw new ComposeError('MAIL_FROM is not a plain e-mail address');
  const m = messagesFor(input.locale);
  const title = headerText(summary.summary ?? '', MAX_TITLE) || m.untitled;

  // Who the mail speaks for: the organizer, or for a REPLY the attendee who answers.
  const organizer = summary.organizer && isPlainAddress(summary.organizer.email.toLowerCase()) ? { email: summary.organizer.email.toLowerCase(), name: summary.organizer.name } : null;
  const replier = method === 'REPLY' ? (summary.attendees.find((a) => a.email.toLowerCase() !== recipient) ?? summary.attendees[0] ?? null) : null;
  const sender = method === 'REPLY' ? (replier && isPlainAddress(replier.email.toLowerCase()) ? { email: replier.email.toLowerCase(), name: replier.name } : null) : organizer;
  const senderName = (sender && (headerText(sender.name ?? '', MAX_NAME) || sender.email)) || input.from;
  const replyPartstat = (replier?.partstat ?? '').toUpperCase();

  const toName = method === 'REPLY' ? (organizer?.email === recipient ? organizer.name : null) : (summary.attendees.find((a) => a.email.toLowerCase() === recipient)?.name ?? null);
  const to = toName && headerText(toName, MAX_NAME) ? { name: headerText(toName, MAX_NAME), address: recipient } : recipient;

  const lead =
    method === 'REQUEST'
      ? summary.sequence > 0
        ? m.lead.updated(senderName)
        : m.lead.invitation(senderName)
      : method === 'CANCEL'
        ? m.lead.cancelled(senderName)
        : m.lead.reply(senderName, replyPartstat);

  // The summary, as label/value rows shared by the text and the HTML part.
  const rows: { label: string; value: string; href?: string }[] = [];
  rows.push({ label: m.labels.title, value: title });
  const when = whenLines(summary, m);
  rows.push({ label: m.labels.when, value: when.local });
  if (when.utc) rows.push({ label: m.labels.utc, value: when.utc });
  if (summary.recurrence) {
    const rule = lineText(summary.recurrence, 300);
    const freq = /(?:^|;)FREQ=([A-Z]+)/i.exec(rule)?.[1]?.toUpperCase() ?? '';
    rows.push({ label: m.labels.repeats, value: `${m.frequency(freq)} (${rule})` });
  }
  if (summary.location) rows.push({ label: m.labels.where, value: lineText(summary.location, MAX_FIELD) });
  if (summary.url) {
    const url = lineText(summary.url, MAX_FIELD);
    rows.push({ label: m.labels.link, value: url, ...(/^https?:\/\/[^\s]+$/i.test(url) ? { href: url } : {}) });
  }
  if (summary.status && method !== 'CANCEL') rows.push({ label: m.labels.status, value: lineText(summary.status, 40) });
  if (organizer) rows.push({ label: m.labels.organizer, value: person(organizer) });

  const listed = summary.attendees.slice(0, MAX_LISTED).map((a) => `${person(a)}: ${m.partstat((a.partstat ?? '').toUpperCase())}`);
  if (summary.attendees.length > MAX_LISTED) listed.push(`… +${summary.attendees.length - MAX_LISTED}`);
  const description = summary.description ? bodyText(summary.description, MAX_DESCRIPTION).trim() : '';
  const answerUrl = method === 'REQUEST' && input.answerUrl && /^https?:\/\/[^\s"<>]+$/i.test(input.answerUrl) ? input.answerUrl : null;

  const text = [
    lead,
    '',
    ...rows.map((r) => `${r.label}: ${r.value}`),
    ...(listed.length ? ['', `${m.labels.attendees}:`, ...listed.map((l) => `  - ${l}`)] : []),
    ...(description ? ['', `${m.labels.description}:`, description] : []),
    ...(answerUrl ? ['', m.answer.prompt, answerUrl] : []),
    '',
    ...(method === 'REPLY' ? [] : [m.attachment]),
    '-- ',
    m.footer(senderName),
    '',
  ].join('\n');

  const cell = 'padding:4px 12px 4px 0;vertical-align:top';
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${mailLocale(input.locale)}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:15px;line-height:1.4;color:#1a1a1a">',
    `<p>${escapeHtml(lead)}</p>`,
    '<table role="presentation" style="border-collapse:collapse">',
    ...rows.map(
      (r) =>
        `<tr><th scope="row" style="${cell};text-align:left;font-weight:600">${escapeHtml(r.label)}</th><td style="${cell}">${
          r.href ? `<a href="${escapeHtml(r.href)}">${escapeHtml(r.value)}</a>` : escapeHtml(r.value)
        }</td></tr>`,
    ),
    ...(listed.length
      ? [`<tr><th scope="row" style="${cell};text-align:left;font-weight:600">${escapeHtml(m.labels.attendees)}</th><td style="${cell}"><ul style="margin:0;padding-left:18px">${listed.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul></td></tr>`]
      : []),
    '</table>',
    ...(description ? [`<h2 style="font-size:15px;margin:16px 0 4px">${escapeHtml(m.labels.description)}</h2>`, `<div style="white-space:pre-wrap">${escapeHtml(description)}</div>`] : []),
    ...(answerUrl
      ? [
          `<p style="margin-top:20px">${escapeHtml(m.answer.prompt)}</p>`,
          `<p><a href="${escapeHtml(answerUrl)}" style="display:inline-block;padding:8px 16px;background:#2f6f3e;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(m.answer.button)}</a></p>`,
          `<p style="font-size:13px;color:#555">${escapeHtml(answerUrl)}</p>`,
        ]
      : []),
    ...(method === 'REPLY' ? [] : [`<p style="font-size:13px;color:#555">${escapeHtml(m.attachment)}</p>`]),
    `<p style="font-size:12px;color:#666;border-top:1px solid #ddd;padding-top:8px">${escapeHtml(m.footer(senderName))}</p>`,
    '</body></html>',
    '',
  ].join('\n');

  return {
    from: { name: senderName, address: input.from },
    ...(sender ? { replyTo: sender.name && headerText(sender.name, MAX_NAME) ? { name: headerText(sender.name, MAX_NAME), address: sender.email } : sender.email } : {}),
    to,
    subject: subjectOf(input, m, title, replyPartstat),
    text,
    html,
    icalEvent: { method, content: input.itipText },
    headers: {
      // RFC 3834: a machine's mail; out-of-office responders stay quiet.
      'Auto-Submitted': 'auto-generated',
      'Content-Language': mailLocale(input.locale),
    },
    // Envelope sender is MAIL_FROM: bounces come to us, not to the organizer's domain.
    envelope: { from: input.from, to: recipient },
  };
}
