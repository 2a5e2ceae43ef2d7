import { localTime } from '../../domain/notifications/digest';
import { claimNightlySync, listMisSettings } from '../adapters/dynamo/mis-repository';
import { getTrust, listTrustIds } from '../adapters/dynamo/trust-repository';
import { logger } from '../http/logger';
import { queueRun } from './run-queue';
import { failStuckRuns } from './stuck-runs';

/** The local hour (the trust's time zone) from which a night's sync is due. */
export const NIGHTLY_SYNC_HOUR = 2;

/**
 * `mis-sync`, hourly (`POST /_local/run/mis-sync?at=` locally): each trust
 * whose own clock has reached 02:00 gets its night's sync once — the first
 * run at or after that hour claims the trust's local date, so BST and GMT
 * both land at 02:00 and a missed or repeated run neither skips nor doubles a
 * night. The sync queues a run of every enabled school, acting for whoever
 * uploaded the roster it reads (bounded by the settings' saver; the saver
 * alone for a roster a connector dropped in the bucket); each school is its own queue message, so one
 * school's bad file (or failure to queue) never stops the others.
 *
 * Every run, for every trust, it first fails the runs that stopped moving
 * (`stuck`: queued, approved or running for STUCK_RUN_AFTER_MS without a
 * claim; stuck-runs.ts), whatever the hour.
 */
export async function handler(event: { time?: string; trustIds?: string[] } = {}): Promise<{ trusts: number; queued: number; failed: number; stuck: number }> {
  const now = event.time ? new Date(event.time) : new Date();
  let trusts = 0;
  let queued = 0;
  let failed = 0;
  let stuck = 0;
  // The schedule names no trusts: every trust. `trustIds` (POST /_local/run/mis-sync?trustId=) runs the night of those only.
  const only = event.trustIds && new Set(event.trustIds);
  for (const trustId of await listTrustIds()) {
    if (only && !only.has(trustId)) continue;
    try {
      stuck += await failStuckRuns(trustId, now);
    } catch (error) {
      logger.error('mis-sync could not fail a trust\'s stuck runs', { error, trustId });
      failed += 1;
    }
    let schools;
    try {
      const trust = await getTrust(trustId);
      if (!trust) continue;
      const local = localTime(now, trust.policies.timeZone);
      if (local.hour < NIGHTLY_SYNC_HOUR) continue;
      schools = (await listMisSettings(trustId)).filter((s) => s.enabled);
      if (schools.length === 0 || !(await claimNightlySync(trustId, local.date, now.toISOString()))) continue;
      trusts += 1;
    } catch (error) {
      logger.error('mis-sync could not read a trust\'s settings', { error, trustId });
      failed += 1;
      continue;
    }
    for (const settings of schools) {
      try {
        await queueRun(trustId, settings.nodeId, settings.updatedBy, false, true);
        queued += 1;
      } catch (error) {
        logger.error('mis-sync could not queue a school', { error, trustId, nodeId: settings.nodeId });
        failed += 1;
      }
    }
  }
  return { trusts, queued, failed, stuck };
}
