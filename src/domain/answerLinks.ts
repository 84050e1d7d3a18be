// Answer links (issue #27): each invitation mail to an attendee elsewhere carries a link under
// PUBLIC_URL that lets them accept, decline or say "maybe" without an account. The link is the
// authority, so it is signed: HMAC-SHA256 with the installation's `answer_link_key`
// (instance_settings, made once by the migration) over the organizer's principal, the event's
// UID, the attendee's address and an expiry (the end of the event's last instance). Nothing is
// stored per link: a link stays valid until it expires, and every use checks the event as it is
// now (still there, not past, the attendee still invited). Answers go through scheduling's
// applyReply into the organizer's copy; the last answer wins.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { selectOrganizerCopy } from '../db/tables/answerLinks.ts';
import { selectEmailOf } from '../db/tables/principals.ts';
import { instanceSetting } from '../db/tables/synchronizations.ts';
import type { EventSummary } from '../ical/itip.ts';
import { MAX_INSTANT } from '../ical/time.ts';
import type { DomainContext } from './context.ts';
import { invalid } from './errors.ts';

export type AnswerPartstat = 'ACCEPTED' | 'TENTATIVE' | 'DECLINED';
export const ANSWER_PARTSTATS: readonly AnswerPartstat[] = ['ACCEPTED', 'TENTATIVE', 'DECLINED'];

export function isAnswerPartstat(v: unknown): v is AnswerPartstat {
  return typeof v === 'string' && (ANSWER_PARTSTATS as readonly string[]).includes(v);
}

/** What a link is bound to. */
export interface AnswerClaims {
  /** The organizer's principal (principals/<user>). */
  principaluri: string;
  uid: string;
  /** The attendee's address, lower case, without mailto:. */
  attendee: string;
  /** Epoch seconds after which the link answers no more. */
  expiresAt: number;
}

/**
 * Why a link is refused: `invalid` (not a link we made, or altered: the signature does not
 * match), `expired` (its expiry or the event's last instance has passed), `gone` (the event was
 * deleted), `cancelled` (the organizer cancelled it: STATUS:CANCELLED), `not-invited` (the
 * attendee was removed from the event).
 */
export type AnswerRefusalReason = 'invalid' | 'expired' | 'gone' | 'cancelled' | 'not-invited';

export interface AnswerRefusal {
  refused: AnswerRefusalReason;
}

/** The longest token urlFor hands out (the web face's route takes no longer path segment). */
export const MAX_TOKEN_LENGTH = 2048;

const VERSION = 1;
/** Domain separation: this key signs nothing else, but a future use must not be confused with this one. */
const CONTEXT = 'calendula answer link v1\n';

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(CONTEXT).update(payload).digest();
}

/** The token for `claims` under `key`: `<payload>.<signature>`, both base64url. */
export function signAnswerToken(key: Buffer, claims: AnswerClaims): string {
  const payload = Buffer.from(JSON.stringify([VERSION, claims.principaluri, claims.uid, claims.attendee, claims.expiresAt]), 'utf8').toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The claims of a token made with `key`, or null when it is not one: the signature is checked
 * (in constant time) before anything in the payload is believed. Expiry is the caller's check.
 */
export function verifyAnswerToken(key: Buffer, token: string): AnswerClaims | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const payload = token.slice(0, dot);
  const signature = token.slice(dot + 1);
  if (!B64URL.test(payload) || !B64URL.test(signature)) return null;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, payload);
  // Base64url that does not round-trip (trailing bits set) is another spelling of a signature: refused too.
  if (given.length !== expected.length || given.toString('base64url') !== signature || !timingSafeEqual(given, expected)) return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 5 || v[0] !== VERSION) return null;
  const [, principaluri, uid, attendee, expiresAt] = v as unknown[];
  if (typeof principaluri !== 'string' || typeof uid !== 'string' || typeof attendee !== 'string' || typeof expiresAt !== 'number' || !Number.isInteger(expiresAt)) return null;
  return { principaluri, uid, attendee, expiresAt };
}

/** The key as bytes: the migration writes 64 hex digits; anything else is used as its UTF-8 bytes. */
export function answerKeyBytes(value: string): Buffer {
  return /^(?:[0-9a-fA-F]{2}){16,}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'utf8');
}

export function isRefusal(v: object): v is AnswerRefusal {
  return 'refused' in v;
}

/** What the answer page shows: the event as the organizer's copy has it now, and this attendee's answer in it. */
export interface AnswerView {
  claims: AnswerClaims;
  event: EventSummary;
  /** The attendee's PARTSTAT in the organizer's copy (NEEDS-ACTION until they answer). */
  partstat: string;
  /** The attendee's CN, when the organizer's copy has one. */
  attendeeName: string | null;
}

/** What recording an answer did: `changed` false when the organizer's copy already said so. */
export interface AnswerRecorded {
  partstat: AnswerPartstat;
  changed: boolean;
  view: AnswerView;
}

export type ApplyReplyResult = 'applied' | 'unchanged' | 'not-found' | 'not-attendee' | 'stale';

/** Writes an attendee's answer into the organizer's copy (SchedulingService.applyReply). */
export interface ReplyApplier {
  applyReply(
    em: SqlEntityManager | null,
    organizerPrincipaluri: string,
    uid: string,
    reply: { attendee: string; partstat: string; comment?: string | null; recurrenceId?: string | null; sequence?: number },
  ): Promise<ApplyReplyResult>;
}

/** A comment as it may go into the organizer's copy: text and line breaks, no other control characters. */
export function cleanComment(comment: string | undefined | null): string | null {
  if (!comment) return null;
  const text = comment
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .trim();
  return text || null;
}

export class AnswerLinks {
  private key: Promise<Buffer> | null = null;

  constructor(
    private readonly ctx: DomainContext,
    private readonly replies: ReplyApplier,
  ) {}

  /** The installation's key, read once (a changed key takes a restart, and voids every link made before). */
  private signingKey(): Promise<Buffer> {
    this.key ??= (async () => {
      const value = await instanceSetting(this.ctx.db.em(), 'answer_link_key');
      if (!value) throw new Error('instance_settings has no answer_link_key: the migrations have not run');
      return answerKeyBytes(value);
    })().catch((err: unknown) => {
      this.key = null;
      throw err;
    });
    return this.key;
  }

  /** A token bound to the organizer's principal, the event, the attendee and an expiry. */
  async token(principaluri: string, uid: string, attendee: string, expiresAt: Date): Promise<string> {
    return signAnswerToken(await this.signingKey(), {
      principaluri,
      uid,
      attendee: attendee.toLowerCase(),
      expiresAt: Math.min(MAX_INSTANT, Math.ceil(expiresAt.getTime() / 1000)),
    });
  }

  /**
   * The answer link for an attendee of an organizer's event: `${PUBLIC_URL}/answer/<token>`,
   * expiring at the end of the event's last instance (an event that never ends: a link that does
   * not expire). Null when the event is gone or wholly past.
   */
  async urlFor(principaluri: string, uid: string, attendee: string): Promise<string | null> {
    const row = await selectOrganizerCopy(this.ctx.db.em(), principaluri, uid);
    if (!row) return null;
    const last = row.lastoccurence ?? MAX_INSTANT;
    if (last * 1000 < this.ctx.clock.now().getTime()) return null;
    const token = await this.token(principaluri, uid, attendee, new Date(last * 1000));
    if (token.length > MAX_TOKEN_LENGTH) return null;
    return `${this.ctx.config.publicUrl}/answer/${token}`;
  }

  /** The claims of a token, or why it is refused before the event is looked at. */
  async claims(token: string): Promise<AnswerClaims | AnswerRefusal> {
    const claims = verifyAnswerToken(await this.signingKey(), token);
    if (!claims) return { refused: 'invalid' };
    if (claims.expiresAt * 1000 < this.ctx.clock.now().getTime()) return { refused: 'expired' };
    return claims;
  }

  /**
   * What a link opens: the event and the attendee's answer, or why the link is refused (altered,
   * expired, the event gone, past, cancelled, or the attendee no longer invited). Reads only.
   */
  async open(token: string): Promise<AnswerView | AnswerRefusal> {
    const claims = await this.claims(token);
    if (isRefusal(claims)) return claims;
    const em = this.ctx.db.em();
    const [row, organizer] = await Promise.all([selectOrganizerCopy(em, claims.principaluri, claims.uid), selectEmailOf(em, claims.principaluri)]);
    if (!row || !organizer) return { refused: 'gone' };
    if ((row.lastoccurence ?? MAX_INSTANT) * 1000 < this.ctx.clock.now().getTime()) return { refused: 'expired' };
    const summary = await this.ctx.compute.run('eventSummary', row.calendardata, null);
    const event = summary.ok ? summary.value : null;
    // The copy answers only while the principal organizes it (scheduling's applyReply asks the same).
    if (!event || event.organizer?.email !== organizer) return { refused: 'gone' };
    if (event.status?.toUpperCase() === 'CANCELLED') return { refused: 'cancelled' };
    const me = event.attendees.find((a) => a.email === claims.attendee);
    if (!me) return { refused: 'not-invited' };
    return { claims, event, partstat: me.partstat, attendeeName: me.name };
  }

  /**
   * Records the attendee's answer (and comment) in the organizer's copy through scheduling, as a
   * REPLY would; the last answer wins. A refused link changes nothing.
   */
  async answer(token: string, partstat: string, comment?: string | null): Promise<AnswerRecorded | AnswerRefusal> {
    if (!isAnswerPartstat(partstat)) throw invalid(`the answer must be one of ${ANSWER_PARTSTATS.join(', ')}`, { field: 'partstat', code: 'partstat' });
    const view = await this.open(token);
    if (isRefusal(view)) return view;
    const { principaluri, uid, attendee } = view.claims;
    const result = await this.replies.applyReply(null, principaluri, uid, { attendee, partstat, comment: cleanComment(comment) });
    if (result === 'not-found') return { refused: 'gone' };
    if (result === 'not-attendee') return { refused: 'not-invited' };
    return { partstat, changed: result === 'applied', view: { ...view, partstat } };
  }
}
