import { createHash } from 'node:crypto';
import type { Role } from '../../domain/access/roles';
import type { TrustContext } from '../adapters/dynamo/trust-repository';

/**
 * The matrix's version: a digest of every custom role's id and version, so an
 * If-Match on PUT catches a concurrent role edit but not an unrelated tree move.
 */
export function matrixVersion(context: Pick<TrustContext, 'roles'>): string {
  const custom = [...context.roles.values()].filter((role) => !role.builtIn).map((role) => `${role.id}:${role.version}`).sort();
  return createHash('sha256').update(custom.join(',')).digest('base64url').slice(0, 16);
}

export function grantsOf(roles: Iterable<Role>): Record<string, string[]> {
  return Object.fromEntries([...roles].map((role) => [role.id, role.permissions]));
}
