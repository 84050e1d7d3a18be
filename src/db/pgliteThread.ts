// The embedded database's thread: PGlite runs its queries (WebAssembly, synchronous while they
// run) here, so that a long query never holds the request loop. Messages in: query, exec, close;
// out: the results, or the error with PostgreSQL's fields (code, detail, constraint…).
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import { openPgliteHere } from './pgliteEngine.ts';
import type { PgliteReply, PgliteRequest, PgliteThreadOptions } from './pgliteProxy.ts';

const port = parentPort;
if (!port) throw new Error('pgliteThread runs as a worker thread');
const { dataDir, memory } = workerData as PgliteThreadOptions;

function errorFields(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e) };
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  for (const [k, v] of Object.entries(e)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

let db: PGlite;
try {
  db = await openPgliteHere(dataDir, memory);
  port.postMessage({ id: 0, ok: true, value: null } satisfies PgliteReply);
} catch (e) {
  port.postMessage({ id: 0, ok: false, error: errorFields(e) } satisfies PgliteReply);
  throw e;
}

port.on('message', async (msg: PgliteRequest) => {
  try {
    let value: unknown;
    if (msg.op === 'query') value = await db.query(msg.sql, msg.params);
    else if (msg.op === 'exec') value = await db.exec(msg.sql);
    else {
      await db.close();
      value = null;
    }
    port.postMessage({ id: msg.id, ok: true, value } satisfies PgliteReply);
    if (msg.op === 'close') port.close();
  } catch (e) {
    port.postMessage({ id: msg.id, ok: false, error: errorFields(e) } satisfies PgliteReply);
  }
});
