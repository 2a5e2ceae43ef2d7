import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';

export const handler = userHandler({}, async ({ caller }) => json(200, { items: [...caller.context.roles.values()] }));
