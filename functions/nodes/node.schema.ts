import { TEXT_LIMITS } from '../../domain/text-rules';
import { idSchema, NOT_BLANK, plainText } from '../shared/schemas';
import * as z from '../shared/zod';

/**
 * A node's name: no control characters, and never `-` alone, which a
 * `schools` cell of the users CSV reads as "remove all" (the export would
 * write such a school back as a removal).
 */
const name = plainText(TEXT_LIMITS.nodeName).check(z.refine((text) => text !== '-', { message: 'must not be "-" alone (a schools cell of the users CSV reads "-" as "remove all")' }));
const label = z.string().check(z.trim(), z.minLength(1), z.maxLength(40)).register(z.globalRegistry, NOT_BLANK);

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
  .check(z.refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change', path: [] }))
  // The refine is invisible to z.toJSONSchema: /openapi.json says it as minProperties.
  .register(z.globalRegistry, { minProperties: 1 });
