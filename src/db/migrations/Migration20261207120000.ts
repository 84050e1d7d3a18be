import { Migration } from '@mikro-orm/migrations';

/**
 * The recurrence engine changed (issue #23: our own RRULE engine replaced ical.js's iterator, and
 * RANGE=THISANDFUTURE is applied): the index columns of a recurring object written before may
 * name other instances than its text now gives (a BYWEEKNO or BYDAY=20MO rule with COUNT ended
 * weeks too early). Such rows get the widest bounds at once, so no query misses them, and lose
 * their instance spans, which the start-up backfill computes again with the tight bounds.
 */
export const REINDEX_RECURRING = `update "calendarobjects"
    set "firstoccurence" = -62135596800, "lastoccurence" = 253402300799, "instancespans" = null, "instancewindow" = null
  where "calendardata" ilike '%RRULE%' or "calendardata" ilike '%RDATE%' or "calendardata" ilike '%RECURRENCE-ID%';`;

export class Migration20261207120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(REINDEX_RECURRING);
  }

  override async down(): Promise<void> {
    // Nothing to undo: the bounds are wider than needed until the backfill runs again.
  }
}
