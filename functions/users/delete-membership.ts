import { removeMembership } from '../../domain/access/memberships';
import { getNode } from '../../domain/org/tree';
import { httpHandler } from '../http/handler';
import { noContent } from '../http/responses';
import { authorize } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { nowIso } from '../shared/ids';
import { membershipOps } from './membership-ops';
import { changePerson } from './person-change';
import { membershipParamsSchema } from './user.schema';

export const handler = httpHandler({ auth: 'user', params: membershipParamsSchema }, async ({ caller, params }) => {
  refuseSelfChange(caller, params.id, 'memberships');
  if (caller.context.tree.nodes.has(params.nodeId)) authorize(caller, 'users.edit', getNode(caller.context.tree, params.nodeId).id);
  else authorize(caller, 'users.edit', caller.trust.rootNodeId);
  await changePerson(caller, params.id, ({ person, membershipsSince }) => {
    const after = removeMembership(person.memberships, params.nodeId, membershipsSince);
    const before = person.memberships.find((m) => m.nodeId === params.nodeId);
    return { ops: membershipOps(person.memberships, after, nowIso(), membershipsSince), audit: [{ action: 'membership.removed', nodeId: params.nodeId, before }], result: null };
  }, ['users.edit']);
  return noContent();
});
