import { sendPasswordReset } from '../identity/link-sending';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { loadAccountTarget } from './account-target';
import { userParamsSchema } from './params.schema';

/** An admin sends a person a password-reset link (the admin never sees or sets the password), only to someone they dominate. */
export const handler = userHandler({ params: userParamsSchema }, async ({ caller, params }) => {
  const { account } = await loadAccountTarget(caller, params.id, 'users.reset_password');
  await sendPasswordReset(account, caller.account.id, async () => (await loadAccountTarget(caller, params.id, 'users.reset_password')).account);
  return json(202, { status: 'sent' });
});
