import { checkRoleEdit } from '../../domain/access/delegation';
import type { Role } from '../../domain/access/roles';
import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { newId } from '../shared/ids';
import { assertNameFree, changeRoles } from './role-change';
import { createRoleBodySchema } from './role.schema';

export const handler = userHandler({ body: createRoleBodySchema }, async ({ caller, body }) => {
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
