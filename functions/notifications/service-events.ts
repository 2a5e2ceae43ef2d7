import { displayName, type Account } from '../../domain/identity/account';
import type { Trust } from '../../domain/org/trust';
import { logger } from '../http/logger';
import { newId, nowIso } from '../shared/ids';
import { outboxOf, removeOutboxEntry } from '../adapters/dynamo/outbox-repository';
import { raiseEvent } from './raise';

/**
 * The service's own `account_security` events, through the same path as
 * the apps' (raiseEvent): who hears is decided by the decision engine
 * (users.unlock at the person's node). Best effort by design: the change they
 * report has already happened and stands whatever this does, so a failure is
 * logged, never turned into a failed request.
 */
/** Raises every service event a trust's changes left in the outbox, then removes each (raising is idempotent by its key). */
export async function drainOutbox(trust: Trust): Promise<number> {
  let raised = 0;
  for (const entry of await outboxOf(trust.id)) {
    await raiseEvent(trust, {
      category: entry.category, nodeId: entry.nodeId ?? trust.rootNodeId, title: `${displayName(entry.subject)}: ${entry.title}`,
      occurredAt: entry.at, idempotencyKey: `service:outbox:${entry.id}`, sender: { type: 'service', id: entry.category },
    });
    await removeOutboxEntry(entry.key);
    raised += 1;
  }
  return raised;
}

export async function raiseAccountSecurity(trust: Trust, subject: Pick<Account, 'id' | 'firstName' | 'lastName'>, nodeId: string | null, title: string): Promise<void> {
  await raiseEvent(trust, {
    category: 'account_security',
    nodeId: nodeId ?? trust.rootNodeId,
    title: `${displayName(subject)}: ${title}`,
    occurredAt: nowIso(),
    idempotencyKey: `service:account_security:${newId()}`,
    sender: { type: 'service', id: 'account_security' },
  }).catch((error: unknown) => logger.error('account_security event not raised', { error, userId: subject.id }));
}
