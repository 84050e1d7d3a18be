// `calendula serve` opens the embedded database before it imports the server (embeddedAhead.ts):
// the server then uses that database, under the same lock, and a directory in use is still refused.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { DataDirBusyError } from '../../src/db/dataDirLock.ts';
import { openEmbeddedAhead, takeEmbeddedAhead } from '../../src/db/embeddedAhead.ts';

const MEMORY = { cacheMb: 16, workMemKb: 2048, maintenanceWorkMemMb: 32 };
const dirs: string[] = [];
const opened: Database[] = [];

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'calendula-ahead-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  // Nothing opened ahead is left for the next test.
  for (const dir of dirs) {
    const left = takeEmbeddedAhead(dir, MEMORY);
    if (left) {
      await (await left.opening).close();
      left.release();
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(process.env.CALENDULA_TEST_ENGINE !== 'postgres')('the embedded database opened ahead of the server (embedded engine only)', () => {
  it('is the database openDatabase uses for that directory, under the lock taken ahead, released on close', async () => {
    const dir = newDir();
    openEmbeddedAhead(dir, MEMORY);
    expect(readFileSync(join(dir, 'calendula.pid'), 'utf8')).toBe(String(process.pid));
    const db = await openDatabase({ url: undefined, dataDir: dir, embeddedMemory: MEMORY });
    opened.push(db);
    expect(takeEmbeddedAhead(dir, MEMORY)).toBeUndefined();
    await db.migrate();
    await db.em().execute("insert into instance_settings (key, value) values ('ahead-test', 'x') on conflict do nothing");
    expect(await db.ping()).toBe(true);
    await db.close();
    opened.pop();
    expect(existsSync(join(dir, 'calendula.pid'))).toBe(false);
    // What was written is there when the directory is opened again.
    const again = await openDatabase({ url: undefined, dataDir: dir, embeddedMemory: MEMORY });
    opened.push(again);
    const rows = await again.em().execute<{ value: string }[]>("select value from instance_settings where key = 'ahead-test'");
    expect(rows).toEqual([{ value: 'x' }]);
  });

  it('is not taken for another directory or other memory settings', async () => {
    const dir = newDir();
    openEmbeddedAhead(dir, MEMORY);
    expect(takeEmbeddedAhead(newDir(), MEMORY)).toBeUndefined();
    expect(takeEmbeddedAhead(dir, { ...MEMORY, cacheMb: 32 })).toBeUndefined();
    const taken = takeEmbeddedAhead(dir, MEMORY);
    expect(taken).toBeDefined();
    await (await taken!.opening).close();
    taken!.release();
  });

  it('refuses a directory another live process holds, as a server start would, and opens nothing', () => {
    const dir = newDir();
    // The test runner's parent process stands for a running server.
    writeFileSync(join(dir, 'calendula.pid'), String(process.ppid));
    expect(() => openEmbeddedAhead(dir, MEMORY)).toThrow(DataDirBusyError);
    expect(takeEmbeddedAhead(dir, MEMORY)).toBeUndefined();
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(false);
  });
});
