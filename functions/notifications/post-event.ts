import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../domain/errors';
import { categoryByCode } from '../../domain/notifications/categories';
import { recipientSearch, recipientsFor } from '../../domain/notifications/recipients';
import { requireNode } from '../../domain/org/tree';
import { loadRecipientCandidates, storeEvent } from '../adapters/dynamo/notification-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { postEventBodySchema } from './notification.schema';

/**
 * An event from a school app, posted by a person with notifications.send at
 * the node. Its recipients are decided now, by the decision engine, and
 * stored with it; the same idempotencyKey again answers the first event.
 */
export const handler = userHandler({ body: postEventBodySchema }, async ({ caller, body }) => {
  const { tree, roles } = caller.context;
  requireNode(tree, body.nodeId, 'nodeId');
  authorize(caller, 'notifications.send', body.nodeId);
  const category = categoryByCode.get(body.category)!;
  if (category.internal) throw new InvalidInputError('validation_failed', 'Only the service raises this category', [{ path: 'category', message: 'raised by the service itself' }]);
  const search = recipientSearch(tree, roles, { category, nodeId: body.nodeId });
  const candidates = await loadRecipientCandidates(caller.trust.id, search.nodeIds, search.roleIds);
  const now = new Date();
  const recipients = recipientsFor({
    event: { category, nodeId: body.nodeId, ...(body.subjectId ? { subjectId: body.subjectId } : {}) },
    tree, roles, candidates, trustDefaults: caller.trust.policies.notificationDefaults, digest: caller.trust.policies, now,
  });
  const { idempotencyKey, ...fields } = body;
  const keyHash = createHash('sha256').update(idempotencyKey).digest('hex');
  const { event, duplicate } = await storeEvent(caller.trust.id, {
    id: newId(), keyHash, ...fields, receivedAt: nowIso(), sender: { type: 'user', id: caller.account.id }, recipients,
  });
  return json(202, { id: event.id, recipients: event.recipients.length, duplicate });
});
