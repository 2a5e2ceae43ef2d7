import { ConflictError, NotFoundError } from '../../domain/errors';
import { httpHandler } from '../http/handler';
import { noContent } from '../http/responses';
import { authorize } from '../shared/authorize';
import { idParamsSchema } from '../shared/schemas';
import { assertEditable, changeRoles } from './role-change';

/** Custom roles that may still list a role being deleted as assignable; each is trimmed in the same transaction. */
export const MAX_LISTING_ROLES = 45;

/** Deletes a custom role nobody holds (409 in_use otherwise, however many hold it: the transaction stays small). */
export const handler = httpHandler({ auth: 'user', params: idParamsSchema }, async ({ caller, params }) => {
  authorize(caller, 'roles.define', caller.trust.rootNodeId);
  await changeRoles(caller, (context) => {
    const role = context.roles.get(params.id);
    if (!role) throw new NotFoundError('Role');
    assertEditable(role);
    // Roles that listed it as assignable stop naming it, in the same transaction.
    const listing = [...context.roles.values()].filter((other) => !other.builtIn && other.id !== role.id && other.assignableRoles.includes(role.id));
    // One transaction: the delete, each trimmed role with its audit record, the version bump (≤ 100 items).
    if (listing.length > MAX_LISTING_ROLES) {
      throw new ConflictError('too_many_references', `${listing.length} roles list this one as assignable; take it out of some of them (at most ${MAX_LISTING_ROLES} may remain) and delete again`);
    }
    const trimmed = listing.map((other) => ({ before: other, after: { ...other, assignableRoles: other.assignableRoles.filter((id) => id !== role.id), version: other.version + 1 } }));
    return {
      writes: [{ type: 'delete', role }, ...trimmed.map(({ before, after }) => ({ type: 'update' as const, role: after, expectedVersion: before.version }))],
      changes: [{ action: 'role.deleted', before: role, after: null }, ...trimmed.map(({ before, after }) => ({ action: 'role.updated', before, after }))],
    };
  });
  return noContent();
});
