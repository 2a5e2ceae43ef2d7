import { auditNodeOf, planActivate } from '../../domain/identity/lifecycle';
import { enableCognitoUser } from '../adapters/cognito/user-status';
import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { changeAccount } from '../shared/account-change';
import { loadAccountTarget } from './account-target';
import { userParamsSchema } from './params.schema';
import { userView } from './user-view';

/**
 * Reactivates an account: `active` if the person ever accepted their
 * invitation, else `invited`. Cognito is enabled first, so the table never
 * says active for a user Cognito would refuse; sessions from before the
 * deactivation stay void.
 */
export const handler = userHandler({ params: userParamsSchema }, async ({ caller, params }) => {
  const { account, person } = await loadAccountTarget(caller, params.id, 'users.deactivate');
  await enableCognitoUser(account.cognitoUsername);
  const activated = await changeAccount({
    account, actorId: caller.account.id, nodeId: auditNodeOf(person), plan: planActivate,
    reload: async () => (await loadAccountTarget(caller, params.id, 'users.deactivate')).account,
  });
  return entity(200, userView(activated, person));
});
