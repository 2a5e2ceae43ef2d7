import { ConflictError, UnavailableError } from '../../domain/errors';
import { inviterOf, sendInvitation } from '../identity/link-sending';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { loadAccountTarget } from './account-target';
import { userParamsSchema } from './params.schema';

/** Sends a new invitation link (every older link stops working), only for someone the caller dominates: the link sets the password. */
export const handler = userHandler({ params: userParamsSchema }, async ({ caller, params }) => {
  const { account } = await loadAccountTarget(caller, params.id, 'users.create');
  if (account.status !== 'invited') throw new ConflictError('not_invited', 'Only invited accounts get invitations');
  const { sent } = await sendInvitation(account, inviterOf(caller.account), async () => (await loadAccountTarget(caller, params.id, 'users.create')).account);
  if (!sent) throw new UnavailableError('email_not_sent', 'The email could not be sent; try again shortly');
  return json(202, { status: 'sent' });
});
