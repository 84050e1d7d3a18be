import { Migration } from '@mikro-orm/migrations';

export class Migration20261122020722 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "auth_failures" ("key" varchar(300) not null, "failures" int not null default 0, "window_start" timestamptz not null, "last_failure" timestamptz not null, constraint "auth_failures_pkey" primary key ("key"));`);

    this.addSql(`create table "calendars" ("id" serial primary key, "synctoken" int not null default 1, "components" varchar(21) null, "objectcount" int not null default 0, "sync_floor" int not null default 1, "created_at" timestamptz not null default now());`);

    this.addSql(`create table "calendarchanges" ("id" serial primary key, "uri" varchar(255) not null, "synctoken" int not null, "calendarid" int not null, "operation" smallint not null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "calendarchanges_calendarid_synctoken_index" on "calendarchanges" ("calendarid", "synctoken");`);

    this.addSql(`create table "calendarobjects" ("id" serial primary key, "calendardata" text not null, "uri" varchar(255) not null, "calendarid" int not null, "lastmodified" int not null, "etag" varchar(64) not null, "size" int not null, "componenttype" varchar(8) not null, "firstoccurence" bigint null, "lastoccurence" bigint null, "uid" varchar(255) not null);`);
    this.addSql(`create index "calendarobjects_timerange_index" on "calendarobjects" ("calendarid", "componenttype", "firstoccurence", "lastoccurence");`);
    this.addSql(`alter table "calendarobjects" add constraint "calendarobjects_calendarid_uri_unique" unique ("calendarid", "uri");`);
    this.addSql(`alter table "calendarobjects" add constraint "calendarobjects_calendarid_uid_unique" unique ("calendarid", "uid");`);

    this.addSql(`create table "jobs" ("id" bigserial primary key, "kind" varchar(32) not null, "payload" jsonb not null, "run_at" timestamptz not null default now(), "attempts" int not null default 0, "locked_until" timestamptz null, "locked_by" varchar(100) null, "last_error" text null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "jobs_run_at_index" on "jobs" ("run_at");`);

    this.addSql(`create table "principals" ("id" serial primary key, "uri" varchar(200) not null, "email" varchar(255) null, "displayname" varchar(255) null, "is_main" boolean not null default true);`);
    this.addSql(`alter table "principals" add constraint "principals_uri_unique" unique ("uri");`);

    this.addSql(`create table "groupmembers" ("id" serial primary key, "principal_id" int not null, "member_id" int not null);`);
    this.addSql(`alter table "groupmembers" add constraint "groupmembers_principal_id_member_id_unique" unique ("principal_id", "member_id");`);

    this.addSql(`create table "calendarsubscriptions" ("id" serial primary key, "uri" varchar(200) not null, "principaluri" varchar(200) not null, "source" text null, "displayname" varchar(255) null, "refreshrate" varchar(10) null, "calendarorder" int not null default 0, "calendarcolor" varchar(10) null, "striptodos" smallint null, "stripalarms" smallint null, "stripattachments" smallint null, "lastmodified" int null);`);
    this.addSql(`alter table "calendarsubscriptions" add constraint "calendarsubscriptions_principaluri_uri_unique" unique ("principaluri", "uri");`);

    this.addSql(`create table "calendarinstances" ("id" serial primary key, "calendarid" int not null, "principaluri" varchar(200) not null, "access" smallint not null default 1, "displayname" varchar(255) null, "uri" varchar(200) not null, "description" text null, "calendarorder" int not null default 0, "calendarcolor" varchar(10) null, "timezone" text null, "transparent" smallint not null default 0, "share_href" varchar(255) null, "share_displayname" varchar(255) null, "share_invitestatus" smallint not null default 2, "public" boolean not null default false);`);
    this.addSql(`alter table "calendarinstances" add constraint "calendarinstances_principaluri_uri_unique" unique ("principaluri", "uri");`);
    this.addSql(`alter table "calendarinstances" add constraint "calendarinstances_calendarid_principaluri_unique" unique ("calendarid", "principaluri");`);

    this.addSql(`create table "calendar_feeds" ("id" serial primary key, "instance_id" int not null, "feed_id" varchar(32) not null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "calendar_feeds" add constraint "calendar_feeds_instance_id_unique" unique ("instance_id");`);
    this.addSql(`alter table "calendar_feeds" add constraint "calendar_feeds_feed_id_unique" unique ("feed_id");`);

    this.addSql(`create table "propertystorage" ("id" serial primary key, "path" varchar(1024) not null, "name" varchar(255) not null, "valuetype" int not null, "value" text not null);`);
    this.addSql(`alter table "propertystorage" add constraint "propertystorage_path_name_unique" unique ("path", "name");`);

    this.addSql(`create table "schedulingobjects" ("id" serial primary key, "principaluri" varchar(200) not null, "calendardata" text not null, "uri" varchar(255) not null, "lastmodified" int not null, "etag" varchar(64) not null, "size" int not null);`);
    this.addSql(`alter table "schedulingobjects" add constraint "schedulingobjects_principaluri_uri_unique" unique ("principaluri", "uri");`);

    this.addSql(`create table "users" ("id" serial primary key, "username" varchar(64) not null, "password_hash" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);

    this.addSql(`create table "tags" ("id" serial primary key, "user_id" int not null, "name" varchar(64) not null, "color" varchar(7) not null);`);
    this.addSql(`alter table "tags" add constraint "tags_user_id_name_unique" unique ("user_id", "name");`);

    this.addSql(`create table "feed_tags" ("feed_id" int not null, "tag_id" int not null, constraint "feed_tags_pkey" primary key ("feed_id", "tag_id"));`);

    this.addSql(`create table "synchronizations" ("id" serial primary key, "user_id" int not null, "type" varchar(32) not null, "description" text null, "enabled" boolean not null default true, "status" varchar(16) not null default 'PENDING', "last_resync" timestamptz null, "last_error" text null, "settings" jsonb not null, "unlink_mode" varchar(32) null, "created_at" timestamptz not null default now());`);

    this.addSql(`create table "sync_ledger" ("id" serial primary key, "synchronization_id" int not null, "source_calendarid" int not null, "source_uri" varchar(255) not null, "source_uid" varchar(255) not null, "target_href" text not null, "target_etag" varchar(255) null, "first_start" bigint null, "updated_at" timestamptz not null default now());`);
    this.addSql(`alter table "sync_ledger" add constraint "sync_ledger_source_unique" unique ("synchronization_id", "source_calendarid", "source_uri");`);

    this.addSql(`create table "api_tokens" ("id" uuid not null, "user_id" int not null, "name" varchar(255) not null, "secret_hash" varchar(64) not null, "capabilities" jsonb not null, "expires_at" timestamptz null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null, "mom_id" varchar(100) not null, constraint "api_tokens_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_mom_id_unique" unique ("mom_id");`);

    this.addSql(`create table "token_tags" ("token_id" uuid not null, "tag_id" int not null, constraint "token_tags_pkey" primary key ("token_id", "tag_id"));`);

    this.addSql(`create table "feed_tokens" ("feed_id" int not null, "token_id" uuid not null, "comment" text null, constraint "feed_tokens_pkey" primary key ("feed_id", "token_id"));`);

    this.addSql(`alter table "calendarchanges" add constraint "calendarchanges_calendarid_foreign" foreign key ("calendarid") references "calendars" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "calendarobjects" add constraint "calendarobjects_calendarid_foreign" foreign key ("calendarid") references "calendars" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "groupmembers" add constraint "groupmembers_principal_id_foreign" foreign key ("principal_id") references "principals" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "groupmembers" add constraint "groupmembers_member_id_foreign" foreign key ("member_id") references "principals" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "calendarsubscriptions" add constraint "calendarsubscriptions_principaluri_foreign" foreign key ("principaluri") references "principals" ("uri") on update cascade on delete cascade;`);

    this.addSql(`alter table "calendarinstances" add constraint "calendarinstances_calendarid_foreign" foreign key ("calendarid") references "calendars" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "calendarinstances" add constraint "calendarinstances_principaluri_foreign" foreign key ("principaluri") references "principals" ("uri") on update cascade on delete cascade;`);

    this.addSql(`alter table "calendar_feeds" add constraint "calendar_feeds_instance_id_foreign" foreign key ("instance_id") references "calendarinstances" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "schedulingobjects" add constraint "schedulingobjects_principaluri_foreign" foreign key ("principaluri") references "principals" ("uri") on update cascade on delete cascade;`);

    this.addSql(`alter table "tags" add constraint "tags_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "feed_tags" add constraint "feed_tags_feed_id_foreign" foreign key ("feed_id") references "calendar_feeds" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "feed_tags" add constraint "feed_tags_tag_id_foreign" foreign key ("tag_id") references "tags" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "synchronizations" add constraint "synchronizations_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "sync_ledger" add constraint "sync_ledger_synchronization_id_foreign" foreign key ("synchronization_id") references "synchronizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_tokens" add constraint "api_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "token_tags" add constraint "token_tags_token_id_foreign" foreign key ("token_id") references "api_tokens" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "token_tags" add constraint "token_tags_tag_id_foreign" foreign key ("tag_id") references "tags" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "feed_tokens" add constraint "feed_tokens_feed_id_foreign" foreign key ("feed_id") references "calendar_feeds" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "feed_tokens" add constraint "feed_tokens_token_id_foreign" foreign key ("token_id") references "api_tokens" ("id") on update cascade on delete cascade;`);
  }

}
