// A loopback HTTP proxy in front of a real CalDAV target: it records every request (to count
// pushes), can hold requests of a method (to catch a worker mid-push), and can go down and come up
// again on the same port (a target that is unreachable for a while).
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from './radicale.ts';

export interface Recorded {
  method: string;
  path: string;
}

export interface Proxy {
  url: string;
  requests: Recorded[];
  /** Requests of this method wait until release() (or forever); `held` resolves when the first arrives. */
  hold(method: string): Promise<void>;
  release(): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  const origin = new URL(target);
  const port = await freePort();
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  let holdMethod: string | undefined;
  let onHeld: (() => void) | undefined;
  let waiting: (() => void)[] = [];
  let server: Server | undefined;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const out = request(
      { host: origin.hostname, port: origin.port, method: req.method, path: req.url, headers: { ...req.headers, host: origin.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '' });
      const go = () => forward(req, res, Buffer.concat(chunks));
      if (holdMethod && req.method === holdMethod) {
        waiting.push(go);
        onHeld?.();
        return;
      }
      go();
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(handler);
      server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hold(method) {
      holdMethod = method;
      return new Promise<void>((resolve) => (onHeld = resolve));
    },
    release() {
      holdMethod = undefined;
      const go = waiting;
      waiting = [];
      for (const g of go) g();
    },
    down: stop,
    up: listen,
    close: stop,
  };
}
