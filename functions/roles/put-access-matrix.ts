import { checkRoleEdit, widensRole } from '../../domain/access/delegation';
import { permissionCatalogue } from '../../domain/access/permissions';
import type { Role } from '../../domain/access/roles';
import { InvalidInputError, PreconditionRequiredError, VersionConflictError } from '../../domain/errors';
import { listRoleHolders } from '../adapters/dynamo/person-repository';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { authorize } from '../shared/authorize';
import { grantsOf, matrixVersion } from './access-matrix';
import { assertEditable, changeRoles } from './role-change';
import { putAccessMatrixBodySchema } from './role.schema';

/**
 * Roles one PUT /access-matrix may change: each is an update and an audit
 * record in one transaction with the trust's version bump, plus at most three
 * checks of the last-admin witness and the one outbox item of its alerts
 * (2n + 1 + 3 + 1 ≤ 100).
 */
export const MAX_MATRIX_CHANGES = 45;

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set([...a, ...b]).size === a.length;

/** All or nothing: every changed role passes the escalation rule, or none is stored. */
export const handler = userHandler({ body: putAccessMatrixBodySchema }, async ({ caller, body, headers }) => {
  authorize(caller, 'roles.define', caller.trust.rootNodeId);
  const ifMatch = headers['if-match']?.replace(/^(W\/)?"|"$/g, '');
  if (!ifMatch) throw new PreconditionRequiredError();
  const unknown = Object.keys(body.grants).filter((id) => !caller.context.roles.has(id));
  if (unknown.length) {
    throw new InvalidInputError('unknown_role', 'The matrix names roles that do not exist', unknown.map((id) => ({ path: `grants.${id}`, message: 'no such role' })));
  }
  let plannedOn = caller.context;
  const planned = await changeRoles(caller, async (context) => {
    plannedOn = context;
    if (matrixVersion(context) !== ifMatch) throw new VersionConflictError();
    const changed = Object.entries(body.grants)
      .map(([id, permissions]) => ({ before: context.roles.get(id)!, permissions }))
      .filter(({ before, permissions }) => !sameSet([...new Set(permissions)], before.permissions));
    changed.forEach(({ before }) => assertEditable(before));
    if (changed.length > MAX_MATRIX_CHANGES) {
      throw new InvalidInputError('too_many_changes', `One PUT /access-matrix changes at most ${MAX_MATRIX_CHANGES} roles (it is one transaction); send the rest in another`, [
        { path: 'grants', message: `${changed.length} roles change; at most ${MAX_MATRIX_CHANGES}` },
      ]);
    }
    // Only a widened role grants anything new, so only its holders matter; read on every plan, each
    // such update is conditioned on the holders counter its read saw. Narrowing reads nobody.
    const widened = (before: Role, permissions: string[]) => widensRole(before, { permissions, assignableRoles: before.assignableRoles });
    const holders = await Promise.all(changed.map(({ before, permissions }) => (widened(before, permissions) ? listRoleHolders(caller.trust.id, before.id) : undefined)));
    const updates = changed.map(({ before, permissions }, i) => {
      const definition = checkRoleEdit({
        tree: context.tree, roles: context.roles, caller: caller.person, callerMfa: caller.mfa, now: new Date(), before,
        after: { id: before.id, permissions, assignableRoles: before.assignableRoles }, holders: holders[i]?.holders ?? [],
      });
      const after: Role = { ...before, ...definition, version: before.version + 1 };
      return { before, after, seen: holders[i]?.seen };
    });
    return {
      writes: updates.map(({ before, after, seen }) => ({ type: 'update' as const, role: after, expectedVersion: before.version, ...(seen === undefined ? {} : { holders: seen }) })),
      changes: updates.map(({ before, after }) => ({ action: 'role.updated', before, after })),
    };
  });
  // The matrix as stored: the roles the last plan read, with its changes; its new version is the next PUT's If-Match (review F, F-9).
  const roles = new Map(plannedOn.roles);
  planned.changes.forEach(({ after }) => after && roles.set(after.id, after));
  const version = matrixVersion({ roles });
  return json(200, { roles: [...roles.values()], permissions: permissionCatalogue, grants: grantsOf(roles.values()), version, changed: planned.changes.length }, { etag: `"${version}"` });
});
