// The one place where errors become CalDAV/WebDAV answers: a status and, where a precondition
// explains it, an XML error body (RFC 4918 §16) that clients match on.
import type { Response } from 'express';
import { DomainError, type Precondition } from '../domain/errors.ts';
import { BodyTooLargeError } from '../http/body.ts';
import { BadPathError } from './paths.ts';
import { XmlError } from '../xml/parse.ts';
import { clark, d } from '../xml/names.ts';
import { document, type XmlNode } from '../xml/write.ts';

/** A protocol-level error raised inside the DAV face (bad request shapes, unsupported things). */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly precondition?: Precondition,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DavError';
  }
}

/** The domain names the object that holds a clashing UID; on the wire it is an href in that calendar. */
export function withObjectHref(err: unknown, hrefOfObject: (name: string) => string): unknown {
  if (err instanceof DomainError && err.details.precondition?.href) {
    const pre = err.details.precondition;
    return new DavError(409, err.message, { ...pre, href: hrefOfObject(pre.href as string) });
  }
  return err;
}

/**
 * A DAV:error body: the precondition element, if any, and no other element (clients and test
 * suites read every child element as a condition code); the human-readable reason rides along as
 * an XML comment, which parsers skip.
 */
export function errorBody(pre: Precondition | undefined, message: string): string {
  const children: XmlNode[] = [];
  if (pre) {
    const name = clark(pre.namespace, pre.name);
    children.push(pre.href ? { name, children: [{ name: d('href'), text: pre.href }] } : { name });
  }
  // After the condition: some clients match the first child of DAV:error textually.
  children.push({ raw: `<!-- ${xmlComment(message)} -->` });
  return document({ name: d('error'), children });
}

/** Text that can stand in an XML comment: no "--", no characters XML forbids. */
function xmlComment(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/-(?=-)/g, '- ').replace(/-$/, '- ');
}

function statusOf(e: DomainError): number {
  switch (e.kind) {
    case 'NotFound':
      return 404;
    case 'Conflict':
      return e.details.precondition?.name === 'resource-must-be-null' ? 405 : 409;
    case 'PreconditionFailed':
      return 412;
    case 'TooLarge':
      return e.details.precondition ? 403 : 413;
    case 'Unauthorized':
      return 401;
    case 'Forbidden':
      return 403;
    case 'Invalid':
      return e.details.precondition ? 403 : 400;
  }
}

/** Answers the request for an error; returns false when the error is not ours to map (a bug). */
export function sendDavError(res: Response, err: unknown): boolean {
  let status: number;
  let pre: Precondition | undefined;
  let message: string;
  let headers: Record<string, string> = {};
  if (err instanceof DavError) {
    ({ status, precondition: pre, message, headers } = err);
  } else if (err instanceof DomainError) {
    status = statusOf(err);
    pre = err.details.precondition;
    message = err.message;
  } else if (err instanceof XmlError || err instanceof BadPathError) {
    status = 400;
    message = err.message;
  } else if (err instanceof BodyTooLargeError) {
    status = 413;
    message = err.message;
  } else {
    return false;
  }
  if (res.headersSent) {
    res.end();
    return true;
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(status).type('application/xml; charset=utf-8').send(errorBody(pre, message));
  return true;
}
