import type { QueueName } from '../adapters/sqs/job-queue';
import type { CognitoCall, TableWrite } from './types';

/** Scheduled functions: the CDK schedules them, the local gateway runs them on POST /_local/run/{job}. */
export interface JobDef {
  name: string;
  handler: string;
  /** EventBridge schedule expression. */
  schedule: string;
  table: 'none' | 'read' | 'write';
  /** As on RouteDef (review H, H-12). */
  tableWrites?: readonly TableWrite[];
  ses?: boolean;
  /** Signs or checks the unsubscribe links (LINK_SIGNING_KEY). */
  linkKey?: boolean;
  /** Queues the job sends to. */
  queues?: readonly QueueName[];
  /** Writes large files to the exports bucket and presigns their download. */
  exportBucket?: true;
  /** Emailed report files under reports/ of the exports bucket, as on RouteDef (review E, E4). */
  reportFiles?: 'write' | 'read';
  /** The nested stack it lives in (default `scheduled jobs`): with exportBucket or reportFiles, `Users`, where the bucket is. */
  group?: string;
}

export const jobs: JobDef[] = [
  // Immediate notification emails arrive through the queue; this sweep sends whatever a lost message or an SES failure left.
  { name: 'notify', handler: 'functions/notifications/notify-job.ts', schedule: 'rate(5 minutes)', table: 'write', tableWrites: ['put', 'update', 'delete'], ses: true, linkKey: true, queues: ['notifications'] },
  { name: 'digest', handler: 'functions/notifications/digest-job.ts', schedule: 'cron(0 * * * ? *)', table: 'write', tableWrites: ['update'], ses: true, linkKey: true },
  // MIS roster sync: hourly, so each trust's night starts at 02:00 on its own clock; queues a run of every enabled school (the runs are the mis-runs queue's).
  // It also fails runs that stopped moving (review D, D9), announced through the outbox like every finished run.
  { name: 'mis-sync', handler: 'functions/mis/mis-sync-job.ts', schedule: 'cron(0 * * * ? *)', table: 'write', tableWrites: ['put'], queues: ['mis-runs'] },
  // Scheduled reports (issue 13): in the Users functions' stack, beside the exports bucket. A report too large to attach is put
  // under reports/ and emailed as a signed link (LINK_SIGNING_KEY) to GET /reports/files/{fileId} (review E, E4).
  { name: 'reports', handler: 'functions/reports/reports-job.ts', schedule: 'cron(0 * * * ? *)', table: 'write', ses: true, linkKey: true, reportFiles: 'write', group: 'Users' },
];

/**
 * Queue workers: the CDK makes each an SQS queue with a dead-letter queue and
 * a function it triggers; the local stack runs an in-process queue that calls
 * the same handler (infra/local/queues.ts). `env` is the variable that
 * carries the queue's URL to the functions that send to it.
 */
export interface QueueDef {
  name: QueueName;
  handler: string;
  env: 'IMPORT_QUEUE_URL' | 'NOTIFY_QUEUE_URL' | 'MIS_RUN_QUEUE_URL' | 'MIS_ROSTER_QUEUE_URL' | 'EMAIL_EVENTS_QUEUE_URL';
  table: 'none' | 'read' | 'write';
  /** As on RouteDef (review H, H-12). */
  tableWrites?: readonly TableWrite[];
  cognito?: readonly CognitoCall[];
  ses?: boolean;
  /** Signs or checks the unsubscribe links (LINK_SIGNING_KEY). */
  linkKey?: boolean;
  /** How long one message may take (the function's timeout). */
  timeoutSeconds: number;
  /** Deliveries before a message goes to the dead-letter queue. */
  maxReceiveCount: number;
  /** Other queues the worker sends to (besides its own). */
  sends?: readonly QueueName[];
  /** The roster bucket, as on RouteDef (issue 10). */
  rosterBucket?: 'write' | 'read';
  /** S3 sends the roster bucket's object-created events under mis/ ending .zip to this queue (issue 10). */
  rosterDrops?: true;
  /** SES's bounce and complaint events of the API's emails reach this queue (configuration set → SNS topic → SQS). */
  sesEvents?: true;
  /**
   * The nested stack of the queue, its dead-letter queue and its worker
   * (default: the queue in the API stack, the worker in `queue workers`):
   * beside a bucket it reads or is notified by, so grants and notifications
   * name it within one stack.
   */
  group?: string;
}

/** How long SQS hides a message once delivered (AWS's advice for a Lambda trigger: six times the function's timeout); the CDK queue and the MIS stuck-run bound both use it. */
export const visibilityTimeoutSeconds = (def: Pick<QueueDef, 'timeoutSeconds'>): number => def.timeoutSeconds * 6;

export const queues: QueueDef[] = [
  {
    name: 'imports', handler: 'functions/users/import-worker.ts', env: 'IMPORT_QUEUE_URL', table: 'write', tableWrites: ['put', 'update', 'delete'],
    cognito: ['AdminCreateUser', 'AdminGetUser', 'AdminDeleteUser', 'AdminUpdateUserAttributes'], ses: true,
    timeoutSeconds: 300, maxReceiveCount: 3,
  },
  {
    // One message per event with someone to email at once; the notify job's sweep sends whatever a lost message left.
    name: 'notifications', handler: 'functions/notifications/notify-job.ts', env: 'NOTIFY_QUEUE_URL', table: 'write', tableWrites: ['put', 'update', 'delete'], ses: true, linkKey: true,
    timeoutSeconds: 60, maxReceiveCount: 5,
  },
  {
    // One message per school run; the run is claimed before it applies anything, so a second delivery does nothing.
    name: 'mis-runs', handler: 'functions/mis/run-worker.ts', env: 'MIS_RUN_QUEUE_URL', table: 'write', tableWrites: ['put', 'update', 'delete'],
    cognito: ['AdminCreateUser', 'AdminGetUser', 'AdminDeleteUser', 'AdminUpdateUserAttributes', 'AdminDisableUser', 'AdminEnableUser', 'AdminUserGlobalSignOut'], ses: true,
    timeoutSeconds: 900, maxReceiveCount: 2,
    // Issue 10: reads the rosters; beside the roster bucket, in the MIS sync functions' stack.
    rosterBucket: 'read', group: 'MIS sync',
  },
  {
    // Issue 10: the roster bucket's object-created events (S3 sends them); each dropped zip queues its school's run on mis-runs.
    name: 'mis-rosters', handler: 'functions/mis/roster-dropped.ts', env: 'MIS_ROSTER_QUEUE_URL', table: 'write', tableWrites: ['put'],
    timeoutSeconds: 60, maxReceiveCount: 5, sends: ['mis-runs'], rosterDrops: true, group: 'MIS sync',
  },
  {
    // SES's permanent bounces and complaints (SNS delivers them from the configuration set's event destination): the person
    // whose address it was shows it (`emailDelivery` on GET /users/{id}) until the email changes. Locally: POST /_local/mail/events.
    name: 'email-events', handler: 'functions/users/email-events-worker.ts', env: 'EMAIL_EVENTS_QUEUE_URL', table: 'write',
    timeoutSeconds: 30, maxReceiveCount: 5, sesEvents: true,
  },
];
