import { checkAssign } from '../../domain/access/delegation';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { refuseSelfChange } from '../shared/identity-guard';
import { newId } from '../shared/ids';
import { changePerson } from './person-change';
import { assignmentInputSchema, userParamsSchema } from './user.schema';

/**
 * Gives a person a role at a node, through the delegation guard. The target
 * must be in the caller's reach of roles.assign itself, and never the caller.
 */
export const handler = httpHandler({ auth: 'user', params: userParamsSchema, body: assignmentInputSchema }, async ({ caller, params, body }) => {
  refuseSelfChange(caller, params.id, 'roles');
  const id = newId();
  const assignment = await changePerson(caller, params.id, ({ person }, { tree, roles }) => {
    const role = checkAssign({
      tree, roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date(), target: person,
      roleId: body.roleId, nodeId: body.nodeId, policy: caller.trust.policies,
    });
    const created = { id, ...body };
    return {
      ops: [{ type: 'putAssignment', assignment: created, customRole: !role.builtIn }],
      audit: [{ action: 'role.assigned', nodeId: body.nodeId, after: { ...created, roleName: role.name } }],
      result: created,
    };
  }, ['roles.assign']);
  return json(201, assignment);
});
