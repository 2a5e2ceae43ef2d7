import type { Context, SQSBatchResponse } from 'aws-lambda';
import { getTrust, listTrustIds } from '../adapters/dynamo/trust-repository';
import { drainOutbox } from './service-events';
import { logger } from '../http/logger';
import { addDeliveries as add, deliverImmediate, noDeliveries, type DeliverySummary } from './deliver';

interface QueueRecord {
  messageId: string;
  body: string;
}

type NotifyEvent = { Records: QueueRecord[] } | { time?: string };

/**
 * `notify`: emails what must go out at once. From the queue, one message per
 * event (`{ trustId, eventKeyHash }`); a message whose emails failed is
 * reported back so SQS retries it. On its schedule (and `POST /_local/run/notify`),
 * a sweep of every trust, which also sends whatever a lost message or a
 * failed SES call left behind.
 */
/** Time left in the sweep below which it raises no more outbox entries (the rest wait for the next sweep) and only delivers. */
export const OUTBOX_STOP_MARGIN_MS = 90_000;

export async function handler(event: NotifyEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SQSBatchResponse | DeliverySummary> {
  if ('Records' in event) {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const { trustId, eventKeyHash } = JSON.parse(record.body) as { trustId: string; eventKeyHash: string };
        const summary = await deliverImmediate(trustId, new Date(), eventKeyHash);
        if (summary.failed > 0) failures.push({ itemIdentifier: record.messageId });
      } catch (error) {
        logger.error('notify message failed', { error, messageId: record.messageId });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  }
  const now = event.time ? new Date(event.time) : new Date();
  let total: DeliverySummary = noDeliveries();
  for (const trustId of await listTrustIds()) {
    try {
      // Service events waiting in the outbox (a lockout, a sensitive grant, a finished MIS run) become events first, so this sweep already emails them.
      const trust = await getTrust(trustId);
      if (trust) await drainOutbox(trust, { shouldStop: () => (context ? context.getRemainingTimeInMillis() < OUTBOX_STOP_MARGIN_MS : false) });
    } catch (error) {
      // The outbox's trouble never keeps this trust's unsent emails from going (review G, G5).
      logger.error('notify sweep could not drain a trust\'s outbox', { error, trustId });
      total.failed += 1;
    }
    try {
      total = add(total, await deliverImmediate(trustId, now));
    } catch (error) {
      // One trust's trouble never stops the others.
      logger.error('notify sweep failed for a trust', { error, trustId });
      total.failed += 1;
    }
  }
  return total;
}
