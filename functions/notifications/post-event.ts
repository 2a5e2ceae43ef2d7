import { ForbiddenError, InvalidInputError } from '../../domain/errors';
import { categoryByCode } from '../../domain/notifications/categories';
import { requireNode } from '../../domain/org/tree';
import { isClientCaller, userOrClientHandler } from '../http/client-caller';
import { json } from '../http/responses';
import { authorize } from '../shared/authorize';
import { postEventBodySchema } from './notification.schema';
import { raiseEvent } from './raise';

/**
 * An event from a school app: a person with notifications.send at the node,
 * or an integration client with that scope whose node is at or above it.
 * Its recipients are decided now, by the decision engine, and stored with
 * it; the same idempotencyKey again answers the first event.
 */
export const handler = userOrClientHandler('notifications.send', { body: postEventBodySchema }, async ({ caller, body }) => {
  requireNode(caller.context.tree, body.nodeId, 'nodeId');
  if (isClientCaller(caller)) {
    if (!caller.reach.has(body.nodeId)) throw new ForbiddenError("This client may post only at or under its node");
  } else authorize(caller, 'notifications.send', body.nodeId);
  if (categoryByCode.get(body.category)!.internal) {
    throw new InvalidInputError('validation_failed', 'Only the service raises this category', [{ path: 'category', message: 'raised by the service itself' }]);
  }
  const sender = isClientCaller(caller) ? { type: 'client' as const, id: caller.integration.clientId } : { type: 'user' as const, id: caller.account.id };
  const { event, duplicate, reach } = await raiseEvent(caller.trust, { ...body, sender });
  return json(202, { id: event.id, recipients: reach, duplicate });
});
