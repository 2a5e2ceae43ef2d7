import { NotFoundError } from '../../domain/errors';
import { userOrClientHandler } from '../http/client-caller';
import { json } from '../http/responses';
import { decideFor } from './decide-for';
import { checkSchema } from './authz.schema';

export const handler = userOrClientHandler('authz.check', { body: checkSchema }, async ({ caller, body }) => {
  const [result] = await decideFor(caller, [body], () => '');
  if (!result || 'error' in result) throw new NotFoundError('User');
  return json(200, result);
});
