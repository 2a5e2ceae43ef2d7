import { SORT_FIELDS } from '../../domain/directory/directory-index';
import { cursorSchema, idSchema, limitSchema } from '../shared/schemas';
import * as z from '../shared/zod';

const flag = z.pipe(z.enum(['true', 'false']), z.transform((value) => value === 'true'));

/** The list's filters (GET /users, and the export takes the same). */
export const directoryFilterShape = {
  q: z.optional(z.string().check(z.trim(), z.maxLength(200))),
  nodeId: z.optional(idSchema),
  roleId: z.optional(idSchema),
  userType: z.optional(z.enum(['staff', 'parent'])),
  status: z.optional(z.enum(['invited', 'active', 'locked', 'inactive'])),
  source: z.optional(z.enum(['manual', 'mis'])),
  edited: z.optional(flag),
  includeInactive: z.optional(flag),
  sort: z._default(z.enum(SORT_FIELDS), 'lastName'),
  order: z._default(z.enum(['asc', 'desc']), 'asc'),
};

export const listUsersQuerySchema = z.strictObject({ ...directoryFilterShape, limit: limitSchema, cursor: cursorSchema });

export const userSummarySchema = z
  .object({
    id: z.string(), firstName: z.string(), lastName: z.string(), displayName: z.string(), email: z.string(),
    userType: z.enum(['staff', 'parent']), status: z.enum(['invited', 'active', 'locked', 'inactive']),
    source: z.enum(['manual', 'mis']), edited: z.boolean(), mfaEnabled: z.boolean(),
    primaryNodeId: z.nullable(z.string()), jobTitle: z.optional(z.string()), nodeIds: z.array(z.string()),
    roles: z.array(z.object({ roleId: z.string(), nodeId: z.string(), validUntil: z.optional(z.string()) })),
    lastSignInAt: z.optional(z.string()), updatedAt: z.string(), version: z.number().check(z.int()),
  })
  .register(z.globalRegistry, { id: 'UserSummary' });

export const userSummaryPageSchema = z.object({
  items: z.array(userSummarySchema),
  nextCursor: z.nullable(z.string()),
  total: z.number().check(z.int()),
});

/** GET /users/export.csv takes the list's filters and sort, without paging. */
export const exportUsersQuerySchema = z.strictObject({ ...directoryFilterShape });

export const storedExportSchema = z.object({
  url: z.string(),
  expiresAt: z.string(),
  rows: z.number().check(z.int()),
  bytes: z.number().check(z.int()),
});
