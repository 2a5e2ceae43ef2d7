import { z } from 'zod';
import { isPermissionCode } from '../../domain/access/permissions';
import { emailSchema } from '../auth/auth.schema';
import { cursorSchema, idSchema, limitSchema } from '../shared/schemas';

const personName = z.string().trim().min(1).max(80);
const jobTitle = z.string().trim().min(1).max(80);
const isoTime = z.iso.datetime({ offset: true });

export const membershipInputSchema = z.strictObject({
  nodeId: idSchema,
  jobTitle: jobTitle.optional(),
  primary: z.boolean().optional(),
  isManager: z.boolean().default(false),
});

const validity = <T extends { validFrom?: string; validUntil?: string }>(a: T) =>
  !a.validFrom || !a.validUntil || new Date(a.validFrom) < new Date(a.validUntil);

export const assignmentInputSchema = z
  .strictObject({ roleId: idSchema, nodeId: idSchema, validFrom: isoTime.optional(), validUntil: isoTime.optional() })
  .refine(validity, { message: 'must be after validFrom', path: ['validUntil'] });

/** POST /users places a person at most here at once (more with PUT /users/{id}/memberships/{nodeId}). */
export const MAX_NEW_PERSON_MEMBERSHIPS = 10;
/** POST /users gives at most this many roles at once (more with POST /users/{id}/roles). */
export const MAX_NEW_PERSON_ROLES = 15;

export const createUserBodySchema = z
  .strictObject({
    firstName: personName,
    lastName: personName,
    email: emailSchema,
    mobile: z.string().trim().regex(/^\+?[0-9][0-9 ()-]{6,19}$/, 'not a phone number').optional(),
    userType: z.enum(['staff', 'parent']),
    // One transaction holds the person, each placement and role, their counters and audit records:
    // 5 + 2 × memberships + 4 × roles items, kept under DynamoDB's 100 (MAX_NEW_PERSON_* below).
    memberships: z.array(membershipInputSchema).max(MAX_NEW_PERSON_MEMBERSHIPS).default([]),
    roles: z.array(assignmentInputSchema).max(MAX_NEW_PERSON_ROLES).default([]),
    invite: z.boolean().default(true),
  })
  .refine((u) => new Set(u.memberships.map((m) => m.nodeId)).size === u.memberships.length, {
    message: 'each node at most once', path: ['memberships'],
  })
  .refine((u) => u.memberships.filter((m) => m.primary).length <= 1, { message: 'at most one primary membership', path: ['memberships'] });

export const membershipSchema = z.object({ nodeId: z.string(), jobTitle: z.string().optional(), primary: z.boolean(), isManager: z.boolean() }).meta({ id: 'Membership' });
export const assignmentSchema = z
  .object({ id: z.string(), roleId: z.string(), nodeId: z.string(), validFrom: z.string().optional(), validUntil: z.string().optional() })
  .meta({ id: 'RoleAssignment' });

export const userSchema = z
  .object({
    id: z.string(), firstName: z.string(), lastName: z.string(), displayName: z.string(), email: z.string(),
    mobile: z.string().optional(), userType: z.enum(['staff', 'parent']), status: z.enum(['invited', 'active', 'locked', 'inactive']),
    source: z.enum(['manual', 'mis']), edited: z.boolean(), mfaEnabled: z.boolean(),
    memberships: z.array(membershipSchema), roles: z.array(assignmentSchema), version: z.number().int(),
    createdAt: z.string(), updatedAt: z.string(),
  })
  .meta({ id: 'User' });

export const userParamsSchema = z.object({ id: idSchema });
export const membershipParamsSchema = z.object({ id: idSchema, nodeId: idSchema });
export const assignmentParamsSchema = z.object({ id: idSchema, assignmentId: idSchema });
export const subjectParamsSchema = z.object({ id: idSchema, subjectId: idSchema });

export const putMembershipBodySchema = z.strictObject({
  jobTitle: jobTitle.nullable().optional(),
  primary: z.boolean().optional(),
  isManager: z.boolean().optional(),
});

export const putBlockBodySchema = z.strictObject({ schoolId: idSchema, reason: z.string().trim().max(500).optional() });
export const putChildBodySchema = z.strictObject({ schoolId: idSchema });

export const permissionCodeSchema = z.string().refine(isPermissionCode, { message: 'unknown permission' });

export const checkSchema = z.strictObject({
  userId: idSchema,
  permission: permissionCodeSchema,
  nodeId: idSchema,
  subjectId: idSchema.optional(),
});

export const batchBodySchema = z.strictObject({ checks: z.array(checkSchema).min(1).max(100) });

export const decisionSchema = z
  .object({
    allowed: z.boolean(),
    reason: z.enum(['granted', 'no_grant', 'expired', 'blocked', 'mfa_required', 'inactive', 'not_linked']),
    via: z.object({ assignmentId: z.string(), roleId: z.string(), nodeId: z.string() }).optional(),
    error: z.object({ status: z.number(), code: z.string() }).optional(),
  })
  .meta({ id: 'Decision' });

export const myPermissionsQuerySchema = z.strictObject({ nodeId: idSchema });

/** GET /users/{id}/access: a page of nodes (default 50, at most 200), one node, or one permission code. */
export const accessQuerySchema = z.strictObject({
  nodeId: idSchema.optional(),
  permission: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, 'not a permission code').optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const updateUserBodySchema = z
  .strictObject({
    firstName: personName.optional(),
    lastName: personName.optional(),
    email: emailSchema.optional(),
    mobile: z.string().trim().regex(/^\+?[0-9][0-9 ()-]{6,19}$/, 'not a phone number').nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change', path: [] });
