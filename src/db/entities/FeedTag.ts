import { defineEntity, p } from '@mikro-orm/core';
import { CalendarFeed } from './CalendarFeed.ts';
import { Tag } from './Tag.ts';

export const FeedTag = defineEntity({
  name: 'FeedTag',
  tableName: 'feed_tags',
  properties: {
    feed: p.manyToOne(CalendarFeed).fieldName('feed_id').deleteRule('cascade').primary().mapToPk(),
    tag: p.manyToOne(Tag).fieldName('tag_id').deleteRule('cascade').primary().mapToPk(),
  },
});
