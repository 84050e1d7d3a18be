import { defineEntity, p } from '@mikro-orm/core';
import { Principal } from './Principal.ts';

/** sabre/dav `groupmembers`: members of group and proxy principals. */
export const GroupMember = defineEntity({
  name: 'GroupMember',
  tableName: 'groupmembers',
  properties: {
    id: p.integer().primary().autoincrement(),
    principal: p.manyToOne(Principal).fieldName('principal_id').deleteRule('cascade').mapToPk(),
    member: p.manyToOne(Principal).fieldName('member_id').deleteRule('cascade').mapToPk(),
  },
  uniques: [{ name: 'groupmembers_principal_id_member_id_unique', properties: ['principal', 'member'] }],
});
