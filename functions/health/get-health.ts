import { httpHandler } from '../http/handler';
import { json } from '../http/responses';

export const handler = httpHandler({ auth: 'public' }, async () => json(200, { status: 'ok' }));
