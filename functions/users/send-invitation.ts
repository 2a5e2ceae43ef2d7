import { ConflictError, UnavailableError } from '../../domain/errors';
import { inviterOf, sendInvitation } from '../identity/link-flows';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { loadAccountTarget } from './account-target';
import { userParamsSchema } from './user.schema';

/** Sends a new invitation link (every older link stops working), only for someone the caller dominates: the link sets the password. */
export const handler = httpHandler({ auth: 'user', params: userParamsSchema }, async ({ caller, params }) => {
  const { account } = await loadAccountTarget(caller, params.id, 'users.create');
  if (account.status !== 'invited') throw new ConflictError('not_invited', 'Only invited accounts get invitations');
  const { sent } = await sendInvitation(account, inviterOf(caller.account));
  if (!sent) throw new UnavailableError('email_not_sent', 'The email could not be sent; try again shortly');
  return json(202, { status: 'sent' });
});
