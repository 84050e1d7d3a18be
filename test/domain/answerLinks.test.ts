// Answer-link tokens: a valid token opens; a token altered in any part of its payload or its
// signature, signed with another key, or past its expiry is refused.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { answerKeyBytes, signAnswerToken, verifyAnswerToken, type AnswerClaims } from '../../src/domain/answerLinks.ts';
import { redactPath } from '../../src/logger.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const claims: AnswerClaims = { principaluri: 'principals/ann', uid: 'meet-1@example.org', attendee: 'bea@example.net', expiresAt: 1_900_000_000 };

/** The token with its payload decoded, changed and encoded again, the signature kept. */
function withPayload(token: string, change: (fields: unknown[]) => unknown[]): string {
  const [payload, signature] = token.split('.') as [string, string];
  const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
  return `${Buffer.from(JSON.stringify(change(fields)), 'utf8').toString('base64url')}.${signature}`;
}

describe('answer-link tokens (pure)', () => {
  const key = randomBytes(32);

  it('a token made with a key verifies with it and gives back what it is bound to', () => {
    const token = signAnswerToken(key, claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyAnswerToken(key, token)).toEqual(claims);
  });

  it('a token altered in any bound part (organizer, event, attendee, expiry, version) is refused', () => {
    const token = signAnswerToken(key, claims);
    const altered = [
      withPayload(token, ([v, , uid, att, exp]) => [v, 'principals/mallory', uid, att, exp]),
      withPayload(token, ([v, p, , att, exp]) => [v, p, 'other-event@example.org', att, exp]),
      withPayload(token, ([v, p, uid, , exp]) => [v, p, uid, 'mallory@example.net', exp]),
      withPayload(token, ([v, p, uid, att, exp]) => [v, p, uid, att, (exp as number) + 86400 * 365]),
      withPayload(token, ([, p, uid, att, exp]) => [2, p, uid, att, exp]),
    ];
    for (const t of altered) expect(verifyAnswerToken(key, t), t).toBeNull();
  });

  it('a changed signature, a cut one, a swapped one or a malformed token is refused', () => {
    const token = signAnswerToken(key, claims);
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0]! ^= 1;
    const other = signAnswerToken(key, { ...claims, attendee: 'carl@example.net' }).split('.')[1]!;
    for (const t of [
      `${payload}.${flipped.toString('base64url')}`,
      `${payload}.${signature.slice(0, -2)}`,
      `${payload}.${other}`,
      `${payload}.`,
      `.${signature}`,
      payload,
      `${payload}.${signature}.${signature}`,
      `${payload}.${signature}=`,
      `${payload}x.${signature}`,
      '',
      'not a token',
    ]) {
      expect(verifyAnswerToken(key, t), t).toBeNull();
    }
  });

  it('a token signed with another key is refused', () => {
    expect(verifyAnswerToken(randomBytes(32), signAnswerToken(key, claims))).toBeNull();
  });

  it('request logs mask the token of an answer link', () => {
    const token = signAnswerToken(key, claims);
    expect(redactPath(`/calendula/answer/${token}?lang=de`)).toBe('/calendula/answer/[token]?lang=de');
    expect(redactPath(`/answer/${token}`)).toBe('/answer/[token]');
  });

  it('the installation key: 64 hex digits are the key bytes; anything else its UTF-8 bytes', () => {
    expect(answerKeyBytes('ab'.repeat(32))).toEqual(Buffer.alloc(32, 0xab));
    expect(answerKeyBytes('not hex')).toEqual(Buffer.from('not hex'));
  });
});

describe('answer-link tokens (installation key, expiry)', () => {
  const clock = new ManualClock(new Date('2027-01-10T12:00:00Z'));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SYNC_WORKER: 'false' }, { clock });
  });
  afterAll(async () => server?.close());

  it('a token made by the installation opens until its expiry, and is refused after it', async () => {
    const links = server.domain.answerLinks;
    const expiry = new Date('2027-01-11T12:00:00Z');
    const token = await links.token('principals/ann', 'meet-2@example.org', 'Bea@Example.NET', expiry);
    expect(await links.claims(token)).toEqual({ principaluri: 'principals/ann', uid: 'meet-2@example.org', attendee: 'bea@example.net', expiresAt: expiry.getTime() / 1000 });
    clock.set(new Date('2027-01-11T12:00:00Z'));
    expect(await links.claims(token)).toMatchObject({ uid: 'meet-2@example.org' });
    clock.set(new Date('2027-01-11T12:00:01Z'));
    expect(await links.claims(token)).toEqual({ refused: 'expired' });
  });

  it('a token signed with another key than the installation’s is refused as invalid', async () => {
    const foreign = signAnswerToken(randomBytes(32), { ...claims, expiresAt: 4_000_000_000 });
    expect(await server.domain.answerLinks.claims(foreign)).toEqual({ refused: 'invalid' });
  });
});
