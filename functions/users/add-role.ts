import { checkAssign } from '../../domain/access/delegation';
import { windowOf } from '../../domain/access/grant-window';
import { isSensitive } from '../../domain/access/permissions';
import { displayName } from '../../domain/identity/account';
import { getAccount } from '../adapters/dynamo/account-repository';
import { raiseAccountSecurity } from '../notifications/service-events';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { refuseSelfChange } from '../shared/identity-guard';
import { newId } from '../shared/ids';
import { changePerson } from './person-change';
import { userParamsSchema } from './params.schema';
import { assignmentInputSchema } from './user.schema';

/**
 * Gives a person a role at a node, through the delegation guard. The target
 * must be in the caller's reach of roles.assign itself, and never the caller.
 */
export const handler = userHandler({ params: userParamsSchema, body: assignmentInputSchema }, async ({ caller, params, body }) => {
  refuseSelfChange(caller, params.id, 'roles');
  const id = newId();
  const assignment = await changePerson(caller, params.id, ({ person }, { tree, roles }) => {
    const role = checkAssign({
      tree, roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date(), target: person,
      roleId: body.roleId, nodeId: body.nodeId, ...windowOf(body), policy: caller.trust.policies,
    });
    const created = { id, ...body };
    return {
      ops: [{ type: 'putAssignment', assignment: created, customRole: !role.builtIn }],
      audit: [{ action: 'role.assigned', nodeId: body.nodeId, after: { ...created, roleName: role.name } }],
      result: created,
    };
  }, ['roles.assign']);
  const role = caller.context.roles.get(body.roleId);
  if (role?.permissions.some(isSensitive)) {
    const target = await getAccount({ trustId: caller.trust.id, userId: params.id });
    if (target) await raiseAccountSecurity(caller.trust, target, body.nodeId, `given ${role.name} (sensitive permissions) by ${displayName(caller.account)}`);
  }
  return json(201, assignment);
});
