import { permissionCatalogue } from '../../domain/access/permissions';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';

export const handler = httpHandler({ auth: 'user' }, async () => json(200, { items: permissionCatalogue }));
