import { z } from 'zod';
import { cursorSchema, idSchema, limitSchema } from '../shared/schemas';

export const auditQuerySchema = z
  .strictObject({
    nodeId: idSchema.optional(),
    actorId: idSchema.optional(),
    targetId: idSchema.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: limitSchema,
    cursor: cursorSchema,
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after "to"', path: ['from'] });

export const auditRecordSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actorId: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    nodeId: z.string().nullable(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
  })
  .meta({ id: 'AuditRecord' });

export const auditPageSchema = z.object({ items: z.array(auditRecordSchema), nextCursor: z.string().nullable() });
