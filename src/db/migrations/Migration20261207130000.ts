import { Migration } from '@mikro-orm/migrations';

/**
 * CardDAV (issue #28): sabre/dav's `addressbooks`, `cards` and `addressbookchanges` with their
 * names and columns (so Baïkal's and Davis's data can be imported), plus ours: the card's UID (kept
 * unique per book), the book's card count and token floor, the change's time (the log is pruned by
 * age), and the address-book home's token on the principal. Every existing user gets the `default`
 * address book that new users are created with.
 */
export const DEFAULT_ADDRESS_BOOKS = `insert into "addressbooks" ("principaluri", "uri", "displayname")
    select p."uri", 'default', 'Contacts' from "users" u join "principals" p on p."uri" = 'principals/' || u."username"
  on conflict ("principaluri", "uri") do nothing;`;

export class Migration20261207130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "principals" add column "addressbook_home_synctoken" int not null default 1;`);
    this.addSql(`create table "addressbooks" ("id" serial primary key, "principaluri" varchar(255) not null, "displayname" varchar(255) null, "uri" varchar(200) not null, "description" text null, "synctoken" int not null default 1, "sync_floor" int not null default 1, "cardcount" int not null default 0);`);
    this.addSql(`alter table "addressbooks" add constraint "addressbooks_principaluri_uri_unique" unique ("principaluri", "uri");`);
    this.addSql(`alter table "addressbooks" add constraint "addressbooks_principaluri_foreign" foreign key ("principaluri") references "principals" ("uri") on update cascade on delete cascade;`);
    this.addSql(`create table "cards" ("id" serial primary key, "addressbookid" int not null, "carddata" text not null, "uri" varchar(200) not null, "lastmodified" int not null, "etag" varchar(32) not null, "size" int not null, "uid" varchar(255) not null);`);
    this.addSql(`alter table "cards" add constraint "cards_addressbookid_uri_unique" unique ("addressbookid", "uri");`);
    this.addSql(`alter table "cards" add constraint "cards_addressbookid_uid_unique" unique ("addressbookid", "uid");`);
    this.addSql(`alter table "cards" add constraint "cards_addressbookid_foreign" foreign key ("addressbookid") references "addressbooks" ("id") on update cascade on delete cascade;`);
    this.addSql(`create table "addressbookchanges" ("id" serial primary key, "uri" varchar(200) not null, "synctoken" int not null, "addressbookid" int not null, "operation" smallint not null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "addressbookchanges_addressbookid_synctoken_index" on "addressbookchanges" ("addressbookid", "synctoken");`);
    this.addSql(`alter table "addressbookchanges" add constraint "addressbookchanges_addressbookid_foreign" foreign key ("addressbookid") references "addressbooks" ("id") on update cascade on delete cascade;`);
    this.addSql(DEFAULT_ADDRESS_BOOKS);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "addressbookchanges" cascade;`);
    this.addSql(`drop table if exists "cards" cascade;`);
    this.addSql(`drop table if exists "addressbooks" cascade;`);
    this.addSql(`alter table "principals" drop column "addressbook_home_synctoken";`);
  }
}
