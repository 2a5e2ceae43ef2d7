import fc from 'fast-check';
import { resolveRef, type JsonSchema } from './bad-inputs';

/**
 * Values a JSON Schema (of /openapi.json) ACCEPTS, drawn from the schema
 * alone: the other direction of test/support/bad-inputs.ts. Used by the
 * strictness guard (test/unit/contract/openapi-no-looser.test.ts): whatever
 * the document accepts, the route's validator must accept too.
 *
 * fast-check (already a dev dependency, for the property tests) gives the
 * random draws: strings from the schema's `pattern` (fc.stringMatching),
 * lengths and ranges from its bounds, optional keys sometimes present, keys
 * the schema does not name where it allows them. Beside the random draws come
 * the edges a looser document is most often wrong about: the empty object, the
 * longest string, the extremes of a range, a string of 10,000 characters or
 * an array of 1,000 items where the document names no bound. The caller keeps
 * only the draws the document really accepts (ajv), so the generator may be
 * approximate but never makes the guard pass wrongly. Deterministic: one seed.
 */
export type { JsonSchema };

export const SAMPLE_SEED = 20261202;

/** Where a schema has no bound, the edge draws use these (past any limit the service keeps). */
const UNBOUNDED_STRING = 10_000;
const UNBOUNDED_ITEMS = 1_000;
const UNBOUNDED_NUMBER = 1e12;

/** Characters the random strings mix in: control characters, spaces, accents, symbols, a path's separators. */
const AWKWARD = fc.constantFrom('\u0000', '\u001f', '\u007f', '\t', '\n', ' ', 'é', '✓', '/', '%', '"', '\\', '<', '@', '.', '*', ',');

export class DocumentSamples {
  constructor(private readonly document: JsonSchema) {}

  resolve(schema: JsonSchema | undefined): JsonSchema {
    return resolveRef(this.document, schema);
  }

  /** `count` random draws and the edges, deterministic for one seed. */
  samples(schema: JsonSchema, count = 60): unknown[] {
    const random = fc.sample(this.arbitrary(schema, 0), { seed: SAMPLE_SEED, numRuns: count });
    // As JSON carries them (plain objects, no -0 nor undefined), which is also how a request body arrives.
    return [...this.edges(schema, 0), ...random].map((value) => (value === undefined ? value : JSON.parse(JSON.stringify(value))));
  }

  arbitrary(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    if ('const' in s) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    const options = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
    if (options) return fc.oneof(...options.map((o) => this.arbitrary(o, depth)));
    if (Array.isArray(s.allOf)) return this.arbitrary({ ...s, allOf: undefined, ...Object.assign({}, ...s.allOf.map((o: JsonSchema) => this.resolve(o))) }, depth);
    const type = Array.isArray(s.type) ? s.type[0] : s.type ?? (s.properties || s.additionalProperties ? 'object' : undefined);
    switch (type) {
      case 'string':
        return this.string(s);
      case 'integer':
        return fc.integer({ min: s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000_000_000), max: s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1_000_000_000) });
      case 'number':
        return fc.double({ min: s.minimum ?? -UNBOUNDED_NUMBER, max: s.maximum ?? UNBOUNDED_NUMBER, noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return fc.array(this.arbitrary(s.items ?? {}, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) });
      case 'object':
        return this.object(s, depth);
      default:
        // No type: anything JSON carries.
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private string(s: JsonSchema): fc.Arbitrary<string> {
    const minLength = s.minLength ?? 0;
    const maxLength = Math.min(s.maxLength ?? 300, 300);
    if (s.pattern) {
      // Repeated up to minLength and cut at maxLength (right for the usual `^[class]+$`; ajv drops a value that no longer matches).
      // fast-check draws no lookaround: drawn without it (ajv drops what it would refuse).
      const drawable = String(s.pattern).replace(/\(\?<?[!=](?:[^()\\]|\\.)*\)/g, '');
      return fc.stringMatching(new RegExp(drawable, 'u')).map((v) => (v.length && v.length < minLength ? v.repeat(Math.ceil(minLength / v.length)) : v).slice(0, s.maxLength ?? UNBOUNDED_STRING));
    }
    if (s.format === 'email') return fc.emailAddress();
    if (s.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date('1970-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z') }).map((d) => d.toISOString());
    const unit = fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme-ascii' }) }, { weight: 1, arbitrary: AWKWARD });
    return fc.string({ minLength, maxLength: Math.max(minLength, maxLength), unit });
  }

  private object(s: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const properties = Object.entries<JsonSchema>(s.properties ?? {});
    const required = new Set<string>(s.required ?? []);
    const named = fc.record(Object.fromEntries(properties.map(([key, property]) => [key, this.arbitrary(property, depth + 1)])), { requiredKeys: properties.map(([key]) => key).filter((key) => required.has(key)) });
    const extra = s.additionalProperties;
    if (extra === false || depth > 4) return named;
    // Keys the schema does not name, where it allows them (`additionalProperties` absent, `true` or a schema).
    const keys = s.propertyNames ? this.string(this.resolve(s.propertyNames)) : fc.string({ minLength: 1, maxLength: 12 });
    const values = extra && typeof extra === 'object' ? this.arbitrary(extra, depth + 1) : fc.jsonValue({ maxDepth: 1 });
    const others = fc.dictionary(keys.filter((key) => !(s.properties && key in s.properties) && key !== '__proto__'), values, { maxKeys: 3 });
    return fc.tuple(named, others).map(([a, b]) => ({ ...b, ...a }));
  }

  /** The boundary values: the first of each list is the smallest valid one where it can be built. */
  edges(schema: JsonSchema, depth: number): unknown[] {
    const s = this.resolve(schema);
    if (s.type === 'string' && !('const' in s) && !s.enum) {
      // White space that a trim would take away: only spaces, and a value padded up to minLength.
      const min = Math.max(s.minLength ?? 0, 1);
      return [...this.stringEdges(s), ' '.repeat(min), `${' '.repeat(min - 1)}x`, `x${' '.repeat(min - 1)}`];
    }
    return this.otherEdges(s, depth);
  }

  private stringEdges(s: JsonSchema): string[] {
    if (s.pattern || s.format) {
      // The longest and the shortest a pattern allows, from a draw repeated or cut (ajv keeps those that still match).
      const drawn = fc.sample(this.string(s), { seed: SAMPLE_SEED, numRuns: 5 });
      const longest = s.maxLength ?? UNBOUNDED_STRING;
      const shortest = Math.max(s.minLength ?? 0, 1);
      return drawn.flatMap((v) => (v.length ? [v, v.repeat(Math.ceil(longest / v.length)).slice(0, longest), v.repeat(Math.ceil(shortest / v.length)).slice(0, shortest)] : [v]));
    }
    const max = s.maxLength ?? UNBOUNDED_STRING;
    return ['x'.repeat(s.minLength ?? 0), 'y'.repeat(max), ` ${'z'.repeat(Math.max(0, Math.min(max, 12) - 2))} `, 'a\u0000b'.slice(0, Math.max(max, s.minLength ?? 0))];
  }

  private otherEdges(s: JsonSchema, depth: number): unknown[] {
    if ('const' in s) return [s.const];
    if (Array.isArray(s.enum)) return [...s.enum];
    const options = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
    if (options) return options.flatMap((o) => this.edges(o, depth));
    const type = Array.isArray(s.type) ? s.type[0] : s.type ?? (s.properties || s.additionalProperties ? 'object' : undefined);
    switch (type) {
      case 'integer':
      case 'number': {
        const low = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -UNBOUNDED_NUMBER);
        const high = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : UNBOUNDED_NUMBER);
        return [low, high, 0, -1, ...(type === 'number' ? [0.5] : [])];
      }
      case 'boolean':
        return [true, false];
      case 'null':
        return [null];
      case 'array': {
        const item = this.edges(s.items ?? {}, depth + 1)[0];
        return [Array.from({ length: s.minItems ?? 0 }, () => item), Array.from({ length: s.maxItems ?? UNBOUNDED_ITEMS }, () => item)];
      }
      case 'object': {
        if (depth > 4) return [{}];
        const properties = Object.entries<JsonSchema>(s.properties ?? {});
        const required = new Set<string>(s.required ?? []);
        const first = (property: JsonSchema) => this.edges(property, depth + 1)[0];
        const minimal = Object.fromEntries(properties.filter(([key]) => required.has(key)).map(([key, p]) => [key, first(p)]));
        const full = Object.fromEntries(properties.map(([key, p]) => [key, first(p)]));
        // Each property's edges in turn, on the smallest object (where it is the only thing that changes).
        const each = properties.flatMap(([key, p]) => this.edges(p, depth + 1).map((v) => ({ ...minimal, [key]: v })));
        const extra = s.additionalProperties === false ? [] : [{ ...minimal, sampleExtraKey: 1 }];
        return [minimal, full, {}, ...each, ...extra];
      }
      default:
        return [{}, 'text', 1, null];
    }
  }
}
