import { permissionCatalogue } from '../../domain/access/permissions';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { grantsOf, matrixVersion } from './access-matrix';

export const handler = userHandler({}, async ({ caller }) => {
  const roles = [...caller.context.roles.values()];
  const version = matrixVersion(caller.context);
  return json(200, { roles, permissions: permissionCatalogue, grants: grantsOf(roles), version }, { etag: `"${version}"` });
});
