// The events API's one error funnel: every domain error kind has its problem; anything else is
// no problem of the caller's (the router logs it and answers 500).
import { describe, expect, it } from 'vitest';
import { problemOf } from '../../src/api/events-v2/router.ts';
import { DomainError, type DomainErrorKind } from '../../src/domain/errors.ts';

describe('events API error funnel', () => {
  it.each([
    ['NotFound', 404, 'no_event'],
    ['PreconditionFailed', 412, 'changed'],
    ['Forbidden', 403, 'read_only'],
    ['Conflict', 409, 'conflict'],
    ['TooLarge', 413, 'limit'],
    ['Unauthorized', 401, 'bad_token'],
    ['Invalid', 422, 'rules'],
  ] satisfies [DomainErrorKind, number, string][])('maps %s to %i (%s)', (kind, status, detail) => {
    const p = problemOf(new DomainError(kind, 'why'), '7');
    expect(p).toMatchObject({ status, detail });
  });

  it('tells a calendar limit from a question of access', () => {
    const limit = problemOf(new DomainError('Forbidden', 'at most 5 objects', { precondition: { namespace: 'urn:ietf:params:xml:ns:caldav', name: 'max-resource-size' } }), '1');
    expect(limit).toMatchObject({ status: 403, detail: 'limit', params: { reason: 'at most 5 objects' } });
  });

  it('leaves anything that is not a domain error to the router (a logged 500)', () => {
    expect(problemOf(new TypeError('bug'), '1')).toBeUndefined();
  });
});
