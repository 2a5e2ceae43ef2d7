import { createHash } from 'node:crypto';
import { categoryByCode, type EventContent } from '../../domain/notifications/categories';
import { recipientSearch, recipientsFor } from '../../domain/notifications/recipients';
import type { Trust } from '../../domain/org/trust';
import { loadRecipientCandidates, storeEvent, type StoredEvent } from '../adapters/dynamo/notification-repository';
import { loadTrustContext } from '../adapters/dynamo/trust-repository';
import { newId, nowIso } from '../shared/ids';
import { enqueue } from '../adapters/sqs/job-queue';
import { logger } from '../http/logger';

export interface NewEvent extends EventContent {
  /** Unique per event within the trust: the same key again is the same event (the service's own start with `service:`). */
  idempotencyKey: string;
  sender: StoredEvent['sender'];
}

/**
 * Stores one event with its recipients, decided now by the decision engine:
 * the one path for events from apps (POST /notifications/events) and the
 * service's own (lockouts, 2FA resets, sensitive grants, MIS runs).
 */
export async function raiseEvent(trust: Trust, input: NewEvent): Promise<{ event: StoredEvent; duplicate: boolean }> {
  const category = categoryByCode.get(input.category);
  if (!category) throw new Error(`Unknown notification category ${input.category}`);
  const { tree, roles } = await loadTrustContext(trust);
  const search = recipientSearch(tree, roles, { category, nodeId: input.nodeId });
  const candidates = await loadRecipientCandidates(trust.id, search.nodeIds, search.roleIds);
  const recipients = recipientsFor({
    event: { category, nodeId: input.nodeId, ...(input.subjectId ? { subjectId: input.subjectId } : {}) },
    tree, roles, candidates, trustDefaults: trust.policies.notificationDefaults, digest: trust.policies, now: new Date(),
  });
  const { idempotencyKey, ...fields } = input;
  const keyHash = createHash('sha256').update(idempotencyKey).digest('hex');
  const stored = await storeEvent(trust.id, { id: newId(), keyHash, ...fields, receivedAt: nowIso(), recipients });
  if (stored.event.recipients.some((r) => r.delivery === 'immediate')) {
    // Within a minute, through the queue; if the message cannot be sent, the notify job's sweep still finds the entries.
    await enqueue('notifications', { trustId: trust.id, eventKeyHash: stored.event.keyHash }).catch((error: unknown) =>
      logger.error('could not queue the immediate emails of an event; the sweep will send them', { error, eventId: stored.event.id }),
    );
  }
  return stored;
}
