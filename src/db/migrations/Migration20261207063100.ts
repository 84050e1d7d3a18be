import { Migration } from '@mikro-orm/migrations';

/**
 * Every user's default calendar holds events, tasks and notes (RFC 4791 §5.2.3: without a set a
 * calendar accepts every component type; jtx Board, Thunderbird and Evolution keep notes as
 * VJOURNAL). Earlier the server made it for events only. The stored value cannot tell the calendar
 * the server made from one a client made with an explicit VEVENT set, so the calendar the server
 * creates for each user decides: the owner's instance named `default`, still holding exactly
 * VEVENT. Other calendars keep the set they were given.
 */
export class Migration20261207063100 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`update "calendars" set "components" = 'VEVENT,VJOURNAL,VTODO'
      where "components" = 'VEVENT' and "id" in (select "calendarid" from "calendarinstances" where "uri" = 'default' and "access" = 1);`);
  }

  override async down(): Promise<void> {
    // Narrowed again only where it strands nothing.
    this.addSql(`update "calendars" c set "components" = 'VEVENT'
      where "components" = 'VEVENT,VJOURNAL,VTODO'
        and "id" in (select "calendarid" from "calendarinstances" where "uri" = 'default' and "access" = 1)
        and not exists (select 1 from "calendarobjects" o where o."calendarid" = c."id" and o."componenttype" <> 'VEVENT');`);
  }
}
