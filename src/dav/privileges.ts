// The privileges a viewer holds on a resource (RFC 3744 subset). They are listed explicitly in
// current-user-privilege-set, because Outlook CalDav Synchronizer only recognizes write,
// write-content, bind and unbind, and Thunderbird marks a calendar read-only unless write,
// write-content, write-properties or all is present.
import { canWriteContent } from '../domain/access.ts';
import type { Actor } from '../domain/calendars.ts';
import { c, d } from '../xml/names.ts';
import type { XmlNode } from '../xml/write.ts';
import type { Resource } from './resources.ts';

export type Privilege =
  | 'read'
  | 'write'
  | 'write-properties'
  | 'write-content'
  | 'bind'
  | 'unbind'
  | 'read-current-user-privilege-set'
  | 'read-free-busy'
  | 'schedule-deliver'
  | 'schedule-send';

const READ: Privilege[] = ['read', 'read-current-user-privilege-set'];
const ALL_WRITE: Privilege[] = ['read', 'write', 'write-properties', 'write-content', 'bind', 'unbind', 'read-current-user-privilege-set'];

export function privilegesFor(r: Resource, viewer: Actor | null): Set<Privilege> {
  switch (r.kind) {
    case 'root':
    case 'principals':
    case 'homes':
    case 'addressbook-homes':
      return new Set(READ);
    // Only their owner reaches an address-book home, its books and cards (resources.ts).
    case 'addressbook-home':
    case 'addressbook':
    case 'card':
      return new Set(ALL_WRITE);
    case 'principal':
      return new Set(viewer?.principaluri === r.user.principalUri ? [...READ, 'write-properties'] : READ);
    case 'home':
      return new Set([...ALL_WRITE, 'read-free-busy']);
    case 'inbox':
      return new Set([...READ, 'unbind', 'schedule-deliver']);
    // Items are deleted (unbind on the inbox), never written.
    case 'inbox-item':
      return new Set(READ);
    case 'outbox':
      return new Set([...READ, 'schedule-send']);
    case 'calendar':
    case 'object': {
      const inHome = viewer?.principaluri === r.cal.principaluri;
      if (inHome && canWriteContent(r.cal)) return new Set([...ALL_WRITE, 'read-free-busy']);
      // A read-only share or a public calendar; for a signed-in user also any other calendar, whose
      // busy time alone they may read (sabre grants CALDAV:read-free-busy to {DAV:}authenticated).
      return new Set([...READ, 'read-free-busy']);
    }
  }
}

export function privilegeSetXml(privs: Set<Privilege>): XmlNode[] {
  return [...privs].map((p) => ({
    name: d('privilege'),
    children: [{ name: p === 'read-free-busy' || p.startsWith('schedule-') ? c(p) : d(p) }],
  }));
}
