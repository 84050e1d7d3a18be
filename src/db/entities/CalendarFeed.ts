import { defineEntity, p } from '@mikro-orm/core';
import { CalendarInstance } from './CalendarInstance.ts';

/** A secret public ICS URL for one calendar instance. */
export const CalendarFeed = defineEntity({
  name: 'CalendarFeed',
  tableName: 'calendar_feeds',
  properties: {
    id: p.integer().primary().autoincrement(),
    instance: p
      .manyToOne(CalendarInstance)
      .fieldName('instance_id')
      .deleteRule('cascade')
      .unique('calendar_feeds_instance_id_unique')
      .mapToPk(),
    /** 32 characters [A-Za-z0-9] from a cryptographic source; the secret in the URL. */
    feedId: p.string().length(32).fieldName('feed_id').unique('calendar_feeds_feed_id_unique'),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
});
