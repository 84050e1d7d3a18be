import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduling complete (issue #27):
 * - `imipmessages`: every iMIP message (REQUEST, CANCEL, REPLY) a user here sends to an address
 *   elsewhere, its delivery state and error; the mail job (`jobs`, kind `imip`) points at a row.
 *   It also answers the hourly per-user limit and the web face's delivery failures.
 * - The schedule inbox (RFC 6638 §4.1) in sabre's `schedulingobjects`, with when an item arrived
 *   (items are kept INBOX_RETENTION_DAYS), and its change log (`schedulinginboxchanges`, one row
 *   per item as addressbookhomechanges) behind the inbox's getctag, sync-token and sync-collection.
 * - `calendarobjects.scheduletag`: the Schedule-Tag of scheduling objects (RFC 6638 §3.2.10).
 * - `principals.schedule_default_calendar`: the calendar a user chose for invitations
 *   (schedule-default-calendar-URL, writable); null: the server's choice.
 * - The key that signs answer links, made here once per installation.
 */
export class Migration20261207160000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "imipmessages" ("id" serial primary key, "principaluri" varchar(200) not null, "uid" varchar(255) not null, "recipient" varchar(320) not null, "method" varchar(16) not null, "calendardata" text not null, "status" varchar(16) not null default 'queued', "attempts" int not null default 0, "last_error" text null, "created_at" timestamptz not null default now(), "sent_at" timestamptz null);`);
    this.addSql(`create index "imipmessages_principaluri_created_at_index" on "imipmessages" ("principaluri", "created_at");`);
    this.addSql(`create index "imipmessages_status_index" on "imipmessages" ("status");`);
    this.addSql(`alter table "imipmessages" add constraint "imipmessages_principaluri_foreign" foreign key ("principaluri") references "principals" ("uri") on update cascade on delete cascade;`);

    this.addSql(`alter table "schedulingobjects" add column "created_at" timestamptz not null default now();`);
    this.addSql(`alter table "principals" add column "inbox_synctoken" int not null default 1;`);
    this.addSql(`alter table "principals" add column "inbox_sync_floor" int not null default 1;`);
    this.addSql(`alter table "principals" add column "schedule_default_calendar" varchar(200) null;`);
    this.addSql(`create table "schedulinginboxchanges" ("id" serial primary key, "principaluri" varchar(200) not null, "uri" varchar(255) not null, "synctoken" int not null, "deleted" boolean not null default false, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "schedulinginboxchanges_principaluri_synctoken_index" on "schedulinginboxchanges" ("principaluri", "synctoken");`);
    this.addSql(`alter table "schedulinginboxchanges" add constraint "schedulinginboxchanges_principaluri_uri_unique" unique ("principaluri", "uri");`);
    this.addSql(`alter table "schedulinginboxchanges" add constraint "schedulinginboxchanges_principaluri_foreign" foreign key ("principaluri") references "principals" ("uri") on update cascade on delete cascade;`);

    this.addSql(`alter table "calendarobjects" add column "scheduletag" varchar(64) null;`);

    // The answer-link key is made at the installation's first start (src/db/instanceKeys.ts).
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "imipmessages" cascade;`);
    this.addSql(`drop table if exists "schedulinginboxchanges" cascade;`);
    this.addSql(`alter table "schedulingobjects" drop column "created_at";`);
    this.addSql(`alter table "principals" drop column "inbox_synctoken", drop column "inbox_sync_floor", drop column "schedule_default_calendar";`);
    this.addSql(`alter table "calendarobjects" drop column "scheduletag";`);
    this.addSql(`delete from "instance_settings" where "key" = 'answer_link_key';`);
  }
}
