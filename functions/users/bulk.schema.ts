import { bulkActionProblems, MAX_BULK_ACTIONS, MAX_BULK_USERS, type BulkAction } from '../../domain/directory/bulk-edit';
import { TEXT_LIMITS } from '../../domain/text-rules';
import { grantWindowChecks, idSchema, plainText, utcTimeSchema } from '../shared/schemas';
import * as z from '../shared/zod';

const jobTitle = plainText(TEXT_LIMITS.jobTitle);

const addRole = z
  .strictObject({ op: z.literal('addRole'), roleId: idSchema, nodeId: idSchema, validFrom: z.optional(utcTimeSchema), validUntil: z.optional(utcTimeSchema) })
  .check(...grantWindowChecks());

export const bulkActionSchema = z.discriminatedUnion('op', [
  addRole,
  z.strictObject({ op: z.literal('removeRole'), roleId: idSchema, nodeId: idSchema }),
  z.strictObject({ op: z.literal('addMembership'), nodeId: idSchema, jobTitle: z.optional(jobTitle), isManager: z.optional(z.boolean()) }),
  z.strictObject({ op: z.literal('removeMembership'), nodeId: idSchema }),
  z.strictObject({ op: z.literal('deactivate') }),
  z.strictObject({ op: z.literal('activate') }),
  z.strictObject({ op: z.literal('resendInvitation') }),
]);

/**
 * POST /users/bulk. At most MAX_BULK_USERS people, each once; 1 to
 * MAX_BULK_ACTIONS actions (so one person's transaction stays under 100
 * items), none repeated or contradicting another.
 */
export const bulkEditBodySchema = z
  .strictObject({
    // The refines below are invisible to z.toJSONSchema: /openapi.json says uniqueItems (the other action rules it cannot say).
    userIds: z.array(idSchema).check(z.minLength(1), z.maxLength(MAX_BULK_USERS)).register(z.globalRegistry, { uniqueItems: true }),
    actions: z.array(bulkActionSchema).check(z.minLength(1), z.maxLength(MAX_BULK_ACTIONS)).register(z.globalRegistry, { uniqueItems: true }),
    dryRun: z._default(z.boolean(), false),
  })
  .check(
    z.refine((body) => new Set(body.userIds).size === body.userIds.length, { message: 'each person at most once', path: ['userIds'] }),
    z.superRefine((body, ctx) => {
      for (const problem of bulkActionProblems(body.actions as BulkAction[])) {
        ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), input: body.actions });
      }
    }),
  );

export const bulkResultSchema = z.object({
  userId: z.string(),
  ok: z.boolean(),
  changed: z.boolean(),
  error: z.optional(z.object({ code: z.string(), message: z.string(), action: z.optional(z.number().check(z.int())) })),
});

export const bulkEditResponseSchema = z
  .object({ bulkId: z.string(), dryRun: z.boolean(), results: z.array(bulkResultSchema), applied: z.number().check(z.int()), failed: z.number().check(z.int()) })
  .register(z.globalRegistry, { id: 'BulkEditResult' });
