// Semantic comparison of two iCalendar texts: the same components holding the same properties,
// with the same parameters and values after unfolding. Order of properties, of parameters and of
// sibling components, the case of names, and the quoting of parameter values do not matter
// (RFC 5545 §3.1, §3.2); the value text must be identical.
import { contentLines, valueOf } from './split.ts';

interface Node {
  type: string;
  props: string[];
  children: Node[];
}

export function canonicalProperty(text: string): string {
  const value = valueOf(text);
  const head = text.slice(0, text.length - value.length - 1);
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of head) {
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const name = (parts[0] ?? '').toUpperCase();
  const params = parts
    .slice(1)
    .map((p) => {
      const eq = p.indexOf('=');
      const pname = (eq < 0 ? p : p.slice(0, eq)).toUpperCase();
      const vals = eq < 0 ? [] : splitParamValues(p.slice(eq + 1));
      return `${pname}=${vals.join(',')}`;
    })
    .sort();
  return [name, ...params].join(';') + ':' + value;
}

function splitParamValues(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') {
      quoted = !quoted;
      continue;
    }
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function parseTree(text: string): Node {
  const root: Node = { type: '', props: [], children: [] };
  const stack: Node[] = [root];
  for (const l of contentLines(text)) {
    const top = stack[stack.length - 1]!;
    if (l.name === 'BEGIN') {
      const n: Node = { type: valueOf(l.text).toUpperCase(), props: [], children: [] };
      top.children.push(n);
      stack.push(n);
    } else if (l.name === 'END') {
      if (stack.length > 1) stack.pop();
    } else top.props.push(canonicalProperty(l.text));
  }
  return root;
}

function canonical(n: Node): string {
  return `BEGIN:${n.type}\n${[...n.props].sort().join('\n')}\n${n.children.map(canonical).sort().join('\n')}\nEND:${n.type}`;
}

function flatten(n: Node, path: string, out: string[]): void {
  const here = path ? `${path}/${n.type}` : n.type;
  for (const p of n.props) out.push(`${here} ${p}`);
  for (const c of n.children) flatten(c, here, out);
}

/** Empty when equal; otherwise the lines found on only one side, prefixed with - (sent) or + (read back). */
export function semanticDiff(sent: string, got: string): string[] {
  const a = parseTree(sent);
  const b = parseTree(got);
  if (canonical(a) === canonical(b)) return [];
  const fa: string[] = [];
  const fb: string[] = [];
  flatten(a, '', fa);
  flatten(b, '', fb);
  const count = new Map<string, number>();
  for (const x of fb) count.set(x, (count.get(x) ?? 0) + 1);
  const onlyA: string[] = [];
  for (const x of fa) {
    const c = count.get(x) ?? 0;
    if (c > 0) count.set(x, c - 1);
    else onlyA.push(`- ${x}`);
  }
  const onlyB = [...count].flatMap(([x, c]) => Array<string>(c).fill(`+ ${x}`));
  const diff = [...onlyA, ...onlyB];
  // The same properties, but components added, dropped or nested differently.
  return diff.length ? diff : ['(the same properties, but components added, dropped or nested differently)'];
}
