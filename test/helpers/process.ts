// Runs the real `calendula` command (bin/calendula.js) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/calendula.js');

export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout or stderr, or rejects when the process exits first. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** A clean environment: no settings leak in from the test runner's own. */
export function baseEnv(extra: Record<string, string>): Record<string, string> {
  // info: the start-up banner is a log line at that level.
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...extra };
}

export function emptyCwd(): string {
  return mkdtempSync(join(tmpdir(), 'calendula-cwd-'));
}

export function spawnCalendula(args: string[], env: Record<string, string>, opts: { cwd?: string; stdin?: string } = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: baseEnv(env),
    cwd: opts.cwd ?? emptyCwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  else child.stdin?.end();
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${re}; stdout: ${out}\nstderr: ${err}`));
        }, timeoutMs);
        const check = () => {
          const m = out.match(re) ?? err.match(re);
          if (m) {
            cleanup();
            resolvePromise(m);
          }
        };
        const onExit = (code: number | null) => {
          cleanup();
          reject(new Error(`exited with ${code} before ${re}; stdout: ${out}\nstderr: ${err}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.stderr?.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        child.on('exit', onExit);
        check();
      });
    },
  };
}

/** Runs a command to completion. */
export async function runCalendula(
  args: string[],
  env: Record<string, string>,
  opts: { cwd?: string; stdin?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnCalendula(args, env, opts);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
