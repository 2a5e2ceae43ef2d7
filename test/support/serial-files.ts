/**
 * The test files that run a job which walks EVERY trust (the notify sweep,
 * the digest, the reports job) and assert what it did: another file running
 * at the same time could have its pending emails sent, or its due schedules
 * counted, by such a run. They run one at a time, after every other file
 * (vitest.config.ts: the `stack-serial` project, `sequence.groupOrder` 1);
 * every other stack file runs two at a time, each in its own trust.
 * `test/unit/suite/serial-files.test.ts` fails when a file matching
 * TRUST_WIDE_JOB is missing here (or a listed file no longer exists).
 */
export const TRUST_WIDE_JOB_FILES = [
  'test/e2e/access/delegation-closure.test.ts',
  'test/e2e/identity/totp-drift.test.ts',
  'test/e2e/mis/runs.test.ts',
  'test/e2e/notifications/bounded-delivery.test.ts',
  'test/e2e/notifications/delivery.test.ts',
  'test/e2e/notifications/recheck.test.ts',
  'test/e2e/notifications/sensitive-grants.test.ts',
  'test/e2e/notifications/service-events.test.ts',
  'test/e2e/reports/report-permissions.test.ts',
  'test/e2e/reports/reports-job.test.ts',
  'test/e2e/security/admin-policy-unattended.test.ts',
  'test/e2e/service.test.ts',
  'test/integration/mis-run-late-save.test.ts',
  'test/integration/mis-stuck-runs.test.ts',
  'test/integration/notification-delivery.test.ts',
  'test/integration/report-file-links.test.ts',
  'test/integration/reports-decided-at-send.test.ts',
  'test/integration/reports-job-resume.test.ts',
  'test/integration/reports-skipped-notice.test.ts',
  'test/integration/sensitive-grants.test.ts',
];

/**
 * What running a trust-wide job looks like in a test: any use of the local
 * stack's job runner (`/_local/run/…`, whatever the job, even `mis-sync`
 * with `trustId`, whose stuck-run sweep and nightly claim are per trust but
 * whose `at` is not), the fixtures that run the notify sweep, or a job
 * handler imported directly (statically or with `await import`). A new
 * fixture that runs such a job adds its name here.
 */
export const TRUST_WIDE_JOB = /\/_local\/run\b|\bsweepOutbox\b|\bsecurityTitles\b|functions\/(notifications\/(notify-job|digest-job)|reports\/reports-job|mis\/mis-sync-job)\b/;

/**
 * Files with a request that takes a large share of its function's 29 s on
 * its own (the 10,000-row import preview: 8 s on a quiet machine, 31 s when
 * starved): they run alone too, so another file's requests on the same local
 * gateway never push them past the time budget.
 */
export const HEAVY_FILES = ['test/e2e/directory/import.test.ts'];

/** Everything the `stack-serial` project runs, one file at a time. */
export const SERIAL_FILES = [...TRUST_WIDE_JOB_FILES, ...HEAVY_FILES];
