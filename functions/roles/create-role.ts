import { checkRoleEdit } from '../../domain/access/delegation';
import type { Role } from '../../domain/access/roles';
import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { authorize } from '../shared/authorize';
import { newId } from '../shared/ids';
import { assertNameFree, changeRoles } from './role-change';
import { createRoleBodySchema } from './role.schema';

export const handler = userHandler({ body: createRoleBodySchema }, async ({ caller, body }) => {
  // As PATCH/DELETE /roles/{id}: who may define roles at all comes first, through authorize, so the trust's
  // requireMfaForAdmins holds here too (checkRoleEdit's own roles.define check is the decision engine's alone).
  authorize(caller, 'roles.define', caller.trust.rootNodeId);
  const id = `role-${newId()}`;
  const { changes } = await changeRoles(caller, (context) => {
    const definition = checkRoleEdit({
      tree: context.tree, roles: context.roles, caller: caller.person, callerMfa: caller.mfa, now: new Date(),
      after: { id, permissions: body.permissions, assignableRoles: body.assignableRoles }, holders: [],
    });
    assertNameFree(context, body.name);
    const role: Role = { id, name: body.name, description: body.description, scope: body.scope, ...definition, builtIn: false, version: 1 };
    return { writes: [{ type: 'put', role }], changes: [{ action: 'role.created', before: null, after: role }] };
  });
  return entity(201, changes[0]!.after!);
});
