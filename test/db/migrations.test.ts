import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrationsList } from '../../src/db/migrations/index.ts';
import { testEngine } from '../helpers/database.ts';
import { adminQuery, databaseUrlFor } from '../helpers/postgres.ts';

async function emptyDatabase(): Promise<{ db: Database; drop: () => Promise<void> }> {
  if (testEngine() === 'pglite') {
    // In memory: PGlite's own initdb, where a data directory would start from the migrated template.
    const db = await openDatabase({ url: undefined, dataDir: undefined });
    return { db, drop: async () => {} };
  }
  const name = `calendula_empty_${randomBytes(5).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const db = await openDatabase({ url: databaseUrlFor(name), dataDir: undefined });
  return { db, drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

const SABRE_TABLES = [
  'principals',
  'users',
  'calendars',
  'calendarinstances',
  'calendarobjects',
  'calendarchanges',
  'calendarsubscriptions',
  'schedulingobjects',
  'propertystorage',
  'groupmembers',
];
const OUR_TABLES = [
  'addressbookhomechanges',
  'api_tokens',
  'tags',
  'token_tags',
  'calendar_feeds',
  'feed_tags',
  'feed_tokens',
  'synchronizations',
  'sync_ledger',
  'jobs',
  'auth_failures',
];

describe('migrations', () => {
  it('build the whole schema from an empty database, and a second run applies nothing', async () => {
    const { db, drop } = await emptyDatabase();
    try {
      const applied = await db.migrate();
      expect(applied).toEqual(migrationsList.map((m) => m.name));
      expect(await db.migrate()).toEqual([]);

      const rows = await db
        .em()
        .getConnection()
        .execute<{ table_name: string }[]>(
          "select table_name from information_schema.tables where table_schema = 'public'",
        );
      const tables = rows.map((r) => r.table_name);
      for (const t of [...SABRE_TABLES, ...OUR_TABLES]) expect(tables).toContain(t);

      // The schema the migrations build is exactly what the entities describe. The foreign keys
      // from principaluri to principals(uri) exist only in migrations (MikroORM cannot map them).
      const diff = await db.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
      const statements = diff
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/_principaluri_foreign/.test(l));
      expect(statements).toEqual([]);
    } finally {
      await db.close();
      await drop();
    }
  });

  it('declare sabre/dav unique indexes and real foreign keys', async () => {
    const { db, drop } = await emptyDatabase();
    try {
      await db.migrate();
      const constraints = await db
        .em()
        .getConnection()
        .execute<{ conname: string; contype: string }[]>(
          "select conname, contype from pg_constraint where connamespace = 'public'::regnamespace",
        );
      const names = new Map(constraints.map((c) => [c.conname, c.contype]));
      expect(names.get('calendarinstances_principaluri_uri_unique')).toBe('u');
      expect(names.get('calendarobjects_calendarid_uri_unique')).toBe('u');
      expect(names.get('propertystorage_path_name_unique')).toBe('u');
      expect(names.get('calendarinstances_principaluri_foreign')).toBe('f');
      expect(names.get('calendarobjects_calendarid_foreign')).toBe('f');
      expect(names.get('api_tokens_user_id_foreign')).toBe('f');
    } finally {
      await db.close();
      await drop();
    }
  });

  it('widen the default calendar the server made for each user to events, tasks and notes, and leave calendars made with a set alone', async () => {
    const { db, drop } = await emptyDatabase();
    try {
      await db.orm.getMigrator().up({ to: 'Migration20261207063000' });
      const em = db.em().getConnection();
      // What an installation held before: each user's `default` calendar for events only, and
      // calendars clients made with an explicit set.
      for (const u of ['alice', 'bob']) await em.execute(`insert into principals (uri) values ('principals/${u}')`);
      const calendar = async (owner: string, uri: string, components: string, sharee?: string) => {
        const [row] = await em.execute<{ id: number }[]>(`insert into calendars (components) values ('${components}') returning id`);
        await em.execute(`insert into calendarinstances (calendarid, principaluri, uri, access) values (${row!.id}, 'principals/${owner}', '${uri}', 1)`);
        if (sharee) await em.execute(`insert into calendarinstances (calendarid, principaluri, uri, access) values (${row!.id}, 'principals/${sharee}', 'shared-${uri}', 2)`);
      };
      await calendar('alice', 'default', 'VEVENT');
      await calendar('alice', 'work', 'VEVENT', 'bob');
      await calendar('alice', 'tasks', 'VTODO');
      await calendar('bob', 'default', 'VEVENT,VTODO');
      await db.migrate();
      const rows = await em.execute<{ who: string; components: string }[]>(
        "select i.principaluri || '/' || i.uri as who, c.components from calendarinstances i join calendars c on c.id = i.calendarid where i.access = 1 order by 1",
      );
      expect(rows).toEqual([
        { who: 'principals/alice/default', components: 'VEVENT,VJOURNAL,VTODO' },
        { who: 'principals/alice/tasks', components: 'VTODO' },
        { who: 'principals/alice/work', components: 'VEVENT' },
        { who: 'principals/bob/default', components: 'VEVENT,VTODO' },
      ]);
    } finally {
      await db.close();
      await drop();
    }
  });
});
