import { upsertMembership } from '../../domain/access/memberships';
import { getNode } from '../../domain/org/tree';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { authorize } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { nowIso } from '../shared/ids';
import { membershipOps } from './membership-ops';
import { changePerson } from './person-change';
import { membershipParamsSchema, putMembershipBodySchema } from './user.schema';

/**
 * Places a person at a node, or changes that placement (job title, primary,
 * manager): someone in the caller's reach of users.edit, never oneself (a
 * self-placement would meet the trust's members-only rule for roles, or name
 * oneself a manager).
 */
export const handler = httpHandler(
  { auth: 'user', params: membershipParamsSchema, body: putMembershipBodySchema },
  async ({ caller, params, body }) => {
    refuseSelfChange(caller, params.id, 'memberships');
    getNode(caller.context.tree, params.nodeId);
    authorize(caller, 'users.edit', params.nodeId);
    const membership = await changePerson(caller, params.id, ({ person, membershipsSince }) => {
      // A person's first membership is their primary one, whatever the body says: one must be primary.
      const change = person.memberships.length === 0 ? { ...body, primary: true } : body;
      const after = upsertMembership(person.memberships, params.nodeId, change);
      const before = person.memberships.find((m) => m.nodeId === params.nodeId) ?? null;
      const changed = after.find((m) => m.nodeId === params.nodeId)!;
      return {
        ops: membershipOps(person.memberships, after, nowIso(), membershipsSince),
        audit: [{ action: before ? 'membership.updated' : 'membership.added', nodeId: params.nodeId, before, after: changed }],
        result: changed,
      };
    }, ['users.edit']);
    return json(200, membership);
  },
);
