import { defineEntity, p } from '@mikro-orm/core';
import { Synchronization } from './Synchronization.ts';

/** What one synchronization pushed where: source object → target href and ETag. */
export const SyncLedgerEntry = defineEntity({
  name: 'SyncLedgerEntry',
  tableName: 'sync_ledger',
  properties: {
    id: p.integer().primary().autoincrement(),
    synchronization: p
      .manyToOne(Synchronization)
      .fieldName('synchronization_id')
      .deleteRule('cascade')
      .mapToPk(),
    sourceCalendarId: p.integer().fieldName('source_calendarid'),
    sourceUri: p.string().length(255).fieldName('source_uri'),
    sourceUid: p.string().length(255).fieldName('source_uid'),
    targetHref: p.text().fieldName('target_href'),
    targetEtag: p.string().length(255).fieldName('target_etag').nullable(),
    /** The source object's ETag when it was pushed: a resync skips objects that did not change. */
    sourceEtag: p.string().length(64).fieldName('source_etag').nullable(),
    /** UTC epoch seconds of the first instance, for DELETE_FUTURE_EVENTS. */
    firstStart: p.bigint('number').fieldName('first_start').nullable(),
    updatedAt: p.datetime().fieldName('updated_at').defaultRaw('now()'),
  },
  uniques: [
    {
      name: 'sync_ledger_source_unique',
      properties: ['synchronization', 'sourceCalendarId', 'sourceUri'],
    },
  ],
});
