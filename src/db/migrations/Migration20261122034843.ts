import { Migration } from '@mikro-orm/migrations';

export class Migration20261122034843 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "instance_settings" ("key" varchar(100) not null, "value" text not null, constraint "instance_settings_pkey" primary key ("key"));`);
    // This installation's id is made at its first start (src/db/instanceKeys.ts), not here: the
    // embedded template holds this migration and is shared by every installation.
    this.addSql(`delete from "jobs";`);
    this.addSql(`alter table "jobs" add column "key" varchar(600) not null;`);
    this.addSql(`create index "jobs_key_index" on "jobs" ("key");`);
    this.addSql(`create unique index "jobs_waiting_key_unique" on "jobs" ("key") where "locked_until" is null;`);

    this.addSql(`alter table "sync_ledger" add column "source_etag" varchar(64) null;`);
    this.addSql(`alter table "users" add column "locale" varchar(35) null;`);
    // A synchronization outlives its user while an unlink that needs it finishes.
    this.addSql(`alter table "synchronizations" drop constraint "synchronizations_user_id_foreign";`);
    this.addSql(`alter table "synchronizations" alter column "user_id" drop not null;`);
    this.addSql(`alter table "synchronizations" add constraint "synchronizations_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "instance_settings" cascade;`);
    this.addSql(`drop index "jobs_key_index";`);
    this.addSql(`drop index "jobs_waiting_key_unique";`);
    this.addSql(`alter table "jobs" drop column "key";`);
    this.addSql(`alter table "sync_ledger" drop column "source_etag";`);
    this.addSql(`alter table "users" drop column "locale";`);
  }
}
