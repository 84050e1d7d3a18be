// Another program's reading of edited series: python3-icalendar parses each object and
// python3-recurring-ical-events expands it (test/helpers/seriesOracle.py), one process per call.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ORACLE_PYTHON } from './corpus/oracle.ts';

export interface OracleInstance {
  uid: string;
  /** DTSTART in UTC (YYYYMMDDTHHMMSSZ) or a date (YYYYMMDD). */
  start: string;
  summary: string;
  rid: string | null;
}

const SCRIPT = fileURLToPath(new URL('./seriesOracle.py', import.meta.url));

/** The instances of each object between two dates (YYYYMMDD); throws when an object cannot be read. */
export function expandElsewhere(objects: string[], start: string, end: string): Promise<OracleInstance[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(ORACLE_PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the oracle exited with ${code}: ${Buffer.concat(err).toString().slice(-2000)}`));
      const answer = JSON.parse(Buffer.concat(out).toString()) as (OracleInstance[] | { error: string })[];
      const bad = answer.find((a): a is { error: string } => !Array.isArray(a));
      if (bad) return reject(new Error(`python3-icalendar cannot read an object: ${bad.error}`));
      resolve(answer as OracleInstance[][]);
    });
    child.stdin.end(JSON.stringify({ objects, start, end }));
  });
}
