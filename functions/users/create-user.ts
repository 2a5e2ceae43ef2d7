import { checkAssign } from '../../domain/access/delegation';
import { initialMemberships } from '../../domain/access/memberships';
import type { Person } from '../../domain/access/resolve';
import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError } from '../../domain/errors';
import type { Account } from '../../domain/identity/account';
import { findAccountByEmail } from '../adapters/dynamo/account-repository';
import { personConflict, PersonWriteConflictError, writeNewPerson, type PersonOp } from '../adapters/dynamo/person-writes';
import { createCognitoUser, deleteCognitoUser } from '../adapters/cognito/user-pool';
import { requireNode } from '../../domain/org/tree';
import { inviterOf, sendInvitation } from '../identity/link-flows';
import { httpHandler } from '../http/handler';
import { entity } from '../http/responses';
import { authorize } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { createUserBodySchema } from './user.schema';
import { userView } from './user-view';

/**
 * A new account, placed and given roles in one transaction. The caller needs
 * users.create wherever the person is placed (at the trust when nowhere), and
 * every role passes the delegation guard.
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
  if (await findAccountByEmail(body.email)) throw new ConflictError('email_taken', 'This email already has an account');

  const at = nowIso();
  const cognitoUsername = await createCognitoUser(body.email);
  const account: Account = {
    id: newId(), trustId: caller.trust.id, email: body.email, firstName: body.firstName, lastName: body.lastName,
    ...(body.mobile ? { mobile: body.mobile } : {}), userType: body.userType, status: 'invited', source: 'manual',
    cognitoUsername, sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 1, createdAt: at, updatedAt: at,
  };
  const ops: PersonOp[] = [
    ...memberships.map((membership): PersonOp => ({ type: 'putMembership', membership, createdAt: at, isNew: true })),
    ...assignments.map(({ assignment, customRole }): PersonOp => ({ type: 'putAssignment', assignment, customRole })),
  ];
  const audit = (action: string, nodeId: string | null, after: unknown) =>
    auditRecord({ id: newId(), at, actorId: caller.account.id, action, targetType: 'user', targetId: account.id, nodeId, after });
  const person: Person = {
    id: account.id, status: account.status, userType: account.userType, mfaEnabled: false,
    memberships, assignments: assignments.map((a) => a.assignment), blocks: [], children: [],
  };
  const view = userView(account, person);
  try {
    await writeNewPerson(account, ops, [
      audit('user.created', memberships.find((m) => m.primary)?.nodeId ?? places[0]!, view),
      ...assignments.map(({ assignment }) => audit('role.assigned', assignment.nodeId, assignment)),
    ]);
  } catch (error) {
    await deleteCognitoUser(cognitoUsername).catch(() => undefined);
    throw error instanceof PersonWriteConflictError ? personConflict(error) : error;
  }
  // The account exists now; an email failure leaves it `invited` for a re-send (POST /users/{id}/invitation).
  const invitation = body.invite ? await sendInvitation(account, inviterOf(caller.account)) : { sent: false };
  return entity(201, { ...view, invitationSent: invitation.sent });
});
