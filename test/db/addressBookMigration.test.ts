// The CardDAV migration on a database that held users before it: each gets the `default` address
// book, the tables keep sabre/dav's names, and their foreign keys cascade.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
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

describe('the CardDAV migration', () => {
  it('gives every existing user the address book `default` named Contacts, and principals without a user none', async () => {
    const { db, drop } = await emptyDatabase();
    try {
      await db.orm.getMigrator().up({ to: 'Migration20261207120000' });
      const sql = db.em().getConnection();
      for (const u of ['alice', 'bob']) {
        await sql.execute(`insert into principals (uri) values ('principals/${u}')`);
        await sql.execute(`insert into users (username, password_hash) values ('${u}', 'x')`);
      }
      // A group principal has no user and no address-book home.
      await sql.execute(`insert into principals (uri, is_main) values ('principals/team', false)`);
      expect(await db.migrate()).toContain('Migration20261207130000');

      const books = await sql.execute<{ principaluri: string; uri: string; displayname: string; synctoken: number; cardcount: number }[]>(
        'select principaluri, uri, displayname, synctoken, cardcount from addressbooks order by principaluri',
      );
      expect(books).toEqual([
        { principaluri: 'principals/alice', uri: 'default', displayname: 'Contacts', synctoken: 1, cardcount: 0 },
        { principaluri: 'principals/bob', uri: 'default', displayname: 'Contacts', synctoken: 1, cardcount: 0 },
      ]);

      // sabre/dav's unique names and real foreign keys, cascading from the principal to the cards.
      const constraints = new Map(
        (await sql.execute<{ conname: string; contype: string }[]>("select conname, contype from pg_constraint where connamespace = 'public'::regnamespace")).map((c) => [c.conname, c.contype]),
      );
      for (const [name, type] of [
        ['addressbooks_principaluri_uri_unique', 'u'],
        ['cards_addressbookid_uri_unique', 'u'],
        ['cards_addressbookid_uid_unique', 'u'],
        ['addressbooks_principaluri_foreign', 'f'],
        ['cards_addressbookid_foreign', 'f'],
        ['addressbookchanges_addressbookid_foreign', 'f'],
      ]) {
        expect(constraints.get(name!), name).toBe(type);
      }
      const [alice] = await sql.execute<{ id: number }[]>("select id from addressbooks where principaluri = 'principals/alice'");
      await sql.execute(`insert into cards (addressbookid, carddata, uri, lastmodified, etag, size, uid) values (${alice!.id}, 'BEGIN:VCARD', 'a.vcf', 0, 'e', 11, 'u')`);
      await sql.execute(`insert into addressbookchanges (uri, synctoken, addressbookid, operation) values ('a.vcf', 1, ${alice!.id}, 1)`);
      await expect(
        sql.execute(`insert into cards (addressbookid, carddata, uri, lastmodified, etag, size, uid) values (${alice!.id}, 'BEGIN:VCARD', 'b.vcf', 0, 'e', 11, 'u')`),
      ).rejects.toThrow(/cards_addressbookid_uid_unique/);
      await sql.execute("delete from users where username = 'alice'");
      await sql.execute("delete from principals where uri = 'principals/alice'");
      const left = await sql.execute<{ books: number; cards: number; changes: number }[]>(
        'select (select count(*)::int from addressbooks) as books, (select count(*)::int from cards) as cards, (select count(*)::int from addressbookchanges) as changes',
      );
      expect(left).toEqual([{ books: 1, cards: 0, changes: 0 }]);
    } finally {
      await db.close();
      await drop();
    }
    // A fresh PGlite database and every migration take tens of seconds on a busy machine.
  }, 240_000);
});
