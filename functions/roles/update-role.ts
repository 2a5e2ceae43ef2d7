import { checkRoleEdit, widensRole } from '../../domain/access/delegation';
import { NotFoundError, VersionConflictError } from '../../domain/errors';
import type { Role } from '../../domain/access/roles';
import { listRoleHolders } from '../adapters/dynamo/person-repository';
import { userHandler } from '../http/user-handler';
import { entity, requireIfMatch } from '../http/responses';
import { authorize } from '../shared/authorize';
import { idParamsSchema } from '../shared/schemas';
import { assertEditable, assertNameFree, changeRoles } from './role-change';
import { updateRoleBodySchema } from './role.schema';

export const handler = userHandler(
  { params: idParamsSchema, body: updateRoleBodySchema },
  async ({ caller, params, body, headers }) => {
    // Who may change roles at all comes first: a refused caller learns nothing about versions or built-ins.
    authorize(caller, 'roles.define', caller.trust.rootNodeId);
    const expectedVersion = requireIfMatch(headers);
    const planned = await changeRoles(caller, async (context) => {
      const before = context.roles.get(params.id);
      if (!before) throw new NotFoundError('Role');
      assertEditable(before);
      if (before.version !== expectedVersion) throw new VersionConflictError();
      const edit = { id: before.id, permissions: body.permissions ?? before.permissions, assignableRoles: body.assignableRoles ?? before.assignableRoles };
      // Only a widening gives holders anything new, so only then are they read (on every plan) and the update conditioned
      // on the holders counter this read saw. A narrowing or a rename reads nobody, so it works on a role whose counter is
      // not checksummed yet or has drifted (review D, D7); a widening of such a role still fails closed with 409.
      const read = widensRole(before, edit) ? await listRoleHolders(caller.trust.id, before.id) : undefined;
      const definition = checkRoleEdit({
        tree: context.tree, roles: context.roles, caller: caller.person, callerMfa: caller.mfa, now: new Date(), before,
        after: edit, holders: read?.holders ?? [],
      });
      if (body.name) assertNameFree(context, body.name, before.id);
      const after: Role = {
        ...before, name: body.name ?? before.name, description: body.description ?? before.description,
        scope: body.scope ?? before.scope, ...definition, version: before.version + 1,
      };
      return { writes: [{ type: 'update', role: after, expectedVersion, ...(read ? { holders: read.seen } : {}) }], changes: [{ action: 'role.updated', before, after }] };
    });
    return entity(200, planned.changes[0]!.after!);
  },
);
