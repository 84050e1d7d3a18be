import { Migration } from '@mikro-orm/migrations';

/**
 * The birthday calendar (issue #28): `calendars.generated` marks a calendar the server writes from
 * something else (`birthdays`: the owner's contacts), and every existing user gets one, on by
 * default as in Nextcloud, named `birthdays` (`contact_birthdays`, Nextcloud's name, when the user
 * already has a calendar called `birthdays`; a user who has both gets none and can turn it on in
 * the web face). Address books are new in the same release, so the calendars start empty. Each
 * home's token moves and logs the new member, so that a client syncing the home sees it appear.
 *
 * New calendar ids are drawn from the sequence first, so that each instance knows its calendar
 * without relying on the order of an insert's RETURNING rows.
 */
export const ADD_BIRTHDAY_CALENDARS = `with targets as (
    select nextval(pg_get_serial_sequence('calendars', 'id')) as calendarid, t.principaluri, t.uri
      from (select p.uri as principaluri,
                   case when not exists (select 1 from "calendarinstances" i where i."principaluri" = p."uri" and i."uri" = 'birthdays')
                        then 'birthdays' else 'contact_birthdays' end as uri
              from "principals" p join "users" u on p."uri" = 'principals/' || u."username"
             where not exists (select 1 from "calendarinstances" i join "calendars" c on c."id" = i."calendarid"
                                where i."principaluri" = p."uri" and c."generated" = 'birthdays')) t
     where not exists (select 1 from "calendarinstances" i where i."principaluri" = t.principaluri and i."uri" = t.uri)
  ),
  cals as (
    insert into "calendars" ("id", "synctoken", "components", "objectcount", "sync_floor", "generated")
      select calendarid, 1, 'VEVENT', 0, 1, 'birthdays' from targets returning "id"
  ),
  insts as (
    insert into "calendarinstances" ("calendarid", "principaluri", "access", "displayname", "uri", "calendarcolor", "transparent", "share_invitestatus", "public")
      select calendarid, principaluri, 1, 'Birthdays', uri, '#E7A33E', 1, 2, false from targets returning "id"
  ),
  bumped as (
    update "principals" p set "home_synctoken" = p."home_synctoken" + 1 from targets t
     where p."uri" = t.principaluri returning p."uri", p."home_synctoken" - 1 as token
  )
  insert into "homechanges" ("principaluri", "uri", "synctoken", "deleted", "created_at")
    select b."uri", t.uri, b.token, false, now() from bumped b join targets t on t.principaluri = b."uri"
  on conflict ("principaluri", "uri") do update set "synctoken" = excluded."synctoken", "deleted" = false, "created_at" = excluded."created_at";`;

export class Migration20261207130100 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "calendars" add column "generated" varchar(32) null;`);
    this.addSql(ADD_BIRTHDAY_CALENDARS);
  }

  override async down(): Promise<void> {
    // The generated calendars go with the column: they hold nothing a user wrote.
    this.addSql(`delete from "calendars" where "generated" is not null;`);
    this.addSql(`alter table "calendars" drop column "generated";`);
  }
}
