import { NotFoundError } from '../../domain/errors';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { decideFor } from './decide-for';
import { checkSchema } from './authz.schema';

export const handler = userHandler({ body: checkSchema }, async ({ caller, body }) => {
  const [result] = await decideFor(caller, [body], () => '');
  if (!result || 'error' in result) throw new NotFoundError('User');
  return json(200, result);
});
