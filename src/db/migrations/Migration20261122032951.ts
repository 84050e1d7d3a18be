import { Migration } from '@mikro-orm/migrations';

export class Migration20261122032951 extends Migration {

  override async up(): Promise<void> {
    // Event fields of older rows are filled at start-up (ObjectService.backfillEventFields).
    this.addSql(`alter table "calendarobjects" add column "dtstart" bigint null, add column "dtend" bigint null, add column "summary" text null, add column "description" text null, add column "organizer" varchar(320) null, add column "attendees" text[] null, add column "created_at" bigint null;`);
    this.addSql(`update "calendarobjects" set "created_at" = "lastmodified" where "created_at" is null;`);
    this.addSql(`create index "calendarobjects_events_start_index" on "calendarobjects" ("calendarid", "dtstart", "id");`);
    this.addSql(`create index "calendarobjects_events_end_index" on "calendarobjects" ("calendarid", "dtend", "id");`);
    this.addSql(`create index "calendarobjects_events_modified_index" on "calendarobjects" ("calendarid", "lastmodified", "id");`);
    this.addSql(`create index "calendarobjects_events_created_index" on "calendarobjects" ("calendarid", "created_at", "id");`);
    this.addSql(`create index "calendarobjects_events_name_index" on "calendarobjects" ("calendarid", lower("summary"), "id");`);
    this.addSql(`create index "calendarobjects_organizer_index" on "calendarobjects" ("organizer");`);
    this.addSql(`create index "calendarobjects_attendees_index" on "calendarobjects" using gin ("attendees");`);
  }

  override async down(): Promise<void> {

    this.addSql(`drop index "calendarobjects_events_start_index";`);
    this.addSql(`drop index "calendarobjects_events_end_index";`);
    this.addSql(`drop index "calendarobjects_events_modified_index";`);
    this.addSql(`drop index "calendarobjects_events_created_index";`);
    this.addSql(`drop index "calendarobjects_events_name_index";`);
    this.addSql(`drop index "calendarobjects_organizer_index";`);
    this.addSql(`drop index "calendarobjects_attendees_index";`);
    this.addSql(`alter table "calendarobjects" drop column "dtstart", drop column "dtend", drop column "summary", drop column "description", drop column "organizer", drop column "attendees", drop column "created_at";`);
  }
}
