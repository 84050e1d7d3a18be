// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by file, top N.
//   npx tsx scripts/cpuprofile-top.ts <file.cpuprofile> [N] [--last-ms T]
// --last-ms counts only the last T ms of the profile (the workload a script ran last).
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const lastAt = args.indexOf('--last-ms');
const lastMs = lastAt === -1 ? Infinity : Number(args.splice(lastAt, 2)[1]);
const [file, nArg] = args;
if (!file) throw new Error('usage: cpuprofile-top <file.cpuprofile> [N]');
const n = Number(nArg ?? 30);
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((x) => [x.id, x]));
const self = new Map<number, number>();
const span = prof.timeDeltas.reduce((a, b) => a + b, 0);
let at = 0;
prof.samples.forEach((id, i) => {
  at += prof.timeDeltas[i] ?? 0;
  if (span - at <= lastMs * 1000) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, t] of self) {
  const node = byId.get(id);
  if (!node) continue;
  const url = node.callFrame.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:').replace(/.*\/work\/main\//, '');
  const key = `${node.callFrame.functionName || '(anon)'} ${url}:${node.callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + t);
  const pkg = url.startsWith('nm:') ? url.split('/').slice(0, url.startsWith('nm:@') ? 2 : 1).join('/') : url || node.callFrame.functionName;
  files.set(pkg, (files.get(pkg) ?? 0) + t);
}
const show = (m: Map<string, number>) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(7)} ms  ${k}`)
    .join('\n');
process.stdout.write(`total ${(total / 1000).toFixed(0)} ms\n\n-- by function (self)\n${show(fn)}\n\n-- by file/package (self)\n${show(files)}\n`);
