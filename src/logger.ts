// Structured logs (pino). Nothing secret is ever logged: no Authorization or Cookie headers, no
// passwords or tokens, and feed secrets in paths are masked by redactPath.
// Format: JSON lines for log collectors, human-readable lines (pino-pretty) when standard output is
// a terminal, or as LOG_FORMAT says.
import { pino, type Logger } from 'pino';
import { createRequire } from 'node:module';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.ts';

export type { Logger };

// pino-pretty only when the lines are for a person: a server logging JSON does not load it.
// (Synchronously, as a logger is made before anything else can wait.)
const load = createRequire(import.meta.url);
function pretty(options: PrettyOptions): PrettyStream {
  return (load('pino-pretty') as (o: PrettyOptions) => PrettyStream)(options);
}

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream, format: LogFormat = 'json'): Logger {
  const out = destination ?? process.stdout;
  const human = format === 'pretty' || (format === 'auto' && (out as NodeJS.WriteStream).isTTY === true);
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'password', 'token', 'secret', '*.password'],
        censor: '[redacted]',
      },
    },
    // In the process, not a transport thread: a log line is written before the next one is made.
    human ? pretty({ destination: out, sync: true, colorize: (out as NodeJS.WriteStream).isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }) : out,
  );
}

/** Masks secrets that travel in URL paths and query strings before a path is logged. */
export function redactPath(path: string): string {
  const q = path.indexOf('?');
  const pathname = q === -1 ? path : path.slice(0, q);
  const masked = pathname.replace(/\/calendars\/[A-Za-z0-9]{32}(?=\/|$)/, '/calendars/[feed]')
    // An answer link's token lets whoever holds it answer for the attendee.
    .replace(/\/answer\/[^/]+/, '/answer/[token]');
  if (q === -1) return masked;
  const params = new URLSearchParams(path.slice(q + 1));
  for (const key of [...params.keys()]) {
    if (/token|password|secret|key/i.test(key)) params.set(key, '[redacted]');
  }
  const rest = params.toString();
  return rest ? `${masked}?${rest}` : masked;
}
