import { auditNodeOf, planDeactivate } from '../../domain/identity/lifecycle';
import { disableCognitoUser, signOutEverywhere } from '../adapters/cognito/user-status';
import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { changeAccount } from '../shared/account-change';
import { keepAdminOnDeactivation } from '../shared/last-admin';
import { loadAccountTarget } from './account-target';
import { userParamsSchema } from './params.schema';
import { userView } from './user-view';

/**
 * Deactivates an account; memberships, roles and history stay. The table
 * goes first: from that write on every request and refresh of the person is
 * refused. Cognito is then disabled and signed out as defence in depth; a
 * failure there is a 5xx the admin can retry (the steps are idempotent).
 */
export const handler = userHandler({ params: userParamsSchema }, async ({ caller, params }) => {
  const { account, person } = await loadAccountTarget(caller, params.id, 'users.deactivate');
  const witness = await keepAdminOnDeactivation(caller, person);
  const deactivated = await changeAccount({
    reload: async () => (await loadAccountTarget(caller, params.id, 'users.deactivate')).account,
    account, actorId: caller.account.id, nodeId: auditNodeOf(person), witness,
    plan: (current) => planDeactivate(current, caller.account.id, new Date()),
  });
  await disableCognitoUser(deactivated.cognitoUsername);
  await signOutEverywhere(deactivated.cognitoUsername);
  return entity(200, userView(deactivated, person));
});
