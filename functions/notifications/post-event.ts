import { InvalidInputError } from '../../domain/errors';
import { categoryByCode } from '../../domain/notifications/categories';
import { requireNode } from '../../domain/org/tree';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { postEventBodySchema } from './notification.schema';
import { raiseEvent } from './raise';

/**
 * An event from a school app, posted by a person with notifications.send at
 * the node. Its recipients are decided now, by the decision engine, and
 * stored with it; the same idempotencyKey again answers the first event.
 */
export const handler = userHandler({ body: postEventBodySchema }, async ({ caller, body }) => {
  requireNode(caller.context.tree, body.nodeId, 'nodeId');
  authorize(caller, 'notifications.send', body.nodeId);
  if (categoryByCode.get(body.category)!.internal) {
    throw new InvalidInputError('validation_failed', 'Only the service raises this category', [{ path: 'category', message: 'raised by the service itself' }]);
  }
  const { event, duplicate } = await raiseEvent(caller.trust, { ...body, sender: { type: 'user', id: caller.account.id } });
  return json(202, { id: event.id, recipients: event.recipients.length, duplicate });
});
