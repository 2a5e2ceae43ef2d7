import { ForbiddenError, NotFoundError } from '../../domain/errors';
import { userOrClientHandler } from '../http/client-caller';
import { json } from '../http/responses';
import { ABOUT_A_PUPIL, decideFor } from './decide-for';
import { checkSchema } from './authz.schema';

export const handler = userOrClientHandler('authz.check', { body: checkSchema }, async ({ caller, body }) => {
  const [result] = await decideFor(caller, [body], { unknownNodes: 'refuse' });
  if (result && 'error' in result && result.error.status === 403) {
    throw new ForbiddenError(`Asking about another person and a pupil needs ${ABOUT_A_PUPIL} here: the answer would show safeguarding blocks and parent links`, 'forbidden');
  }
  if (!result || 'error' in result) throw new NotFoundError('User');
  return json(200, result);
});
