import { isPermissionCode, permissionCatalogue } from '../../domain/access/permissions';
import { idSchema, subjectIdSchema } from '../shared/schemas';
import * as z from '../shared/zod';

/** Decisions for other apps (POST /authz/check, /authz/batch): the hot path, so apart from the account schemas. */
/** A code of the catalogue (400 `unknown permission` otherwise); /openapi.json lists them as an enum, from the catalogue. */
export const permissionCodeSchema = z
  .string()
  .check(z.refine(isPermissionCode, { message: 'unknown permission' }))
  .register(z.globalRegistry, { id: 'PermissionCode', enum: permissionCatalogue.map((def) => def.code) });

export const checkSchema = z.strictObject({
  userId: idSchema,
  permission: permissionCodeSchema,
  nodeId: idSchema,
  subjectId: z.optional(subjectIdSchema),
});

export const batchBodySchema = z.strictObject({ checks: z.array(checkSchema).check(z.minLength(1), z.maxLength(100)) });

export const decisionSchema = z
  .object({
    allowed: z.boolean(),
    reason: z.enum(['granted', 'no_grant', 'expired', 'blocked', 'mfa_required', 'inactive', 'not_linked']),
    via: z.optional(z.object({ assignmentId: z.string(), roleId: z.string(), nodeId: z.string() })),
    error: z.optional(z.object({ status: z.number(), code: z.string() })),
  })
  .register(z.globalRegistry, { id: 'Decision' });
