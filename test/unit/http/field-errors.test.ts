import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../../../functions/http/errors';
import * as z from '../../../functions/shared/zod';
import { importBodySchema } from '../../../functions/users/import.schema';

const named = (schema: z.ZodMiniType, input: unknown, prefix = '') => {
  const result = schema.safeParse(input);
  return result.success ? [] : fieldErrors(result.error, prefix).map((e) => e.path);
};

describe('a 400 names the field at fault (task K2)', () => {
  it('names each unknown key itself, at any depth, not the object holding it', () => {
    const schema = z.strictObject({ name: z.string(), items: z.array(z.strictObject({ id: z.string() })) });
    expect(named(schema, { name: 'a', colour: 'red', __proto__x: 1, items: [{ id: 'x', size: 2 }] })).toEqual(['items.0.size', 'colour', '__proto__x']);
    expect(named(schema, JSON.parse('{"name":"a","items":[],"__proto__":{"polluted":true}}'))).toEqual(['__proto__']);
    expect(named(z.strictObject({ limit: z.optional(z.string()) }), { sweep: '1' }, 'query')).toEqual(['query.sweep']);
  });

  it('answers the fields of the one option of a union whose type the input has', () => {
    expect(named(importBodySchema, { planId: 42 })).toEqual(['planId']);
    expect(named(importBodySchema, {})).toEqual(['planId']);
    // Of no option's type: the union itself (the HTTP layer answers it as `body`).
    expect(named(importBodySchema, 42)).toEqual(['']);
  });
});
