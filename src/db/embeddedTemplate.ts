// The embedded database's first start: a data directory made once by `npm run make:template`
// (initdb and every migration, no installation's data) and shipped as a tarball (brotli: 0.9 MB
// where PGlite's own gzip made 3 MB, as the template databases template0 and template1 repeat).
// Unpacking it costs about 0.5 s of CPU where PGlite's initdb took some 5 s and 800 MB, and the
// migrations it holds need not run again. Migrations newer than the tarball still run at start.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';

export class EmbeddedTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedTemplateError';
  }
}

/** The tarball's place inside the package (this file runs from src/db or bundled into dist/). */
export function templatePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new EmbeddedTemplateError('cannot find the package root of the embedded database template');
    dir = up;
  }
  return join(dir, 'src', 'db', 'template', 'embedded.tar.br');
}

interface TarEntry {
  name: string;
  type: 'file' | 'dir';
  mode: number;
  data: Uint8Array;
}

const BLOCK = 512;

function field(block: Uint8Array, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end));
}

/** Reads a ustar archive (what PGlite's dumpDataDir writes): regular files and directories only. */
function readTar(tar: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const prefix = field(header, 345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(header, 0, 100);
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const mode = parseInt(field(header, 100, 8).trim() || '600', 8);
    const flag = String.fromCharCode(header[156] ?? 0);
    at += BLOCK;
    if (flag === '0' || flag === '\0') entries.push({ name, type: 'file', mode, data: tar.subarray(at, at + size) });
    else if (flag === '5') entries.push({ name, type: 'dir', mode, data: new Uint8Array() });
    else throw new EmbeddedTemplateError(`unexpected entry "${name}" (type ${flag}) in the embedded database template`);
    at += Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

function writeDurably(path: string, data: Uint8Array, mode: number): void {
  const fd = openSync(path, 'w', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Unpacks the template into `dataDir`. PG_VERSION, the mark of a complete data directory, is
 * written last, so that a start killed half-way leaves a directory the next start unpacks again.
 */
export function unpackTemplate(dataDir: string, path = templatePath()): void {
  let entries: TarEntry[];
  try {
    entries = readTar(brotliDecompressSync(readFileSync(path)));
  } catch (e) {
    if (e instanceof EmbeddedTemplateError) throw e;
    throw new EmbeddedTemplateError(`cannot read the embedded database template ${path}: ${(e as Error).message} (npm run make:template makes it again)`);
  }
  // The tarball names everything under one top folder (the data directory's name when dumped).
  const strip = (name: string) => name.slice(name.indexOf('/') + 1).replace(/\/$/, '');
  let version: TarEntry | undefined;
  for (const entry of entries) {
    const rel = strip(entry.name);
    if (!rel || rel === entry.name.replace(/\/$/, '')) continue;
    const target = normalize(join(dataDir, rel));
    if (!target.startsWith(normalize(dataDir) + sep)) throw new EmbeddedTemplateError(`entry "${entry.name}" leaves the data directory`);
    // The pid file of the PGlite that made the dump means nothing here.
    if (rel === 'postmaster.pid') continue;
    if (rel === 'PG_VERSION') version = entry;
    else if (entry.type === 'dir') mkdirSync(target, { recursive: true, mode: 0o700 });
    else {
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      writeDurably(target, entry.data, 0o600);
    }
  }
  if (!version) throw new EmbeddedTemplateError(`the embedded database template ${path} holds no PG_VERSION`);
  const tmp = join(dataDir, 'PG_VERSION.unpacking');
  writeDurably(tmp, version.data, 0o600);
  renameSync(tmp, join(dataDir, 'PG_VERSION'));
}
