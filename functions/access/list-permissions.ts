import { permissionCatalogue } from '../../domain/access/permissions';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';

export const handler = userHandler({}, async () => json(200, { items: permissionCatalogue }));
