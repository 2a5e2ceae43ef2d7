import { auditNodeOf, planUnlock } from '../../domain/identity/lifecycle';
import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { changeAccount } from '../shared/account-change';
import { loadAccountTarget } from './account-target';
import { userParamsSchema } from './params.schema';
import { userView } from './user-view';

/** Unlocks an account locked by failed sign-ins: active again, counter at zero. */
export const handler = userHandler({ params: userParamsSchema }, async ({ caller, params }) => {
  const { account, person } = await loadAccountTarget(caller, params.id, 'users.unlock');
  const unlocked = await changeAccount({
    account, actorId: caller.account.id, nodeId: auditNodeOf(person), plan: planUnlock,
    reload: async () => (await loadAccountTarget(caller, params.id, 'users.unlock')).account,
  });
  return entity(200, userView(unlocked, person));
});
