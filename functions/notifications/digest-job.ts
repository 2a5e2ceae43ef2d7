import { listTrustIds } from '../adapters/dynamo/trust-repository';
import { logger } from '../http/logger';
import { deliverDigests, type DeliverySummary } from './deliver';

/**
 * `digest`, hourly: every trust's due digest entries go out, one email per
 * person (see deliverDigests). `time` is the schedule's time (or `?at=` of
 * `POST /_local/run/digest`), so a late or repeated run sends what was due then.
 */
export async function handler(event: { time?: string }): Promise<DeliverySummary> {
  const now = event.time ? new Date(event.time) : new Date();
  const total: DeliverySummary = { sent: 0, skipped: 0, failed: 0 };
  for (const trustId of await listTrustIds()) {
    try {
      const summary = await deliverDigests(trustId, now);
      total.sent += summary.sent;
      total.skipped += summary.skipped;
      total.failed += summary.failed;
    } catch (error) {
      logger.error('digest run failed for a trust', { error, trustId });
      total.failed += 1;
    }
  }
  return total;
}
