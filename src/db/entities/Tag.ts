import { defineEntity, p } from '@mikro-orm/core';
import { User } from './User.ts';

/** A user's tag, set on feed calendars and API tokens. */
export const Tag = defineEntity({
  name: 'Tag',
  tableName: 'tags',
  properties: {
    id: p.integer().primary().autoincrement(),
    user: p.manyToOne(User).fieldName('user_id').deleteRule('cascade').mapToPk(),
    name: p.string().length(64),
    color: p.string().length(7),
  },
  uniques: [{ name: 'tags_user_id_name_unique', properties: ['user', 'name'] }],
});
