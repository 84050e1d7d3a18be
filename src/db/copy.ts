// Copies every row of one Calendula database into another (empty, migrated) one: how a server
// moves from the embedded PGlite to PostgreSQL. Both sides run the same migrations, so the
// tables and columns match; rows go in foreign-key order, then sequences are moved past them.
import type { Database } from './database.ts';

interface Column {
  name: string;
  type: string;
}

const BATCH = 500;

async function tablesInDependencyOrder(db: Database): Promise<string[]> {
  const conn = db.em().getConnection();
  const tables = (
    await conn.execute<{ table_name: string }[]>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations'",
    )
  ).map((r) => r.table_name);
  const deps = await conn.execute<{ child: string; parent: string }[]>(
    `select c.relname as child, p.relname as parent from pg_constraint k
       join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
      where k.contype = 'f' and k.connamespace = 'public'::regnamespace`,
  );
  const ordered: string[] = [];
  const pending = new Set(tables);
  while (pending.size) {
    const ready = [...pending].filter((t) =>
      deps.every((d) => d.child !== t || d.parent === t || !pending.has(d.parent)),
    );
    if (!ready.length) throw new Error('cyclic foreign keys');
    for (const t of ready.sort()) {
      ordered.push(t);
      pending.delete(t);
    }
  }
  return ordered;
}

async function columnsOf(db: Database, table: string): Promise<Column[]> {
  return (
    await db
      .em()
      .getConnection()
      .execute<{ column_name: string; data_type: string }[]>(
        "select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = ? order by ordinal_position",
        [table],
      )
  ).map((r) => ({ name: r.column_name, type: r.data_type }));
}

const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

/** Copies all rows; the target must be migrated and hold no users yet. Returns rows per table. */
export async function copyDatabase(from: Database, to: Database): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const existing = await to.em().getConnection().execute<{ n: string }[]>('select count(*) as n from users');
  if (Number(existing[0]?.n ?? 0) > 0) throw new Error('the target database already has users; copy into an empty one');
  const tables = await tablesInDependencyOrder(from);
  await to.em().transactional(async (target) => {
    // A fresh target has only what start-up could have created; clear it so ids line up.
    for (const t of [...tables].reverse()) await target.execute(`delete from ${quote(t)}`);
    for (const table of tables) {
      const columns = await columnsOf(from, table);
      const names = columns.map((c) => quote(c.name)).join(', ');
      const key = columns[0] ? quote(columns[0].name) : '1';
      let copied = 0;
      for (let offset = 0; ; offset += BATCH) {
        const rows = await from
          .em()
          .getConnection()
          .execute<Record<string, unknown>[]>(`select ${names} from ${quote(table)} order by ${key} limit ${BATCH} offset ${offset}`);
        if (!rows.length) break;
        const placeholders = rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
        const values = rows.flatMap((row) =>
          columns.map((c) => {
            const v = row[c.name];
            // JSON columns come back parsed; send them as JSON text (arrays would become SQL arrays).
            return (c.type === 'jsonb' || c.type === 'json') && v !== null ? JSON.stringify(v) : v;
          }),
        );
        await target.execute(`insert into ${quote(table)} (${names}) values ${placeholders}`, values as never[]);
        copied += rows.length;
        if (rows.length < BATCH) break;
      }
      counts.set(table, copied);
      for (const c of columns) {
        const seq = await target.execute<{ seq: string | null }[]>('select pg_get_serial_sequence(?, ?) as seq', [table, c.name]);
        if (seq[0]?.seq) {
          await target.execute(
            `select setval(?, coalesce((select max(${quote(c.name)}) from ${quote(table)}), 0) + 1, false)`,
            [seq[0].seq],
          );
        }
      }
    }
  });
  return counts;
}
