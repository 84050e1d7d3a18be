import { defineEntity, p } from '@mikro-orm/core';

/** Recent failed logins per key (`user:<name>` or `ip:<address>`), for throttling. */
export const AuthFailure = defineEntity({
  name: 'AuthFailure',
  tableName: 'auth_failures',
  properties: {
    key: p.string().length(300).primary(),
    failures: p.integer().default(0),
    windowStart: p.datetime().fieldName('window_start'),
    lastFailure: p.datetime().fieldName('last_failure'),
  },
});
