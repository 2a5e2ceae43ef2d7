import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../domain/errors';
import { categoryByCode, type EventContent } from '../../domain/notifications/categories';
import { isAboutOwnChildren, recipientSearch, recipientsFor } from '../../domain/notifications/recipients';
import type { Trust } from '../../domain/org/trust';
import { loadRecipientCandidates, storeEvent, type StoredEvent } from '../adapters/dynamo/notification-repository';
import { loadTrustContext } from '../adapters/dynamo/trust-repository';
import { newId, nowIso } from '../shared/ids';
import { enqueue } from '../adapters/sqs/job-queue';
import { logger } from '../http/logger';

export interface NewEvent extends EventContent {
  /** Unique per event and sender: the same key from the same sender is the same event (the service's own start with `service:`). */
  idempotencyKey: string;
  sender: StoredEvent['sender'];
}

/** The service's own keys' namespace: nobody else may post a key in it. */
const SERVICE_PREFIX = 'service:';

/**
 * Where an event's idempotency key lives: each sender's keys are its own
 * (`<type>:<id>:<key>`; user ids and client ids hold no colon), so another
 * app reusing a key neither learns of the first event nor has its own event
 * swallowed as a duplicate. The service's keys keep their `service:` names,
 * which only the service may use (so events raised before this rule keep
 * their hash and an outbox drained twice still raises once).
 */
export function eventKeyHash(sender: StoredEvent['sender'], idempotencyKey: string): string {
  const scoped = sender.type === 'service' ? idempotencyKey : `${sender.type}:${sender.id}:${idempotencyKey}`;
  return createHash('sha256').update(scoped).digest('hex');
}

/**
 * Stores one event with its recipients, decided now by the decision engine:
 * the one path for events from apps (POST /notifications/events) and the
 * service's own (lockouts, 2FA resets, sensitive grants, MIS runs).
 */
export async function raiseEvent(trust: Trust, input: NewEvent): Promise<{ event: StoredEvent; duplicate: boolean; reach: number }> {
  const category = categoryByCode.get(input.category);
  if (!category) throw new Error(`Unknown notification category ${input.category}`);
  if ((input.sender.type === 'service') !== input.idempotencyKey.startsWith(SERVICE_PREFIX)) {
    if (input.sender.type === 'service') throw new Error(`A service event's key must start with ${SERVICE_PREFIX}`);
    throw new InvalidInputError('validation_failed', `Idempotency keys starting with ${SERVICE_PREFIX} are the service's own`, [{ path: 'idempotencyKey', message: `must not start with ${SERVICE_PREFIX}` }]);
  }
  const { tree, roles } = await loadTrustContext(trust);
  const search = recipientSearch(tree, roles, { category, nodeId: input.nodeId });
  const candidates = await loadRecipientCandidates(trust.id, search.nodeIds, search.roleIds);
  const decide = (subjectId: string | undefined) => recipientsFor({
    event: { category, nodeId: input.nodeId, ...(subjectId ? { subjectId } : {}) },
    tree, roles, candidates, trustDefaults: trust.policies.notificationDefaults, policies: trust.policies, now: new Date(),
  });
  const recipients = decide(input.subjectId);
  // What the sender is told: how many the event reaches at its node, counted without the pupil's blocks, so the answer is no
  // oracle of who is blocked from which pupil (review J, J4). A parents' category has no audience without its pupil.
  const reach = input.subjectId && !isAboutOwnChildren(category) ? decide(undefined).length : recipients.length;
  const { idempotencyKey, ...fields } = input;
  const keyHash = eventKeyHash(input.sender, idempotencyKey);
  const stored = await storeEvent(trust.id, { id: newId(), keyHash, ...fields, receivedAt: nowIso(), recipients });
  if (stored.event.recipients.some((r) => r.delivery === 'immediate')) {
    // Within a minute, through the queue; if the message cannot be sent, the notify job's sweep still finds the entries.
    await enqueue('notifications', { trustId: trust.id, eventKeyHash: stored.event.keyHash }).catch((error: unknown) =>
      logger.error('could not queue the immediate emails of an event; the sweep will send them', { error, eventId: stored.event.id }),
    );
  }
  return { ...stored, reach };
}
