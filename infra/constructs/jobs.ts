import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { JobDef, QueueDef } from '../../functions/routes';
import { visibilityTimeoutSeconds } from '../../functions/route-table/jobs';

// The API stack's queues and schedules. Plain functions rather than a Construct, like buckets.ts: each resource
// keeps the scope and id it had when it was written inline in the API stack, so its logical ID stays the same.

/**
 * A worker's queue: encrypted, TLS only, a dead-letter queue after maxReceiveCount deliveries.
 * Its worker (the same handler module the local queue calls) is wired by the API stack.
 */
export function workerQueue(scope: Construct, id: string, def: QueueDef): sqs.Queue {
  const deadLetters = new sqs.Queue(scope, `${id}DeadLetters`, {
    retentionPeriod: Duration.days(14),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  return new sqs.Queue(scope, `${id}Queue`, {
    // AWS's advice for a Lambda trigger: six times the function's timeout.
    visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(def)),
    retentionPeriod: Duration.days(4),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: def.maxReceiveCount },
  });
}

/** A job's schedule and the dead-letter queue of the runs it could not deliver. */
export interface JobSchedule {
  schedule: scheduler.Schedule;
  deadLetters: sqs.Queue;
}

/**
 * An EventBridge Scheduler schedule that runs `fn` for `job`, with a role of its own (`<jobId>SchedulerRole`, `<jobId>Schedule`)
 * and a dead-letter queue (`<jobId>ScheduleDeadLetters`, review H, H-2): a run Scheduler could not deliver after its retries
 * (function missing, throttled, not permitted) is parked there instead of dropped. Scheduler invokes Lambda asynchronously,
 * so a run that was delivered and then threw shows in the function's Errors alarm, not here.
 */
export function scheduleJob(scope: Construct, jobId: string, job: JobDef, fn: IFunction, timeZone: string): JobSchedule {
  // An own role that may invoke this one function (LambdaInvoke's shared
  // role would also be granted every version and alias, "<arn>:*").
  const role = new iam.Role(scope, `${jobId}SchedulerRole`, {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: `Lets EventBridge Scheduler run job ${job.name}`,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
  );
  // Scheduler sends undelivered runs to the dead-letter queue with the schedule's role.
  const deadLetters = new sqs.Queue(scope, `${jobId}ScheduleDeadLetters`, {
    retentionPeriod: Duration.days(14),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetters.queueArn] }));
  Validations.of(deadLetters.node.defaultChild!).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `It is the dead-letter queue of the ${job.name} job's EventBridge Scheduler schedule (DeadLetterConfig), which cdk-nag does not recognise as a DLQ use; it has an alarm.`,
  });
  const target: scheduler.IScheduleTarget = {
    bind: () => ({
      arn: fn.functionArn,
      role,
      // Shaped like an EventBridge "Scheduled Event", as the local gateway's
      // POST /_local/run/{job} sends it, plus the job's name.
      input: scheduler.ScheduleTargetInput.fromObject({
        source: 'aws.scheduler',
        'detail-type': 'Scheduled Event',
        time: scheduler.ContextAttribute.scheduledTime,
        job: job.name,
        detail: {},
      }),
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: deadLetters.queueArn },
    }),
  };
  const schedule = new scheduler.Schedule(scope, `${jobId}Schedule`, {
    description: `Runs job ${job.name}`,
    schedule: scheduler.ScheduleExpression.expression(job.schedule, TimeZone.of(timeZone)),
    target,
  });
  // Create the schedule only once its role may invoke the function.
  schedule.node.addDependency(role);
  return { schedule, deadLetters };
}
