import { httpHandler } from '../http/handler';
import { json } from '../http/responses';

export const handler = httpHandler({ auth: 'user' }, async ({ caller }) => json(200, { items: [...caller.context.roles.values()] }));
