import { z } from 'zod';
import { idSchema } from '../shared/schemas';

const name = z.string().trim().min(1).max(120);
const label = z.string().trim().min(1).max(40);

export const nodeSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['trust', 'cluster', 'school']),
    name: z.string(),
    parentId: z.string().nullable(),
    label: z.string().optional(),
    version: z.number().int(),
  })
  .meta({ id: 'Node' });

export const nodeListSchema = z.object({ items: z.array(nodeSchema) });

export const createNodeBodySchema = z.strictObject({
  kind: z.enum(['cluster', 'school'], { error: 'must be "cluster" or "school"' }),
  name,
  parentId: idSchema,
  label: label.optional(),
});

export const updateNodeBodySchema = z
  .strictObject({
    name: name.optional(),
    parentId: idSchema.optional(),
    label: label.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change', path: [] });
