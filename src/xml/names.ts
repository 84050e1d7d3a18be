// XML namespaces of WebDAV, CalDAV, CardDAV and the extensions clients use, and Clark-notation helpers.

export const DAV = 'DAV:';
export const CALDAV = 'urn:ietf:params:xml:ns:caldav';
export const CARDDAV = 'urn:ietf:params:xml:ns:carddav';
export const CS = 'http://calendarserver.org/ns/';
export const APPLE = 'http://apple.com/ns/ical/';
/** Our own namespace, for messages in error bodies. */
export const CALENDULA = 'https://calendula.dev/ns/';

/** `{namespace}local` */
export function clark(ns: string, local: string): string {
  return `{${ns}}${local}`;
}

export function splitClark(name: string): { ns: string; local: string } {
  if (name.startsWith('{')) {
    const close = name.indexOf('}');
    return { ns: name.slice(1, close), local: name.slice(close + 1) };
  }
  return { ns: '', local: name };
}

export const d = (local: string) => clark(DAV, local);
export const c = (local: string) => clark(CALDAV, local);
export const card = (local: string) => clark(CARDDAV, local);
export const cs = (local: string) => clark(CS, local);
export const apple = (local: string) => clark(APPLE, local);
