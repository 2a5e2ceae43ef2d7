/**
 * When a scheduled job decides who may receive something: the run's time
 * (what is due is picked by it) or the real time if that is later, so a late
 * or retried run (EventBridge Scheduler retries for up to an hour) never
 * counts a role that has ended since its scheduled time (review J, J3). A run
 * given a later time (a test's clock, `?at=` on the local stack) decides at
 * that time.
 */
export function decidedAt(runTime: Date): Date {
  return new Date(Math.max(runTime.getTime(), Date.now()));
}
