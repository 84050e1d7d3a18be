import { defineEntity, p } from '@mikro-orm/core';

/** sabre/dav `propertystorage`: dead WebDAV properties, keyed by resource path and Clark name. */
export const PropertyStorage = defineEntity({
  name: 'PropertyStorage',
  tableName: 'propertystorage',
  properties: {
    id: p.integer().primary().autoincrement(),
    path: p.string().length(1024),
    name: p.string().length(255),
    /** 1 plain text, 2 XML fragment (sabre's values). */
    valuetype: p.integer(),
    value: p.text(),
  },
  uniques: [{ name: 'propertystorage_path_name_unique', properties: ['path', 'name'] }],
});
