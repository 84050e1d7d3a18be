// Sends a body made in chunks (ICS exports and feeds), waiting while the client reads slowly.
import type { ServerResponse } from 'node:http';

/** Resolves true when the response takes more again, false when its client has gone. */
function writable(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (more: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(more);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * Writes every chunk and ends the response. A client that goes away mid-way stops the source
 * (its `finally` runs: reads in flight are awaited and nothing more is read); waiting for a
 * 'drain' that never comes would keep the source and what it holds for good.
 */
export async function streamBody(res: ServerResponse, chunks: AsyncIterable<string>): Promise<void> {
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    // Encoded here once: a string chunk would be measured (for its chunk header) and then encoded.
    if (chunk && !res.write(Buffer.from(chunk, 'utf8')) && !(await writable(res))) return;
  }
  res.end();
}
