// What a set of property operations (PROPPATCH, MKCALENDAR, extended MKCOL) collects before it is
// applied in one go. Its own module because the live properties (properties.ts) and the dispatcher
// over them (propertyValues.ts) both speak it: properties.ts imported it from propertyValues.ts,
// which imports properties.ts, a cycle.
import type { AddressBookChanges } from '../domain/addressBooks.ts';
import type { CalendarChanges, DeadProperty } from '../domain/calendars.ts';

/**
 * Where a property operation applies: the resource it is on (a calendar or address-book home is
 * 'home'), or a calendar or address book being created.
 */
export type Target = 'calendar' | 'home' | 'principal' | 'new-calendar' | 'addressbook' | 'new-addressbook' | 'inbox';

/** Everything a set of property operations asks for, before it is applied in one go. */
export interface PropChanges {
  calendar: CalendarChanges;
  /** The address book's own columns; its dead properties go in deadSet/deadRemove as anywhere. */
  addressBook: Pick<AddressBookChanges, 'displayname' | 'description'>;
  deadSet: DeadProperty[];
  deadRemove: string[];
  principalDisplayName?: string | null;
  /**
   * The inbox's schedule-default-calendar-URL (RFC 6638 §9.2) as sent, an href the method resolves
   * and the domain checks; null: removed (the server chooses again).
   */
  scheduleDefaultCalendarHref?: string | null;
  /** MKCALENDAR/extended MKCOL only. */
  resourceTypes?: string[];
}

export function emptyChanges(): PropChanges {
  return { calendar: {}, addressBook: {}, deadSet: [], deadRemove: [] };
}
