import { displayName } from '../../domain/identity/account';
import type { Trust } from '../../domain/org/trust';
import { outboxOf, removeOutboxEntry } from '../adapters/dynamo/outbox-repository';
import { raiseEvent } from './raise';

/**
 * Raises every service event a trust's changes left in the outbox
 * (shared/security-events.ts, the sign-in's lock), then removes the entry:
 * the notify job's sweep. Raising is idempotent by each event's key, so an
 * entry raised and not yet removed (a crash between the two) raises nothing
 * twice on the next sweep.
 */
export async function drainOutbox(trust: Trust): Promise<number> {
  let raised = 0;
  for (const entry of await outboxOf(trust.id)) {
    for (const [index, event] of entry.events.entries()) {
      await raiseEvent(trust, {
        category: event.category, nodeId: event.nodeId ?? trust.rootNodeId,
        title: event.subject ? `${displayName(event.subject)}: ${event.title}` : event.title,
        ...(event.summary ? { summary: event.summary } : {}), ...(event.link ? { link: event.link } : {}),
        occurredAt: entry.at, idempotencyKey: `service:${event.key ?? `outbox:${entry.id}${index > 0 ? `:${index}` : ''}`}`,
        sender: { type: 'service', id: event.senderId ?? event.category },
      });
      raised += 1;
    }
    await removeOutboxEntry(entry.key);
  }
  return raised;
}
