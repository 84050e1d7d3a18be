import { defineEntity, p } from '@mikro-orm/core';

/** Facts about this installation, such as its id (marks what it pushes into other calendars). */
export const InstanceSetting = defineEntity({
  name: 'InstanceSetting',
  tableName: 'instance_settings',
  properties: {
    key: p.string().length(100).primary(),
    value: p.text(),
  },
});
