import { checkUnassign } from '../../domain/access/delegation';
import { NotFoundError } from '../../domain/errors';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { refuseSelfChange } from '../shared/identity-guard';
import { keepAdminOnRemoval } from '../shared/last-admin';
import { changePerson } from './person-change';
import { assignmentParamsSchema } from './params.schema';

/** Takes a role away: the same authority as granting it there, on someone in reach of roles.assign, never oneself. */
export const handler = userHandler({ params: assignmentParamsSchema }, async ({ caller, params }) => {
  refuseSelfChange(caller, params.id, 'roles');
  const keepAdmin = await keepAdminOnRemoval(caller, params.id, params.assignmentId);
  await changePerson(caller, params.id, ({ person }, { tree, roles }) => {
    const assignment = person.assignments.find((a) => a.id === params.assignmentId);
    if (!assignment) throw new NotFoundError('Role assignment');
    checkUnassign({ tree, roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date(), assignment });
    const role = roles.get(assignment.roleId);
    return {
      ops: [{ type: 'deleteAssignment', assignment, customRole: role ? !role.builtIn : false }, ...keepAdmin()],
      audit: [{ action: 'role.removed', nodeId: assignment.nodeId, before: assignment }],
      result: null,
    };
  }, ['roles.assign']);
  return noContent();
});
