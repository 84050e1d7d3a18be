// What a set of property operations (PROPPATCH, MKCALENDAR, extended MKCOL) collects before it is
// applied in one go. Its own module because the live properties (properties.ts) and the dispatcher
// over them (propertyValues.ts) both speak it: properties.ts imported it from propertyValues.ts,
// which imports properties.ts, a cycle.
import type { CalendarChanges, DeadProperty } from '../domain/calendars.ts';

/** Where a property operation applies: the resource it is on, or a calendar being created. */
export type Target = 'calendar' | 'home' | 'principal' | 'new-calendar';

/** Everything a set of property operations asks for, before it is applied in one go. */
export interface PropChanges {
  calendar: CalendarChanges;
  deadSet: DeadProperty[];
  deadRemove: string[];
  principalDisplayName?: string | null;
  /** MKCALENDAR/MKCOL only. */
  resourceTypes?: string[];
}

export function emptyChanges(): PropChanges {
  return { calendar: {}, deadSet: [], deadRemove: [] };
}
