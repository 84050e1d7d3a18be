// Structured logs (pino). Nothing secret is ever logged: no Authorization or Cookie headers, no
// passwords or tokens, and feed secrets in paths are masked by redactPath.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'password', 'token', 'secret', '*.password'],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout,
  );
}

/** Masks secrets that travel in URL paths and query strings before a path is logged. */
export function redactPath(path: string): string {
  const q = path.indexOf('?');
  const pathname = q === -1 ? path : path.slice(0, q);
  const masked = pathname.replace(/\/calendars\/[A-Za-z0-9]{32}(?=\/|$)/, '/calendars/[feed]');
  if (q === -1) return masked;
  const params = new URLSearchParams(path.slice(q + 1));
  for (const key of [...params.keys()]) {
    if (/token|password|secret|key/i.test(key)) params.set(key, '[redacted]');
  }
  const rest = params.toString();
  return rest ? `${masked}?${rest}` : masked;
}
