import { Migration } from '@mikro-orm/migrations';

/**
 * Sorting events by name uses the first 200 characters of the summary: a b-tree index entry must
 * fit in a third of a page (about 2,700 bytes), and a SUMMARY may be far longer. Written by hand:
 * the schema diff does not see a changed index expression.
 */
export class Migration20261204120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index if exists "calendarobjects_events_name_index";`);
    this.addSql(`create index "calendarobjects_events_name_index" on "calendarobjects" ("calendarid", lower(left("summary", 200)), "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "calendarobjects_events_name_index";`);
    this.addSql(`create index "calendarobjects_events_name_index" on "calendarobjects" ("calendarid", lower("summary"), "id");`);
  }
}
