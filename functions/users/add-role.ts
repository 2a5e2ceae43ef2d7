import { checkAssign } from '../../domain/access/delegation';
import { windowOf } from '../../domain/access/grant-window';
import { roleIsSensitive } from '../../domain/access/sensitive-grants';
import { getAccount } from '../adapters/dynamo/account-repository';
import { raiseSensitiveGrants } from '../notifications/service-events';
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
  if (roleIsSensitive(caller.context.roles.get(body.roleId), caller.context.roles)) {
    const target = await getAccount({ trustId: caller.trust.id, userId: params.id });
    if (target) await raiseSensitiveGrants(caller.trust, caller.context.roles, caller.account, target, [assignment]);
  }
  return json(201, assignment);
});
