import { Migration } from '@mikro-orm/migrations';

/**
 * The calendar home's own sync token and change log (sync-collection on the home, RFC 6578). Homes
 * start at token 1 with an empty log; tokens the server gave for homes before (a digest of the
 * calendars) are no longer recognised, so clients holding one sync the home again from scratch.
 */
export class Migration20261207063000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "principals" add column "home_synctoken" int not null default 1, add column "home_sync_floor" int not null default 1;`);
    this.addSql(`create table "homechanges" ("id" serial primary key, "principaluri" varchar(200) not null, "uri" varchar(200) not null, "synctoken" int not null, "deleted" boolean not null default false, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "homechanges_principaluri_synctoken_index" on "homechanges" ("principaluri", "synctoken");`);
    this.addSql(`alter table "homechanges" add constraint "homechanges_principaluri_uri_unique" unique ("principaluri", "uri");`);
    this.addSql(`alter table "homechanges" add constraint "homechanges_principaluri_foreign" foreign key ("principaluri") references "principals" ("uri") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "homechanges" cascade;`);
    this.addSql(`alter table "principals" drop column "home_synctoken", drop column "home_sync_floor";`);
  }
}
