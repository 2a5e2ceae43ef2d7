import { emailSchema } from '../auth/auth.schema';
import { TEXT_LIMITS } from '../../domain/text-rules';
import { cursorSchema, grantWindowChecks, idSchema, limitSchema, plainText, utcTimeSchema } from '../shared/schemas';
import * as z from '../shared/zod';

const personName = plainText(TEXT_LIMITS.personName);
const jobTitle = plainText(TEXT_LIMITS.jobTitle);
// Checked after the trim, so it never ends in a space: the pattern says so (the same numbers as [0-9 ()-]{6,19}, and /openapi.json's pattern does not count a trailing space the trim takes away).
const mobile = z.string().check(z.trim(), z.regex(/^\+?[0-9][0-9 ()-]{5,18}[0-9()-]$/, 'not a phone number'));

export const membershipInputSchema = z.strictObject({
  nodeId: idSchema,
  jobTitle: z.optional(jobTitle),
  primary: z.optional(z.boolean()),
  isManager: z._default(z.boolean(), false),
});

export const assignmentInputSchema = z
  .strictObject({ roleId: idSchema, nodeId: idSchema, validFrom: z.optional(utcTimeSchema), validUntil: z.optional(utcTimeSchema) })
  .check(...grantWindowChecks());

/** POST /users places a person at most here at once (more with PUT /users/{id}/memberships/{nodeId}). */
export const MAX_NEW_PERSON_MEMBERSHIPS = 10;
/** POST /users gives at most this many roles at once (more with POST /users/{id}/roles). */
export const MAX_NEW_PERSON_ROLES = 15;

export const createUserBodySchema = z
  .strictObject({
    firstName: personName,
    lastName: personName,
    email: emailSchema,
    mobile: z.optional(mobile),
    userType: z.enum(['staff', 'parent']),
    // One transaction holds the person, each placement and role, their counters and audit records:
    // 5 + 2 × memberships + 4 × roles items, the outbox item and the caller's own profile check: 87 at most, under DynamoDB's 100.
    memberships: z._default(z.array(membershipInputSchema).check(z.maxLength(MAX_NEW_PERSON_MEMBERSHIPS)), []),
    roles: z._default(z.array(assignmentInputSchema).check(z.maxLength(MAX_NEW_PERSON_ROLES)), []),
    invite: z._default(z.boolean(), true),
  })
  .check(
    z.refine((u) => new Set(u.memberships.map((m) => m.nodeId)).size === u.memberships.length, {
      message: 'each node at most once', path: ['memberships'],
    }),
    z.refine((u) => u.memberships.filter((m) => m.primary).length <= 1, { message: 'at most one primary membership', path: ['memberships'] }),
  );

export const membershipSchema = z
  .object({ nodeId: z.string(), jobTitle: z.optional(z.string()), primary: z.boolean(), isManager: z.boolean() })
  .register(z.globalRegistry, { id: 'Membership' });
export const assignmentSchema = z
  .object({ id: z.string(), roleId: z.string(), nodeId: z.string(), validFrom: z.optional(z.string()), validUntil: z.optional(z.string()) })
  .register(z.globalRegistry, { id: 'RoleAssignment' });

/** SES reported the address undeliverable (domain/identity/email-delivery.ts); absent while nothing says so. */
const emailDeliverySchema = z
  .object({ status: z.enum(['bounced', 'complained']), at: z.string(), detail: z.string() })
  .register(z.globalRegistry, { id: 'EmailDelivery', description: 'SES reported the address undeliverable: nothing more reaches it (invitations, resets, alerts) until the email changes, which clears this' });

export const userSchema = z
  .object({
    id: z.string(), firstName: z.string(), lastName: z.string(), displayName: z.string(), email: z.string(),
    mobile: z.optional(z.string()), userType: z.enum(['staff', 'parent']), status: z.enum(['invited', 'active', 'locked', 'inactive']),
    source: z.enum(['manual', 'mis']), edited: z.boolean(), mfaEnabled: z.boolean(), emailDelivery: z.optional(emailDeliverySchema),
    memberships: z.array(membershipSchema), roles: z.array(assignmentSchema), version: z.number().check(z.int()),
    createdAt: z.string(), updatedAt: z.string(),
  })
  .register(z.globalRegistry, { id: 'User' });

// No body at all places the person with nothing else said (API.md: every field optional; review F, F-8).
export const putMembershipBodySchema = z._default(z.strictObject({
  jobTitle: z.optional(z.nullable(jobTitle)),
  primary: z.optional(z.boolean()),
  isManager: z.optional(z.boolean()),
}), {});

export const putBlockBodySchema = z.strictObject({ schoolId: idSchema, reason: z.optional(z.string().check(z.trim(), z.maxLength(500))) });
export const putChildBodySchema = z.strictObject({ schoolId: idSchema });

export const myPermissionsQuerySchema = z.strictObject({ nodeId: idSchema });

/** GET /users/{id}/access: a page of nodes (default 50, at most 200), one node, or one permission code. */
export const accessQuerySchema = z.strictObject({
  nodeId: z.optional(idSchema),
  permission: z.optional(z.string().check(z.regex(/^[a-z_]+(\.[a-z_]+)+$/, 'not a permission code'))),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const updateUserBodySchema = z
  .strictObject({
    firstName: z.optional(personName),
    lastName: z.optional(personName),
    email: z.optional(emailSchema),
    mobile: z.optional(z.nullable(mobile)),
  })
  .check(z.refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change', path: [] }))
  // The refine is invisible to z.toJSONSchema: /openapi.json says it as minProperties.
  .register(z.globalRegistry, { minProperties: 1 });
