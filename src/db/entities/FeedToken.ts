import { defineEntity, p } from '@mikro-orm/core';
import { ApiToken } from './ApiToken.ts';
import { CalendarFeed } from './CalendarFeed.ts';

/** A token added directly to a feed calendar (its expiry event shows there). */
export const FeedToken = defineEntity({
  name: 'FeedToken',
  tableName: 'feed_tokens',
  properties: {
    feed: p.manyToOne(CalendarFeed).fieldName('feed_id').deleteRule('cascade').primary().mapToPk(),
    token: p.manyToOne(ApiToken).fieldName('token_id').deleteRule('cascade').primary().mapToPk(),
    comment: p.text().nullable(),
  },
});
