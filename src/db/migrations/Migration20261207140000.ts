import { Migration } from '@mikro-orm/migrations';

/**
 * sync-collection on the address-book home (issue #28): its change log `addressbookhomechanges`
 * (one row per address book, as homechanges is for the calendar home) and the oldest home token
 * still answerable. No client holds a home token from before (the home did not offer one), so the
 * floor starts at the current token.
 */
export class Migration20261207140000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "principals" add column "addressbook_home_sync_floor" int not null default 1;`);
    this.addSql(`update "principals" set "addressbook_home_sync_floor" = "addressbook_home_synctoken";`);
    this.addSql(`create table "addressbookhomechanges" ("id" serial primary key, "principaluri" varchar(255) not null, "uri" varchar(200) not null, "synctoken" int not null, "deleted" boolean not null default false, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "addressbookhomechanges_principaluri_synctoken_index" on "addressbookhomechanges" ("principaluri", "synctoken");`);
    this.addSql(`alter table "addressbookhomechanges" add constraint "addressbookhomechanges_principaluri_uri_unique" unique ("principaluri", "uri");`);
    this.addSql(`alter table "addressbookhomechanges" add constraint "addressbookhomechanges_principaluri_foreign" foreign key ("principaluri") references "principals" ("uri") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "addressbookhomechanges" cascade;`);
    this.addSql(`alter table "principals" drop column "addressbook_home_sync_floor";`);
  }
}
