import { checkAssign } from '../../domain/access/delegation';
import { windowOf } from '../../domain/access/grant-window';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { refuseSelfChange } from '../shared/identity-guard';
import { newId } from '../shared/ids';
import { outboxItems } from '../shared/account-security';
import { sensitiveGrantEvents } from '../shared/security-events';
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
  const assignment = await changePerson(caller, params.id, ({ account, person }, { tree, roles }) => {
    const role = checkAssign({
      tree, roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date(), target: person,
      roleId: body.roleId, nodeId: body.nodeId, ...windowOf(body), policy: caller.trust.policies,
    });
    const created = { id, ...body };
    return {
      ops: [{ type: 'putAssignment', assignment: created, customRole: !role.builtIn }],
      audit: [{ action: 'role.assigned', nodeId: body.nodeId, after: { ...created, roleName: role.name } }],
      result: created,
      // A role with sensitive permissions tells the admins there, from the grant's own transaction (the outbox).
      extra: outboxItems(caller.trust.id, sensitiveGrantEvents(roles, caller.account, account, [created])),
    };
  }, ['roles.assign']);
  return json(201, assignment);
});
