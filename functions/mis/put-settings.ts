import { checkAssign } from '../../domain/access/delegation';
import { presetIds } from '../../domain/access/roles';
import { auditRecord } from '../../domain/audit/audit-record';
import { InvalidInputError, PreconditionRequiredError, VersionConflictError } from '../../domain/errors';
import { getNode } from '../../domain/org/tree';
import { getMisSettings, putMisSettings, type StoredMisSettings } from '../adapters/dynamo/mis-repository';
import { entity, requireIfMatch } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { idParamsSchema } from '../shared/schemas';
import { putMisSettingsBodySchema } from './mis.schema';

/**
 * A school's roster sync settings (org.manage at the school; If-Match: the
 * settings version, 0 for the first save). Without If-Match the save may only
 * create: before the first save GET answers 404 and there is no version to
 * send (API.md shows none; review F, F-3), so a missing If-Match means
 * "version 0", and the store's create-only condition makes it 412
 * `version_conflict` if someone saved meanwhile (of two concurrent first
 * saves exactly one wins). Once settings exist, If-Match is required (428),
 * so no edit overwrites one it never saw. The sync hands out the mapped
 * roles (and Staff, and Parent when parents are synced) every night with no
 * one signed in, so whoever saves the mapping must be able to grant each of
 * those roles at the school themself, under the same delegation guard as
 * POST /users/{id}/roles: a School Admin cannot map `teacher` to Trust Admin.
 */
export const handler = userHandler({ params: idParamsSchema, body: putMisSettingsBodySchema }, async ({ caller, params, body, headers }) => {
  const { tree, roles } = caller.context;
  const node = getNode(tree, params.id);
  authorize(caller, 'org.manage', node.id);
  if (node.kind !== 'school') throw new InvalidInputError('not_a_school', 'Only a school (or nursery) syncs a roster', [{ path: 'id', message: 'this node is not a school' }]);
  const given = headers['if-match'] === undefined ? undefined : requireIfMatch(headers);
  const current = await getMisSettings(caller.trust.id, node.id);
  if (given === undefined && current) throw new PreconditionRequiredError();
  const expected = given ?? 0;
  if ((current?.version ?? 0) !== expected) throw new VersionConflictError();
  const granted = new Set([...Object.values(body.roleMap), presetIds.staff, ...(body.parents ? [presetIds.parent] : [])]);
  for (const roleId of granted) {
    if (!roles.has(roleId)) throw new InvalidInputError('unknown_role', 'The role map names a role that does not exist', [{ path: `roleMap`, message: `no role ${roleId}` }]);
    // The sync's grants carry no end date, so only authority that never ends may map a role (no window passed: for good).
    checkAssign({ tree, roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date(), target: { memberships: [{ nodeId: node.id }] }, roleId, nodeId: node.id });
  }
  const at = nowIso();
  const settings: StoredMisSettings = { nodeId: node.id, ...body, updatedBy: caller.account.id, updatedAt: at, version: expected + 1 };
  const audit = auditRecord({
    id: newId(), at, actorId: caller.account.id, action: 'mis.settings_changed', targetType: 'node', targetId: node.id, nodeId: node.id,
    before: current ?? null, after: settings,
  });
  await putMisSettings(caller.trust.id, settings, audit);
  return entity(200, settings);
});
