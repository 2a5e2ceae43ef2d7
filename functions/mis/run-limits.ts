import { queues, visibilityTimeoutSeconds } from '../route-table/jobs';

// How long an MIS run may take, and when it is given up. No AWS client here: the worker and the hourly job both read these.

const misRuns = queues.find((q) => q.name === 'mis-runs')!;

/** Time left in the invocation below which a run stops between two people and continues in a new message. */
export const STOP_MARGIN_MS = 90_000;
/** Parts a run may take before it is failed (each applies at least one person). */
export const MAX_RUN_PARTS = 20;
/** Deliveries of a `mis-runs` message before it goes to the dead-letter queue. */
export const MAX_DELIVERIES = misRuns.maxReceiveCount;
/** Added to the longest wait SQS itself can explain: a queue busy with a night's runs, a slow poller. */
export const STUCK_RUN_MARGIN_MS = 3_600_000;
/**
 * How long a run may stay queued, approved or running without moving (made,
 * claimed by a delivery, approved) before the hourly mis-sync job fails it
 * (review D, D9): a delivery that ends in a timeout runs no catch, so nothing
 * else would. Between two moves SQS may wait out every delivery of the
 * message, each hidden for the queue's visibility timeout (six times the
 * worker's), so a run still waiting on a legitimate redelivery is never
 * failed: 2 × 90 min + 1 h = 4 h.
 */
export const STUCK_RUN_AFTER_MS = MAX_DELIVERIES * visibilityTimeoutSeconds(misRuns) * 1000 + STUCK_RUN_MARGIN_MS;
