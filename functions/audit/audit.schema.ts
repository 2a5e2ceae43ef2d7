import { cursorSchema, idSchema, limitSchema, utcTimeSchema } from '../shared/schemas';
import * as z from '../shared/zod';

export const auditQuerySchema = z
  .strictObject({
    nodeId: z.optional(idSchema),
    actorId: z.optional(idSchema),
    targetId: z.optional(idSchema),
    from: z.optional(utcTimeSchema),
    to: z.optional(utcTimeSchema),
    limit: limitSchema,
    cursor: cursorSchema,
  })
  .check(z.refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after "to"', path: ['from'] }));

export const auditRecordSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actorId: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    nodeId: z.nullable(z.string()),
    before: z.nullable(z.record(z.string(), z.unknown())),
    after: z.nullable(z.record(z.string(), z.unknown())),
    /** Set when an integration client's request caused the change. */
    clientId: z.optional(z.string()),
    /** Set on the records of a POST /users/bulk request, the same on every person's. */
    bulkId: z.optional(z.string()),
  })
  .register(z.globalRegistry, { id: 'AuditRecord' });

export const auditPageSchema = z.object({ items: z.array(auditRecordSchema), nextCursor: z.nullable(z.string()) });
