import { defineEntity, p } from '@mikro-orm/core';

/** A durable background job, claimed with FOR UPDATE SKIP LOCKED. */
export const Job = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    kind: p.string().length(32),
    /** What the job is about (e.g. push:<sync>:<calendar>:<object>); one waiting job per key. */
    key: p.string().length(600),
    payload: p.json<Record<string, unknown>>(),
    runAt: p.datetime().fieldName('run_at').defaultRaw('now()'),
    attempts: p.integer().default(0),
    lockedUntil: p.datetime().fieldName('locked_until').nullable(),
    lockedBy: p.string().length(100).fieldName('locked_by').nullable(),
    lastError: p.text().fieldName('last_error').nullable(),
    createdAt: p.datetime().fieldName('created_at').defaultRaw('now()'),
  },
  indexes: [
    { name: 'jobs_run_at_index', properties: ['runAt'] },
    { name: 'jobs_key_index', properties: ['key'] },
    {
      name: 'jobs_waiting_key_unique',
      expression: 'create unique index "jobs_waiting_key_unique" on "jobs" ("key") where "locked_until" is null',
    },
  ],
});
