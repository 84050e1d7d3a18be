import { defineEntity, p } from '@mikro-orm/core';

/** A durable background job, claimed with FOR UPDATE SKIP LOCKED. */
export const Job = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    kind: p.string().length(32),
    payload: p.json<Record<string, unknown>>(),
    runAt: p.datetime().fieldName('run_at').defaultRaw('now()'),
    attempts: p.integer().default(0),
    lockedUntil: p.datetime().fieldName('locked_until').nullable(),
    lockedBy: p.string().length(100).fieldName('locked_by').nullable(),
    lastError: p.text().fieldName('last_error').nullable(),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
  indexes: [{ name: 'jobs_run_at_index', properties: ['runAt'] }],
});
