import { confirmPasswordReset } from '../identity/password-reset-confirmation';
import { httpHandler } from '../http/handler';
import { noContent } from '../http/responses';
import { confirmPasswordResetBodySchema } from './auth.schema';

export const handler = httpHandler({ auth: 'public', body: confirmPasswordResetBodySchema }, async ({ body }) => {
  await confirmPasswordReset(body.token, body.password);
  return noContent();
});
