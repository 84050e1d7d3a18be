// Absolute URLs the UI shows (for clients and subscriptions): under PUBLIC_URL when it is set,
// else on the host the browser used (what reached us is what the user's clients will reach).
import type { WebCall, WebDeps } from './call.ts';

export function origin(call: WebCall, deps: WebDeps): string {
  if (deps.config.publicUrlSet) return deps.config.publicUrl;
  return `${call.req.protocol}://${call.req.get('host') ?? 'localhost'}${deps.config.basePath}`;
}

const seg = (s: string) => encodeURIComponent(s);

export function davUrl(call: WebCall, deps: WebDeps): string {
  return `${origin(call, deps)}/dav/`;
}

export function calendarUrl(call: WebCall, deps: WebDeps, username: string, uri: string): string {
  return `${origin(call, deps)}/dav/calendars/${seg(username)}/${seg(uri)}/`;
}

/** A public calendar read without credentials (CalDAV GET of the collection, as Davis offers it). */
export function publicLink(call: WebCall, deps: WebDeps, username: string, uri: string): string {
  return `${calendarUrl(call, deps, username, uri)}?export`;
}

export function feedUrl(call: WebCall, deps: WebDeps, feedId: string): string {
  return `${origin(call, deps)}/calendars/${feedId}`;
}

/** The user's address-book home: CardDAV clients find every address book in it. */
export function addressBookHomeUrl(call: WebCall, deps: WebDeps, username: string): string {
  return `${origin(call, deps)}/dav/addressbooks/${seg(username)}/`;
}

export function addressBookUrl(call: WebCall, deps: WebDeps, username: string, uri: string): string {
  return `${addressBookHomeUrl(call, deps, username)}${seg(uri)}/`;
}
