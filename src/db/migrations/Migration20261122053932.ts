import { Migration } from '@mikro-orm/migrations';

export class Migration20261122053932 extends Migration {
  override async up(): Promise<void> {
    // Instance spans of older rows are filled at start-up (ObjectService.backfillEventFields).
    this.addSql(`alter table "calendarobjects" add column "instancespans" int8multirange null, add column "instancewindow" int8range null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "calendarobjects" drop column "instancespans", drop column "instancewindow";`);
  }
}
