// Inclusive time per function of a V8 .cpuprofile (time of samples whose stack holds it).
//   npx tsx scripts/cpuprofile-inclusive.ts <file.cpuprofile> [N] [filter] [--last-ms T]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const args = process.argv.slice(2);
const lastAt = args.indexOf('--last-ms');
const lastMs = lastAt === -1 ? Infinity : Number(args.splice(lastAt, 2)[1]);
const [file, nArg, filter] = args;
const prof = JSON.parse(readFileSync(file as string, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byId = new Map(prof.nodes.map((x) => [x.id, x]));
const label = (n: Node) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, 'nm:').replace(/.*\/work\/main\//, '')}:${n.callFrame.lineNumber + 1}`;
const incl = new Map<string, number>();
let total = 0;
const span = prof.timeDeltas.reduce((a, b) => a + b, 0);
let at = 0;
prof.samples.forEach((id, i) => {
  const t = prof.timeDeltas[i] ?? 0;
  at += t;
  if (span - at > lastMs * 1000) return;
  const leaf = byId.get(id);
  if (leaf?.callFrame.functionName === '(idle)') return;
  total += t;
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label(byId.get(cur) as Node);
    if (!seen.has(k)) {
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + t);
    }
  }
});
process.stdout.write(`busy ${(total / 1000).toFixed(0)} ms\n`);
for (const [k, t] of [...incl].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, Number(nArg ?? 40))) {
  process.stdout.write(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}\n`);
}
