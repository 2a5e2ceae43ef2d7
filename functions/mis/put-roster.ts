import { auditRecord } from '../../domain/audit/audit-record';
import { InvalidInputError, PayloadTooLargeError } from '../../domain/errors';
import { getNode } from '../../domain/org/tree';
import { putRosterRef } from '../adapters/dynamo/mis-sync-repository';
import { recordApiUpload } from '../adapters/dynamo/roster-uploads';
import { saveRoster } from '../adapters/files/roster-store';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { idParamsSchema } from '../shared/schemas';
import { rosterBodySchema } from './mis.schema';

/** A zip starts with a local file header (`PK\x03\x04`), or is an empty archive (`PK\x05\x06`). */
const isZip = (bytes: Uint8Array) => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);

/**
 * PUT /nodes/{id}/mis/roster: a school's OneRoster bundle, kept for its next
 * run (org.manage at the school). Through the API the zip is at most Lambda's
 * 6 MB request payload (API Gateway passes it base64, a third larger); a
 * bigger export goes under the roster bucket's prefix instead. Storing a
 * roster queues no run (the next run, nightly or asked for, takes it); a
 * file dropped straight into the bucket does (roster-dropped.ts).
 */
export const handler = userHandler({ params: idParamsSchema, body: rosterBodySchema }, async ({ caller, params, body }) => {
  const node = getNode(caller.context.tree, params.id);
  authorize(caller, 'org.manage', node.id);
  if (node.kind !== 'school') throw new InvalidInputError('not_a_school', 'Only a school (or nursery) syncs a roster', [{ path: 'id', message: 'this node is not a school' }]);
  const zip = new Uint8Array(Buffer.from(body, 'base64'));
  if (zip.length > 6 * 1024 * 1024) throw new PayloadTooLargeError('The roster is over 6 MB; drop it under the roster bucket\'s prefix instead');
  if (!isZip(zip)) throw new InvalidInputError('invalid_bundle', 'The body is not a zip (a OneRoster 1.2 CSV bundle)', [{ path: 'body', message: 'not a zip' }]);
  const rosterId = newId();
  const at = nowIso();
  // Recorded before the object is stored: in AWS the roster bucket's object-created event for it finds this record and queues nothing.
  await recordApiUpload(caller.trust.id, node.id, { rosterId, source: 'api', uploadedBy: caller.account.id, uploadedAt: at, bytes: zip.length });
  await saveRoster(caller.trust.id, node.id, rosterId, zip);
  await putRosterRef(caller.trust.id, node.id, { rosterId, uploadedBy: caller.account.id, uploadedAt: at, bytes: zip.length }, auditRecord({
    id: newId(), at, actorId: caller.account.id, action: 'mis.roster_uploaded', targetType: 'node', targetId: node.id, nodeId: node.id,
    after: { rosterId, bytes: zip.length },
  }));
  return json(202, { rosterId });
});
