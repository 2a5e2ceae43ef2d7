import { listTrustIds } from '../adapters/dynamo/trust-repository';
import { logger } from '../http/logger';
import { addDeliveries, deliverDigests, noDeliveries, type DeliverySummary } from './deliver';

/**
 * `digest`, hourly: every trust's due digest entries go out, one email per
 * person (see deliverDigests). `time` is the schedule's time (or `?at=` of
 * `POST /_local/run/digest`), so a late or repeated run sends what was due then.
 */
export async function handler(event: { time?: string }): Promise<DeliverySummary> {
  const now = event.time ? new Date(event.time) : new Date();
  let total = noDeliveries();
  for (const trustId of await listTrustIds()) {
    try {
      total = addDeliveries(total, await deliverDigests(trustId, now));
    } catch (error) {
      logger.error('digest run failed for a trust', { error, trustId });
      total.failed += 1;
    }
  }
  return total;
}
