import { defineEntity, p } from '@mikro-orm/core';
import { ApiToken } from './ApiToken.ts';
import { Tag } from './Tag.ts';

export const TokenTag = defineEntity({
  name: 'TokenTag',
  tableName: 'token_tags',
  properties: {
    token: p.manyToOne(ApiToken).fieldName('token_id').deleteRule('cascade').primary().mapToPk(),
    tag: p.manyToOne(Tag).fieldName('tag_id').deleteRule('cascade').primary().mapToPk(),
  },
});
