import { sendPasswordReset } from '../identity/link-flows';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { loadAccountTarget } from './account-target';
import { userParamsSchema } from './user.schema';

/** An admin sends a person a password-reset link (the admin never sees or sets the password), only to someone they dominate. */
export const handler = httpHandler({ auth: 'user', params: userParamsSchema }, async ({ caller, params }) => {
  const { account } = await loadAccountTarget(caller, params.id, 'users.reset_password');
  await sendPasswordReset(account, caller.account.id);
  return json(202, { status: 'sent' });
});
