import { Migration } from '@mikro-orm/migrations';

/**
 * The web UI: browser sessions, and two user flags. The first user (the one the first start
 * created) becomes an admin, so an existing installation has someone who can open the console.
 */
export class Migration20261204232833 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "web_sessions" ("id" varchar(64) not null, "user_id" int not null, "csrf" varchar(64) not null, "created_at" timestamptz not null, "last_seen_at" timestamptz not null, "expires_at" timestamptz not null, constraint "web_sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "web_sessions_expires_at_index" on "web_sessions" ("expires_at");`);
    this.addSql(`alter table "web_sessions" add constraint "web_sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "users" add column "is_admin" boolean not null default false, add column "disabled" boolean not null default false;`);
    this.addSql(`update "users" set "is_admin" = true where "id" = (select min("id") from "users");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "web_sessions" cascade;`);
    this.addSql(`alter table "users" drop column "is_admin", drop column "disabled";`);
  }
}
