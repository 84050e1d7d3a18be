// Who may do what with a calendar instance. calendarinstances.access holds sabre's numbers; this
// is the one module that reads them: faces and services ask the predicates below, never a number.
// A generated calendar (the birthday calendar) is read-only to everyone, its owner too: only the
// server writes it, from what it is generated from, so the predicates say no to every other write.

/** sabre's ACCESS_NOTSHARED: no row of ours is written with it, but sabre's data may hold it. */
export const NOT_SHARED_ACCESS = 0;
/** The owner's own instance of a calendar. */
export const OWNER_ACCESS = 1;
/** A share the sharee may read only. */
export const READ_ACCESS = 2;
/** A share the sharee may read and write. */
export const READWRITE_ACCESS = 3;

/** The levels an instance in a home can have (what the store writes). */
export type AccessLevel = typeof OWNER_ACCESS | typeof READ_ACCESS | typeof READWRITE_ACCESS;

/** Anything that carries an instance's level: a CalendarView, an entity, a row. */
export interface HasAccess {
  readonly access: number;
  /** What the server generates the calendar from (`birthdays`); null or absent for any other. */
  readonly generated?: string | null;
}

/** The server writes the calendar's content itself (the birthday calendar): nobody else may. */
export function isGenerated(instance: HasAccess): boolean {
  return instance.generated !== null && instance.generated !== undefined;
}

/** The instance is its owner's own, not a share: it lists under "my calendars". */
export function owns(instance: HasAccess): boolean {
  return instance.access === OWNER_ACCESS;
}

/** Whoever holds the instance in their home may read the calendar (owner and both kinds of share). */
export function canRead(instance: HasAccess): boolean {
  return instance.access === OWNER_ACCESS || instance.access === READ_ACCESS || instance.access === READWRITE_ACCESS;
}

/** May create, change and delete the calendar's objects. */
export function canWriteContent(instance: HasAccess): boolean {
  if (isGenerated(instance)) return false;
  return instance.access === OWNER_ACCESS || instance.access === READWRITE_ACCESS;
}

/** Why canWriteContent says no, in words every face may pass on. */
export function readOnlyReason(instance: HasAccess): string {
  return isGenerated(instance)
    ? 'the server writes this calendar from your contacts: change their birthdays and anniversaries instead'
    : 'this calendar is shared with you read-only';
}

/**
 * May change what every instance shows (components, public), share the calendar, and delete it
 * for everyone; a sharee changes only their own instance's name, colour and order. A generated
 * calendar is nobody's to reshape or share (as in Nextcloud, the birthday calendar is not shared);
 * its owner changes its name, colour and order, and removing it turns it off
 * (src/domain/birthdays.ts).
 */
export function canAdminister(instance: HasAccess): boolean {
  return instance.access === OWNER_ACCESS && !isGenerated(instance);
}

/**
 * Who may read a calendar's busy time, and only that (RFC 4791 §6.1.1 CALDAV:read-free-busy): as in
 * sabre/dav, every signed-in user, on any calendar; what else they see follows the levels above.
 */
export function maySeeFreeBusy<V>(viewer: V | null | undefined): viewer is V {
  return viewer !== null && viewer !== undefined;
}
