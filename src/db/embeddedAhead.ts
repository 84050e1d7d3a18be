// `calendula serve` on the embedded engine opens the database in its thread before the process
// imports the server's code: opening PGlite (its WebAssembly compiled, the data directory read)
// and importing the server's modules each take about a second, and on two cores they need not
// wait for each other. openDatabase then takes the opened database from here.
import { mkdirSync } from 'node:fs';
import type { EmbeddedMemory } from '../config.ts';
import { lockDataDir } from './dataDirLock.ts';
import { openPglite, type EmbeddedDatabase } from './pgliteProxy.ts';

interface Ahead {
  dataDir: string;
  memory: EmbeddedMemory;
  opening: Promise<EmbeddedDatabase>;
  release: () => void;
}

let ahead: Ahead | undefined;

/**
 * Locks `dataDir` and starts opening its database. Throws DataDirBusyError as openDatabase would;
 * a failure to open is kept for openDatabase to report.
 */
export function openEmbeddedAhead(dataDir: string, memory: EmbeddedMemory): void {
  if (ahead) return;
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(dataDir);
  const opening = openPglite(dataDir, memory);
  // Reported when taken; unobserved until then.
  opening.catch(() => {});
  ahead = { dataDir, memory, opening, release };
}

/** The database opened ahead for this directory and these settings (once), with its lock's release. */
export function takeEmbeddedAhead(dataDir: string, memory: EmbeddedMemory | undefined): Omit<Ahead, 'dataDir' | 'memory'> | undefined {
  const a = ahead;
  if (!a || a.dataDir !== dataDir || JSON.stringify(a.memory) !== JSON.stringify(memory)) return undefined;
  ahead = undefined;
  return { opening: a.opening, release: a.release };
}
