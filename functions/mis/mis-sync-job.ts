import { listMisSettings } from '../adapters/dynamo/mis-repository';
import { listTrustIds } from '../adapters/dynamo/trust-repository';
import { logger } from '../http/logger';
import { queueRun } from './start-run';

/**
 * `mis-sync` (nightly, 02:00 in the trust's time zone; `POST /_local/run/mis-sync`):
 * queues a run of every enabled school of every trust, acting for whoever
 * saved that school's settings. Each school is its own queue message, so one
 * school's bad file (or failure to queue) never stops the others.
 */
export async function handler(): Promise<{ queued: number; failed: number }> {
  let queued = 0;
  let failed = 0;
  for (const trustId of await listTrustIds()) {
    let schools;
    try {
      schools = (await listMisSettings(trustId)).filter((s) => s.enabled);
    } catch (error) {
      logger.error('mis-sync could not read a trust\'s settings', { error, trustId });
      failed += 1;
      continue;
    }
    for (const settings of schools) {
      try {
        await queueRun(trustId, settings.nodeId, settings.updatedBy, false);
        queued += 1;
      } catch (error) {
        logger.error('mis-sync could not queue a school', { error, trustId, nodeId: settings.nodeId });
        failed += 1;
      }
    }
  }
  return { queued, failed };
}
