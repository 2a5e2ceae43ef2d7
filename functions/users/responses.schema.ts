import { idSchema } from '../shared/schemas';
import * as z from '../shared/zod';

/**
 * Answers of the person routes that no handler parses: only the route table
 * (and so /openapi.json and the e2e conformance check) imports this module,
 * so no function bundles it for nothing.
 */
export const blockSchema = z
  .object({ subjectId: z.string(), schoolId: z.string(), reason: z.optional(z.string()) })
  .register(z.globalRegistry, { id: 'Block' });

export const childLinkSchema = z.object({ subjectId: z.string(), schoolId: z.string() }).register(z.globalRegistry, { id: 'ChildLink' });

export const blockListSchema = z.object({ items: z.array(blockSchema) });

const viaSchema = z.object({ assignmentId: z.string(), roleId: z.string(), nodeId: z.string() });
const grantSchema = z.object({ code: z.string(), via: viaSchema });

export const accessReportSchema = z
  .object({
    userId: idSchema,
    active: z.boolean(),
    assignments: z.array(
      z.object({
        assignmentId: z.string(),
        roleId: z.string(),
        roleName: z.nullable(z.string()),
        nodeId: z.string(),
        validFrom: z.optional(z.string()),
        validUntil: z.optional(z.string()),
        nodeCount: z.number().check(z.int()),
        permissions: z.array(z.string()),
        withheldForMfa: z.array(z.string()),
      }),
    ),
    nodes: z.array(z.object({ nodeId: z.string(), permissions: z.array(grantSchema), withheldForMfa: z.array(grantSchema) })),
    nextCursor: z.nullable(z.string()),
  })
  .register(z.globalRegistry, { id: 'AccessReport' });
