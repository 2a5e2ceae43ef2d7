import fc from 'fast-check';

/**
 * Bad inputs drawn from an operation of /openapi.json (the bad-input sweep,
 * test/e2e/contract/bad-input-sweep.test.ts): a plausible body built from the
 * request schema, then one fault at a time (a field missing, of the wrong
 * type, too long, out of range, an unknown enum value or key, a time that is
 * not one), bad query values, bad path segments. Deterministic: the only
 * randomness is fast-check's, with a fixed seed.
 */
export type JsonSchema = Record<string, any>;

/** `schema` with its `$ref`s (JSON pointers into `document`) followed, at most 20 deep; a dangling one is `{}`. */
export function resolveRef(document: JsonSchema, schema: JsonSchema | undefined): JsonSchema {
  let current = schema ?? {};
  for (let i = 0; current.$ref && i < 20; i++) {
    const pointer = String(current.$ref).replace(/^#\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    current = pointer.reduce((node: any, key) => node?.[key], document) ?? {};
  }
  return current;
}

export const SEED = 20261201;

/** A body fault: `body` is sent as JSON, `raw` as it is; `path` is the field at fault (dot path, '' for the body itself). */
export interface BodyFault {
  label: string;
  body?: unknown;
  raw?: string;
  path: string;
  /** An unknown key: the fault is the key, in the object at `path`. */
  unknownKey?: string;
}

export class SchemaWalker {
  constructor(private readonly document: JsonSchema) {}

  resolve(schema: JsonSchema | undefined): JsonSchema {
    return resolveRef(this.document, schema);
  }

  /** The schema without its null branch (`anyOf: [X, {type: null}]` → X). */
  nonNull(schema: JsonSchema): JsonSchema {
    const s = this.resolve(schema);
    const options = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
    if (!options) return s;
    const first = options.map((o) => this.resolve(o)).find((o) => o.type !== 'null');
    return first ? this.nonNull(first) : s;
  }

  /** A value the schema should accept (best effort: refinements the document cannot draw are not known here). */
  sample(schema: JsonSchema, name = '', depth = 0): unknown {
    const s = this.nonNull(schema);
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum)) return s.enum[0];
    const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
    switch (type) {
      case 'string':
        return sampleString(s, name);
      case 'integer':
      case 'number': {
        const low = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
        return s.maximum !== undefined && s.maximum < low ? s.maximum : low;
      }
      case 'boolean':
        return true;
      case 'null':
        return null;
      case 'array': {
        const count = s.minItems ?? 0;
        return Array.from({ length: count }, () => this.sample(s.items ?? {}, name, depth + 1));
      }
      case 'object':
      default: {
        if (depth > 5) return {};
        const required: string[] = s.required ?? [];
        return Object.fromEntries(Object.entries<JsonSchema>(s.properties ?? {})
          .filter(([key]) => required.includes(key))
          .map(([key, property]) => [key, this.sample(property, key, depth + 1)]));
      }
    }
  }

  /** One fault at a time in a body built from `schema`; the caller keeps those the schema itself refuses. */
  bodyFaults(schema: JsonSchema): { base: unknown; faults: BodyFault[] } {
    const root = this.nonNull(schema);
    const base = this.sample(root);
    const faults: BodyFault[] = [
      { label: 'not JSON', raw: '{"unterminated": ', path: '' },
      { label: 'JSON, then garbage', raw: '{} {}', path: '' },
      { label: 'an array', body: [], path: '' },
      { label: 'a string', body: 'a string', path: '' },
      { label: 'null', raw: 'null', path: '' },
      { label: 'a number', raw: '42', path: '' },
      { label: 'arrays nested 5,000 deep', raw: `${'['.repeat(5000)}${']'.repeat(5000)}`, path: '' },
    ];
    // A body with a default (PUT /users/{id}/memberships/{nodeId}: {}) may be left out.
    if (!('default' in this.resolve(schema))) faults.push({ label: 'an empty body', raw: '', path: '' });
    if (root.type === 'object') {
      // Keys JSON.parse makes own properties, which a careless merge would turn into the prototype's (only where unknown keys are refused).
      if (root.additionalProperties === false) {
        faults.push({ label: '__proto__ and constructor keys', raw: JSON.stringify(base).replace(/^\{/, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},').replace(/,\}$/, '}'), path: '', unknownKey: '__proto__' });
      }
      this.objectFaults(root, base as Record<string, unknown>, [], faults, { hugeSent: false }, 0);
    }
    return { base, faults };
  }

  private objectFaults(schema: JsonSchema, value: Record<string, unknown>, at: (string | number)[], faults: BodyFault[], state: { hugeSent: boolean }, depth: number) {
    const here = (key: string | number) => [...at, key];
    const put = (path: (string | number)[], v: unknown) => setAt(value, at, path.slice(at.length), v);
    const required: string[] = schema.required ?? [];
    for (const [key, propertySchema] of Object.entries<JsonSchema>(schema.properties ?? {})) {
      const path = here(key);
      const dotted = path.join('.');
      const property = this.nonNull(propertySchema);
      const rootBody = (v: unknown) => ({ root: put(path, v) });
      const add = (label: string, v: unknown) => faults.push({ label: `${dotted}: ${label}`, body: rootBody(v).root, path: dotted });
      if (required.includes(key)) faults.push({ label: `${dotted}: missing`, body: setAt(value, at, [], omit(getAt(value, at) as Record<string, unknown>, key)), path: dotted });
      for (const [label, wrong] of WRONG_TYPES) add(label, wrong);
      const type = Array.isArray(property.type) ? property.type.find((t: string) => t !== 'null') : property.type;
      if (Array.isArray(property.enum)) add('an unknown enum value', 'sweep-unknown-value');
      if (type === 'string') {
        if (property.maxLength !== undefined) add(`${property.maxLength + 1} characters (maxLength ${property.maxLength})`, 'x'.repeat(property.maxLength + 1));
        if (property.minLength) add('empty', '');
        if (property.format === 'date-time') {
          add('not a date', 'yesterday');
          add('no such day', '2026-02-30T09:00:00Z');
        }
        if (property.pattern) add('control characters, unicode, ../ and %', '../é\u0000%%%');
        if (!state.hugeSent) {
          state.hugeSent = true;
          add('300 KB', 'y'.repeat(300 * 1024));
        }
      }
      if (type === 'integer' || type === 'number') {
        if (property.minimum !== undefined) add(`below minimum ${property.minimum}`, property.minimum - 1);
        if (property.maximum !== undefined) add(`above maximum ${property.maximum}`, property.maximum + 1);
        if (type === 'integer') add('not an integer', 1.5);
        add('negative', -1);
        add('1e9', 1e9);
        const marker = '"__sweep_infinity__"';
        faults.push({ label: `${dotted}: 1e400 (Infinity once parsed)`, raw: JSON.stringify(rootBody('__sweep_infinity__').root).replace(marker, '1e400'), path: dotted });
      }
      if (type === 'array') {
        const item = this.sample(property.items ?? {}, key, depth + 1);
        if (property.maxItems !== undefined && property.maxItems <= 1000) add(`${property.maxItems + 1} items (maxItems ${property.maxItems})`, Array.from({ length: property.maxItems + 1 }, () => item));
        if (property.minItems) add('no items', []);
        const items = this.nonNull(property.items ?? {});
        if (items.type === 'object' && depth < 3) {
          const withItem = put(path, [item]) as Record<string, unknown>;
          this.objectFaults(items, withItem, [...path, 0], faults, state, depth + 1);
        } else {
          for (const [label, wrong] of WRONG_TYPES.filter(([l]) => l !== 'null')) add(`an item that is ${label}`, [wrong]);
        }
      }
      if (type === 'object' || (!type && property.properties)) {
        if (property.properties && depth < 3) this.objectFaults(property, put(path, this.sample(property, key, depth + 1)) as Record<string, unknown>, path, faults, state, depth + 1);
        const values = property.additionalProperties;
        if (values && typeof values === 'object') {
          for (const [label, wrong] of WRONG_TYPES) {
            if (label === 'null' && this.resolve(values).type === 'null') continue;
            faults.push({ label: `${dotted}.sweepKey: ${label}`, body: put(path, { sweepKey: wrong }), path: `${dotted}.sweepKey` });
          }
        }
        if (property.propertyNames) faults.push({ label: `${dotted}: a key its pattern refuses`, body: put(path, { ['bad key/é'.repeat(10)]: values && typeof values === 'object' ? this.sample(values) : 1 }), path: dotted });
      }
    }
    if (schema.additionalProperties === false) {
      faults.push({ label: `${at.join('.') || 'body'}: an unknown key`, body: setAt(value, at, [], { ...(getAt(value, at) as object), sweepUnknownKey: 1 }), path: at.join('.'), unknownKey: 'sweepUnknownKey' });
    }
  }
}

/** The values a field of another type gets. */
export const WRONG_TYPES: [string, unknown][] = [
  ['a string', 'sweep'],
  ['a number', 12345],
  ['a boolean', true],
  ['an object', { sweep: 1 }],
  ['an array', ['sweep']],
  ['null', null],
];

function sampleString(s: JsonSchema, name: string): string {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 64;
  if (s.format === 'date-time') return '2030-06-01T09:00:00Z';
  if (s.format === 'email' || /email/i.test(name)) return 'sweep@test.example';
  if (s.pattern) {
    const matches = fc.sample(fc.stringMatching(new RegExp(s.pattern)), { seed: SEED, numRuns: 50 });
    const fit = matches.find((m) => m.length >= Math.max(min, 1) && m.length <= max && !/[\s]/.test(m));
    if (fit !== undefined) return fit;
  }
  return 'sweep'.padEnd(Math.max(min, 1), 'x').slice(0, Math.max(Math.min(max, 16), min));
}

function omit(value: Record<string, unknown>, key: string) {
  const { [key]: _gone, ...rest } = value;
  return rest;
}

function getAt(root: unknown, path: (string | number)[]): unknown {
  return path.reduce((node: any, key) => node?.[key], root);
}

/** A copy of `root` with `relative` (under `at`) set to `value`; `relative` empty replaces the value at `at`. */
function setAt(root: unknown, at: (string | number)[], relative: (string | number)[], value: unknown): unknown {
  const full = [...at, ...relative];
  const copy = structuredClone(root);
  if (full.length === 0) return value;
  let node: any = copy;
  for (const key of full.slice(0, -1)) node = node[key];
  node[full[full.length - 1]!] = value;
  return copy;
}
