import { permissionCatalogue } from '../../domain/access/permissions';
import { TEXT_LIMITS } from '../../domain/text-rules';
import { idSchema, plainText } from '../shared/schemas';
import * as z from '../shared/zod';

/**
 * A permission code in a role's definition: the domain refuses a code outside
 * the catalogue (validateRoleDefinition, 400 naming permissions[i]), so
 * /openapi.json lists the catalogue's codes as an enum.
 */
const code = z.string().check(z.minLength(1), z.maxLength(80)).register(z.globalRegistry, { enum: permissionCatalogue.map((def) => def.code) });
const scope = () => z.enum(['trust', 'cluster', 'school', 'any']);

export const roleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    scope: scope(),
    permissions: z.array(z.string()),
    assignableRoles: z.array(z.string()),
    builtIn: z.boolean(),
    version: z.number().check(z.int()),
  })
  .register(z.globalRegistry, { id: 'Role' });

export const roleListSchema = z.object({ items: z.array(roleSchema) });

export const permissionSchema = z
  .object({ code: z.string(), description: z.string(), area: z.string(), requiresMfa: z.boolean(), reserved: z.boolean() })
  .register(z.globalRegistry, { id: 'Permission' });

export const permissionListSchema = z.object({ items: z.array(permissionSchema) });

export const createRoleBodySchema = z.strictObject({
  name: plainText(TEXT_LIMITS.roleName),
  description: z._default(z.string().check(z.trim(), z.maxLength(500)), ''),
  scope: z._default(scope(), 'any'),
  permissions: z._default(z.array(code).check(z.maxLength(200)), []),
  assignableRoles: z._default(z.array(idSchema).check(z.maxLength(100)), []),
});

export const updateRoleBodySchema = z
  .strictObject({
    name: z.optional(plainText(TEXT_LIMITS.roleName)),
    description: z.optional(z.string().check(z.trim(), z.maxLength(500))),
    scope: z.optional(scope()),
    permissions: z.optional(z.array(code).check(z.maxLength(200))),
    assignableRoles: z.optional(z.array(idSchema).check(z.maxLength(100))),
  })
  .check(z.refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change', path: [] }))
  // The refine is invisible to z.toJSONSchema: /openapi.json says it as minProperties.
  .register(z.globalRegistry, { minProperties: 1 });

export const accessMatrixSchema = z.object({
  roles: z.array(roleSchema),
  permissions: z.array(permissionSchema),
  grants: z.record(z.string(), z.array(z.string())),
  /** A digest of the custom roles' versions (also the ETag): PUT takes it back in If-Match. */
  version: z.string(),
});

export const putAccessMatrixBodySchema = z.strictObject({
  grants: z.record(idSchema, z.array(code).check(z.maxLength(200))),
});
