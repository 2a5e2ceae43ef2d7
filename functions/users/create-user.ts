import { checkAssign } from '../../domain/access/delegation';
import { initialMemberships } from '../../domain/access/memberships';
import type { Person } from '../../domain/access/resolve';
import { auditRecord } from '../../domain/audit/audit-record';
import type { Account } from '../../domain/identity/account';
import { personConflict, PersonWriteConflictError, writeNewPerson, type PersonOp } from '../adapters/dynamo/person-writes';
import { requireNode } from '../../domain/org/tree';
import { inviterOf, sendInvitation } from '../identity/link-flows';
import { withNewLogin } from '../identity/new-login';
import { httpHandler } from '../http/handler';
import { entity } from '../http/responses';
import { authorize } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { createUserBodySchema } from './user.schema';
import { userView } from './user-view';

/**
 * A new account, placed and given roles in one transaction. The caller needs
 * users.create wherever the person is placed (at the trust when nowhere), and
 * every role passes the delegation guard. The email is claimed before Cognito
 * is touched (new-login.ts), so a concurrent create of the same email answers
 * 409 and cannot break this one.
 */
export const handler = httpHandler({ auth: 'user', body: createUserBodySchema }, async ({ caller, body }) => {
  const { tree, roles } = caller.context;
  body.memberships.forEach((m, i) => requireNode(tree, m.nodeId, `memberships.${i}.nodeId`));
  body.roles.forEach((r, i) => requireNode(tree, r.nodeId, `roles.${i}.nodeId`));
  const places = body.memberships.length ? body.memberships.map((m) => m.nodeId) : body.roles.length ? body.roles.map((r) => r.nodeId) : [tree.rootId];
  new Set(places).forEach((nodeId) => authorize(caller, 'users.create', nodeId));
  const memberships = initialMemberships(body.memberships.map((m) => ({ ...m, primary: m.primary ?? false })));
  const now = new Date();
  const assignments = body.roles.map((input) => {
    const role = checkAssign({
      tree, roles, caller: caller.compiled, callerMfa: caller.mfa, now, target: { memberships },
      roleId: input.roleId, nodeId: input.nodeId, policy: caller.trust.policies,
    });
    return { assignment: { id: newId(), ...input }, customRole: !role.builtIn };
  });

  const at = nowIso();
  const id = newId();
  const audit = (action: string, nodeId: string | null, after: unknown) =>
    auditRecord({ id: newId(), at, actorId: caller.account.id, action, targetType: 'user', targetId: id, nodeId, after });
  const person: Person = {
    id, status: 'invited', userType: body.userType, mfaEnabled: false,
    memberships, assignments: assignments.map((a) => a.assignment), blocks: [], children: [],
  };
  const ops: PersonOp[] = [
    ...memberships.map((membership): PersonOp => ({ type: 'putMembership', membership, createdAt: at, isNew: true })),
    ...assignments.map(({ assignment, customRole }): PersonOp => ({ type: 'putAssignment', assignment, customRole })),
  ];
  const { account, view } = await withNewLogin(body.email, async ({ cognitoUsername, claimId }) => {
    const account: Account = {
      id, trustId: caller.trust.id, email: body.email, firstName: body.firstName, lastName: body.lastName,
      ...(body.mobile ? { mobile: body.mobile } : {}), userType: body.userType, status: 'invited', source: 'manual',
      cognitoUsername, sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 1, createdAt: at, updatedAt: at,
    };
    const view = userView(account, person);
    const records = [
      audit('user.created', memberships.find((m) => m.primary)?.nodeId ?? places[0]!, view),
      ...assignments.map(({ assignment }) => audit('role.assigned', assignment.nodeId, assignment)),
    ];
    await writeNewPerson(account, ops, records, claimId).catch((error: unknown) => {
      throw error instanceof PersonWriteConflictError ? personConflict(error) : error;
    });
    return { account, view };
  });
  // The account exists now; an email failure leaves it `invited` for a re-send (POST /users/{id}/invitation).
  const invitation = body.invite ? await sendInvitation(account, inviterOf(caller.account)) : { sent: false };
  return entity(201, { ...view, invitationSent: invitation.sent });
});
