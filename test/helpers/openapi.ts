// Validates responses against an OpenAPI 3.1 document (JSON Schema 2020-12, via ajv).
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { expect } from 'vitest';

type Doc = {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components: Record<string, Record<string, unknown>>;
};

function rewriteRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rewriteRefs);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === '$ref' && typeof x === 'string' && x.startsWith('#/') ? `api${x}` : rewriteRefs(x);
    return out;
  }
  return v;
}

export class OpenApi {
  private readonly doc: Doc;
  private readonly ajv: InstanceType<typeof Ajv2020>;
  private readonly prefix: string;
  readonly seen = new Set<string>();

  constructor(file: string, prefix: string) {
    this.doc = parse(readFileSync(file, 'utf8')) as Doc;
    this.prefix = prefix;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: unknown) => void)(this.ajv);
    this.ajv.addSchema({ $id: 'api', components: rewriteRefs(this.doc.components) });
  }

  private operation(method: string, path: string): { template: string; op: { responses?: Record<string, unknown> } } {
    const rel = path.split('?')[0]!.slice(this.prefix.length) || '/';
    for (const [template, ops] of Object.entries(this.doc.paths)) {
      const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
      if (re.test(rel) && ops[method.toLowerCase()]) return { template, op: ops[method.toLowerCase()]! };
    }
    throw new Error(`no operation for ${method} ${rel} in the OpenAPI document`);
  }

  private resolve(x: unknown): Record<string, unknown> {
    let cur = x as Record<string, unknown>;
    while (cur && typeof cur.$ref === 'string') {
      const parts = (cur.$ref as string).replace(/^#\//, '').split('/');
      let target: unknown = this.doc;
      for (const p of parts) target = (target as Record<string, unknown>)[p];
      cur = target as Record<string, unknown>;
    }
    return cur;
  }

  /** Asserts that the answer is documented: the status for the operation and the body's schema. */
  check(method: string, path: string, status: number, body: unknown): void {
    const { template, op } = this.operation(method, path);
    this.seen.add(`${method.toUpperCase()} ${template} ${status}`);
    let response = op.responses?.[String(status)];
    if (!response && status >= 400) response = { $ref: '#/components/responses/Error' };
    expect(response, `${method} ${template} documents ${status}`).toBeDefined();
    const resolved = this.resolve(response);
    const content = resolved.content as Record<string, { schema?: unknown }> | undefined;
    const schema = content ? Object.values(content)[0]?.schema : undefined;
    if (!schema) return;
    const validate = this.ajv.compile(rewriteRefs(schema) as object);
    const ok = validate(body);
    expect(ok, `${method} ${path} ${status}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(body)}`).toBe(true);
  }
}
