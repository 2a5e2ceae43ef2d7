import { idSchema } from '../shared/schemas';
import * as z from '../shared/zod';

const name = z.string().check(z.trim(), z.minLength(1), z.maxLength(120));
const label = z.string().check(z.trim(), z.minLength(1), z.maxLength(40));

export const nodeSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['trust', 'cluster', 'school']),
    name: z.string(),
    parentId: z.nullable(z.string()),
    label: z.optional(z.string()),
    version: z.number().check(z.int()),
  })
  .register(z.globalRegistry, { id: 'Node' });

export const nodeListSchema = z.object({ items: z.array(nodeSchema) });

export const createNodeBodySchema = z.strictObject({
  kind: z.enum(['cluster', 'school'], { error: 'must be "cluster" or "school"' }),
  name,
  parentId: idSchema,
  label: z.optional(label),
});

export const updateNodeBodySchema = z
  .strictObject({
    name: z.optional(name),
    parentId: z.optional(idSchema),
    label: z.optional(z.nullable(label)),
  })
  .check(z.refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change', path: [] }));
