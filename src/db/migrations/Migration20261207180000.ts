import { Migration } from '@mikro-orm/migrations';

/**
 * Web face round two (issue #25):
 * - `users.timezone`: the IANA zone the web face shows and reads times in, per user (the
 *   browser's at the first sign-in, changeable in Account); null until then (APP_TIMEZONE).
 * - `calendarinstances.web_hidden`: a calendar this user hid from the web face's views (per
 *   instance, so a sharee's choice is their own; clients and feeds are not affected).
 * - `web_sessions.flash`: what one page must show once and only on the next page of this session
 *   (a new app password's secret), kept on the server, never in a cookie.
 */
export class Migration20261207180000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "timezone" varchar(64) null;`);
    this.addSql(`alter table "calendarinstances" add column "web_hidden" boolean not null default false;`);
    this.addSql(`alter table "web_sessions" add column "flash" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop column "timezone";`);
    this.addSql(`alter table "calendarinstances" drop column "web_hidden";`);
    this.addSql(`alter table "web_sessions" drop column "flash";`);
  }
}
