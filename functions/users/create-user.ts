import { inviterOf, sendInvitation } from '../identity/link-sending';
import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { createPerson } from './person-creation';
import { createUserBodySchema } from './user.schema';

/**
 * A new account, placed and given roles in one transaction. The caller needs
 * users.create wherever the person is placed (at the trust when nowhere), and
 * every role passes the delegation guard. The email is claimed before Cognito
 * is touched (new-login.ts), so a concurrent create of the same email answers
 * 409 and cannot break this one.
 */
export const handler = userHandler({ body: createUserBodySchema }, async ({ caller, body }) => {
  const { account, view } = await createPerson(caller, body);
  // The account exists now; an email failure leaves it `invited` for a re-send (POST /users/{id}/invitation).
  const invitation = body.invite ? await sendInvitation(account, inviterOf(caller.account)) : { sent: false };
  return entity(201, { ...view, invitationSent: invitation.sent });
});
