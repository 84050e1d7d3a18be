import { readFileSync } from 'node:fs';
const [file, name, depthArg] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file!, 'utf8'));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byId = new Map(prof.nodes.map((x: any) => [x.id, x]));
const self = new Map<number, number>();
prof.samples.forEach((id: number, i: number) => self.set(id, (self.get(id) ?? 0) + prof.timeDeltas[i]));
const chains = new Map<string, number>();
for (const [id, t] of self) {
  const node: any = byId.get(id);
  if (node.callFrame.functionName !== name) continue;
  const chain: string[] = [];
  let cur = parent.get(id);
  for (let i = 0; i < Number(depthArg ?? 8) && cur !== undefined; i++) {
    const p: any = byId.get(cur);
    chain.push(`${p.callFrame.functionName || '(anon)'}@${p.callFrame.url.replace(/.*node_modules\//, '').replace(/.*work\/main\//, '')}:${p.callFrame.lineNumber + 1}`);
    cur = parent.get(cur);
  }
  const k = chain.join(' < ');
  chains.set(k, (chains.get(k) ?? 0) + t);
}
for (const [k, t] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log((t / 1000).toFixed(0), 'ms', k, '\n');
