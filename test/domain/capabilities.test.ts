import { describe, expect, it } from 'vitest';
import { holds, isCapability, satisfies } from '../../src/domain/capabilities.ts';

describe('token capabilities', () => {
  it.each([
    ['calendars:notify', 'calendars:notify', true],
    ['calendars:notify', 'read@calendars:notify', true],
    ['read@calendars:notify', 'read@calendars:notify', true],
    ['read@calendars:notify', 'calendars:notify', false],
    ['calendars', 'calendars:notify', true],
    ['calendars', 'read@calendars:notify', true],
    ['read@calendars', 'read@calendars:notify', true],
    ['read@calendars', 'calendars:notify', false],
    ['calendars:notify', 'calendars', false],
    ['calendars:notify:x', 'calendars:notify', false],
    ['calendar', 'calendars:notify', false],
    ['events', 'read@events', true],
    ['dav', 'events', false],
  ])('%s satisfies %s: %s', (held, required, expected) => {
    expect(satisfies(held, required)).toBe(expected);
  });

  it('a password (null) holds everything; an empty set nothing', () => {
    expect(holds(null, 'tokens')).toBe(true);
    expect(holds([], 'read@events')).toBe(false);
    expect(holds(['read@events', 'dav'], 'read@events')).toBe(true);
  });

  it('accepts only well-formed capability paths', () => {
    for (const ok of ['dav', 'read@events', 'calendars:notify', 'a_b:c1']) expect(isCapability(ok)).toBe(true);
    for (const bad of ['', 'read@', 'Calendars', 'a::b', ':a', 'a:', 'write@x', 'a b', 5, null]) expect(isCapability(bad)).toBe(false);
  });
});
