// Typed domain errors. Each face maps them to its wire format in exactly one place.

export type DomainErrorKind =
  | 'NotFound'
  | 'Conflict'
  | 'Invalid'
  | 'Forbidden'
  | 'PreconditionFailed'
  | 'TooLarge'
  | 'Unauthorized';

/** A CalDAV/CardDAV/WebDAV precondition element that explains the error (RFC 4791 §5.3.2, RFC 6352 §6.3.2.1, RFC 4918 §16). */
export interface Precondition {
  namespace: 'DAV:' | 'urn:ietf:params:xml:ns:caldav' | 'urn:ietf:params:xml:ns:carddav';
  name: string;
  /** For no-uid-conflict: the href (name) of the object or card that already holds the UID. */
  href?: string;
}

/** One broken rule of one field; `code` names the rule so that faces can word it in any language. */
export interface FieldProblem {
  field: string;
  code: string;
  /** Values the message may mention (a limit, …). */
  params?: Record<string, string | number>;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly details: { precondition?: Precondition; field?: string; code?: string; problems?: FieldProblem[] } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const CALDAV_NS = 'urn:ietf:params:xml:ns:caldav';
export const CARDDAV_NS = 'urn:ietf:params:xml:ns:carddav';

export function notFound(message: string, details?: DomainError['details']): DomainError {
  return new DomainError('NotFound', message, details);
}
export function conflict(message: string, details?: DomainError['details']): DomainError {
  return new DomainError('Conflict', message, details);
}
export function invalid(message: string, details?: DomainError['details']): DomainError {
  return new DomainError('Invalid', message, details);
}
export function forbidden(message: string, details?: DomainError['details']): DomainError {
  return new DomainError('Forbidden', message, details);
}
export function preconditionFailed(message: string, details?: DomainError['details']): DomainError {
  return new DomainError('PreconditionFailed', message, details);
}
export function tooLarge(message: string, details?: DomainError['details']): DomainError {
  return new DomainError('TooLarge', message, details);
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
