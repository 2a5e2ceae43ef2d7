import { acceptInvitation } from '../identity/invitation-acceptance';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { acceptInvitationBodySchema } from './auth.schema';

export const handler = httpHandler({ auth: 'public', body: acceptInvitationBodySchema }, async ({ body }) =>
  json(200, await acceptInvitation(body.token, body.password)),
);
