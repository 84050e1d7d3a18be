// Answer links (issue #27): each invitation mail to an attendee elsewhere carries a link under
// PUBLIC_URL that lets them accept, decline or say "maybe" without an account. The link is the
// authority, so it is signed: HMAC-SHA256 with the installation's `answer_link_key`
// (instance_settings, made once by the migration) over the organizer's principal, the event's
// UID, the attendee's address and an expiry (the end of the event's last instance). Nothing is
// stored per link: a link stays valid until it expires, and every use checks the event as it is
// now (still there, not past, the attendee still invited). Answers go through scheduling's
// applyReply into the organizer's copy; the last answer wins.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { selectOrganizerCopy } from '../db/tables/answerLinks.ts';
import { instanceSetting } from '../db/tables/synchronizations.ts';
import { MAX_INSTANT } from '../ical/time.ts';
import type { DomainContext } from './context.ts';

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
 * deleted), `not-invited` (the attendee was removed from the event).
 */
export type AnswerRefusalReason = 'invalid' | 'expired' | 'gone' | 'not-invited';

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

export class AnswerLinks {
  private key: Promise<Buffer> | null = null;

  constructor(private readonly ctx: DomainContext) {}

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
}
