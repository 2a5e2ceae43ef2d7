import { displayName } from '../../domain/identity/account';
import type { Trust } from '../../domain/org/trust';
import { outboxOf, removeOutboxEntry } from '../adapters/dynamo/outbox-repository';
import { loadTrustContext } from '../adapters/dynamo/trust-repository';
import { logger } from '../http/logger';
import { raiseEvent } from './raise';

/** Outbox entries one sweep raises per trust at most; the next sweep (five minutes on) takes the rest, oldest first. */
export const OUTBOX_ENTRIES_PER_SWEEP = 100;

/**
 * Raises the service events a trust's changes left in the outbox
 * (shared/account-security.ts, security-events.ts, the MIS runs), oldest
 * first, then removes each entry: the notify job's sweep. Raising is
 * idempotent by each event's key, so an entry raised and not yet removed (a
 * crash between the two) raises nothing twice on the next sweep. Bounded:
 * at most `limit` entries, and none once `shouldStop` says the sweep's time
 * is running out, so one busy trust never keeps the sweep from the others.
 */
export async function drainOutbox(trust: Trust, options: { limit?: number; shouldStop?: () => boolean } = {}): Promise<number> {
  let raised = 0;
  const entries = await outboxOf(trust.id, options.limit ?? OUTBOX_ENTRIES_PER_SWEEP);
  if (entries.length === 0) return 0;
  // An event about a node deleted since (a school closed after a grant there) is told at the trust, never to nobody (review G, G2).
  const { tree } = await loadTrustContext(trust);
  for (const entry of entries) {
    if (options.shouldStop?.()) break;
    try {
      for (const [index, event] of entry.events.entries()) {
        await raiseEvent(trust, {
          category: event.category, nodeId: event.nodeId !== null && tree.nodes.has(event.nodeId) ? event.nodeId : trust.rootNodeId,
          title: event.subject ? `${displayName(event.subject)}: ${event.title}` : event.title,
          ...(event.summary ? { summary: event.summary } : {}), ...(event.link ? { link: event.link } : {}),
          occurredAt: entry.at, idempotencyKey: `service:${event.key ?? `outbox:${entry.id}${index > 0 ? `:${index}` : ''}`}`,
          sender: { type: 'service', id: event.senderId ?? event.category },
        });
        raised += 1;
      }
      await removeOutboxEntry(entry.key);
    } catch (error) {
      // One entry that cannot be raised stays for the next sweep and never holds up the others (review G, G5).
      logger.error('an outbox entry could not be raised; it waits for the next sweep', { error, trustId: trust.id, entryId: entry.id });
    }
  }
  return raised;
}
