// The admin key (API_KEY) check, in constant time: both sides are hashed first so that neither
// the key's length nor its prefix leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

export type KeyCheck = 'ok' | 'missing' | 'invalid' | 'disabled';

export function checkAdminKey(given: string | undefined, expected: string): KeyCheck {
  if (expected === '') return 'disabled';
  if (given === undefined) return 'missing';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length ? 'ok' : 'invalid';
}
