import { z } from 'zod';
import { idSchema } from '../shared/schemas';

const code = z.string().min(1).max(80);

export const roleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    scope: z.enum(['trust', 'cluster', 'school', 'any']),
    permissions: z.array(z.string()),
    assignableRoles: z.array(z.string()),
    builtIn: z.boolean(),
    version: z.number().int(),
  })
  .meta({ id: 'Role' });

export const roleListSchema = z.object({ items: z.array(roleSchema) });

export const permissionSchema = z
  .object({ code: z.string(), description: z.string(), area: z.string(), requiresMfa: z.boolean(), reserved: z.boolean() })
  .meta({ id: 'Permission' });

export const permissionListSchema = z.object({ items: z.array(permissionSchema) });

export const createRoleBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  description: z.string().trim().max(500).default(''),
  scope: z.enum(['trust', 'cluster', 'school', 'any']).default('any'),
  permissions: z.array(code).max(200).default([]),
  assignableRoles: z.array(idSchema).max(100).default([]),
});

export const updateRoleBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80).optional(),
    description: z.string().trim().max(500).optional(),
    scope: z.enum(['trust', 'cluster', 'school', 'any']).optional(),
    permissions: z.array(code).max(200).optional(),
    assignableRoles: z.array(idSchema).max(100).optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change', path: [] });

export const accessMatrixSchema = z.object({
  roles: z.array(roleSchema),
  permissions: z.array(permissionSchema),
  grants: z.record(z.string(), z.array(z.string())),
  version: z.number().int(),
});

export const putAccessMatrixBodySchema = z.strictObject({
  grants: z.record(idSchema, z.array(code).max(200)),
});
