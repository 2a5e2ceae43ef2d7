import { NotFoundError } from '../../domain/errors';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { authorize } from '../shared/authorize';
import { idParamsSchema } from '../shared/schemas';
import { assertEditable, changeRoles } from './role-change';

export const handler = userHandler({ params: idParamsSchema }, async ({ caller, params }) => {
  authorize(caller, 'roles.define', caller.trust.rootNodeId);
  await changeRoles(caller, (context) => {
    const role = context.roles.get(params.id);
    if (!role) throw new NotFoundError('Role');
    assertEditable(role);
    // Roles that listed it as assignable stop naming it, in the same transaction.
    const listing = [...context.roles.values()].filter((other) => !other.builtIn && other.id !== role.id && other.assignableRoles.includes(role.id));
    const trimmed = listing.map((other) => ({ before: other, after: { ...other, assignableRoles: other.assignableRoles.filter((id) => id !== role.id), version: other.version + 1 } }));
    return {
      writes: [{ type: 'delete', role }, ...trimmed.map(({ before, after }) => ({ type: 'update' as const, role: after, expectedVersion: before.version }))],
      changes: [{ action: 'role.deleted', before: role, after: null }, ...trimmed.map(({ before, after }) => ({ action: 'role.updated', before, after }))],
    };
  });
  return noContent();
});
