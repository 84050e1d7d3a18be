// Runs the independent recurrence engine (test/helpers/corpus/oracle.py on Debian's
// python3-recurring-ical-events) once for all objects: one process, JSON in and out.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface OracleAnswer {
  windows?: [string, string][];
  results?: { match: boolean; instances: string[] }[];
  dateless?: boolean;
  error?: string;
}

const SCRIPT = fileURLToPath(new URL('./oracle.py', import.meta.url));
export const ORACLE_PYTHON = process.env.CORPUS_PYTHON ?? '/usr/bin/python3';

export function runOracle(objects: { id: string; type: string; ics: string }[]): Promise<Record<string, OracleAnswer>> {
  return new Promise((resolve, reject) => {
    const child = spawn(ORACLE_PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`oracle exited with ${code}: ${Buffer.concat(err).toString().slice(-2000)}`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString()) as Record<string, OracleAnswer>);
      } catch (e) {
        reject(e as Error);
      }
    });
    child.stdin.end(JSON.stringify({ objects }));
  });
}
