import { Aws, CfnParameter, Duration, NestedStack, RemovalPolicy, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ROSTER_KEY_PREFIX, ROSTER_KEY_SUFFIX, ROSTER_RETENTION_DAYS } from '../../domain/mis/roster-key';
import { REPORT_FILE_PREFIX, REPORT_FILE_RETENTION_DAYS } from '../../domain/reports/report-file';
import type { RouteDef } from '../../functions/routes';
import type { ServiceFunction } from './service-function';

// The two data buckets (issue 9 exports and report files, issue 10 MIS rosters) and their access-log buckets live in the
// stateful stack (review H, H-6: they hold personal data for days, so the API stack can be destroyed and rebuilt without
// orphaning them); the API stack's functions get them as props, through bucketInStack, and are granted from here.

/**
 * A bucket as one (nested) stack of the API sees it, and how its ARN reads in that stack's template, which the IAM5
 * acknowledgements of its grants name (`<ExportBucketArn>`: the nested stack's parameter, see bucketInStack).
 */
export interface StackBucket {
  bucket: s3.IBucket;
  nagArn: string;
}

/** The roster bucket's fixed name: unique per stage, account and region; at most 55 characters (a 16-character stage, a 14-character region) of S3's 63. */
export function rosterBucketName(stage: string): string {
  return `ta-${stage}-rosters-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

/** A bucket's server access logs: private, encrypted, TLS only, kept 90 days (the log delivery writes with bucket-owner objects). */
export function accessLogBucket(scope: Construct, id: string): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * Issue 9: large exports. Private, encrypted, TLS only, logged; exports/ gone after a day (the link lives minutes), and the
 * scheduled reports too large to attach (review E, E4) under reports/ after REPORT_FILE_RETENTION_DAYS, a day after their
 * emailed link stops working. Each rule has its prefix: S3 applies the shortest of overlapping expirations.
 * In the stateful stack (review H, H-6), retained: a rebuilt API stack finds the files of links already emailed.
 */
export function exportBucket(scope: Construct): s3.Bucket {
  const exportLogs = accessLogBucket(scope, 'ExportAccessLogs');
  return new s3.Bucket(scope, 'ExportBucket', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    lifecycleRules: [
      { id: 'Exports', prefix: 'exports/', expiration: Duration.days(1) },
      { id: 'ReportFiles', prefix: REPORT_FILE_PREFIX, expiration: Duration.days(REPORT_FILE_RETENTION_DAYS) },
    ],
    serverAccessLogsBucket: exportLogs,
    serverAccessLogsPrefix: 'exports/',
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * Issue 10: MIS rosters. Private, encrypted, TLS only, logged; each roster is kept ROSTER_RETENTION_DAYS (its run records
 * which one it read), no versioning: an overwritten roster.zip is not kept, so no older copy of personal data lingers.
 * In the stateful stack (review H, H-6) with the queue S3 notifies (sendRosterDrops). Its name is fixed so that the
 * queue's policy can name it without a reference: S3 checks that policy when the notification is configured, so the
 * bucket depends on the policy and the policy cannot depend on the bucket. The stateful stack is never rebuilt, so the
 * fixed name no longer stands in the way of a rebuild.
 */
export function rosterBucket(scope: Construct, stage: string): s3.Bucket {
  const rosterLogs = accessLogBucket(scope, 'RosterAccessLogs');
  return new s3.Bucket(scope, 'RosterBucket', {
    bucketName: rosterBucketName(stage),
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: false,
    lifecycleRules: [{ expiration: Duration.days(ROSTER_RETENTION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    serverAccessLogsBucket: rosterLogs,
    serverAccessLogsPrefix: 'rosters/',
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * `bucket` (the stateful stack's) as `stack`, a nested stack of the API, sees it: through two parameters of the nested
 * stack (`<id>Arn`, `<id>Name`), made once per nested stack. A plain reference would do for CloudFormation, but it
 * reads as a stack-output lookup in the template, and the IAM5 acknowledgements of the grants must name the ARN the
 * way cdk-nag writes it: `<ExportBucketArn>/exports/*`.
 */
export function bucketInStack(stack: Stack, id: 'ExportBucket' | 'RosterBucket', bucket: s3.IBucket): StackBucket {
  if (Stack.of(bucket) === stack) return { bucket, nagArn: `<${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>` };
  if (!(stack instanceof NestedStack)) throw new Error(`The ${id} is granted to functions in nested stacks only, not in ${stack.node.path}`);
  const existing = stack.node.tryFindChild(`${id}Import`) as s3.IBucket | undefined;
  if (existing) return { bucket: existing, nagArn: `<${id}Arn>` };
  const arn = new CfnParameter(stack, `${id}Arn`, { type: 'String', description: `The ${id}'s ARN (stateful stack)` });
  const name = new CfnParameter(stack, `${id}Name`, { type: 'String', description: `The ${id}'s name (stateful stack)` });
  stack.setParameter(`${id}Arn`, bucket.bucketArn);
  stack.setParameter(`${id}Name`, bucket.bucketName);
  return { bucket: s3.Bucket.fromBucketAttributes(stack, `${id}Import`, { bucketArn: arn.valueAsString, bucketName: name.valueAsString }), nagArn: `<${id}Arn>` };
}

/** Put the export file and presign its GET: the presigned URL acts with this role, so it needs GetObject too; under exports/ only. */
export function grantExportObjects(fn: ServiceFunction, exports: StackBucket): void {
  fn.function.addEnvironment('EXPORT_BUCKET', exports.bucket.bucketName);
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'ExportObjects', actions: ['s3:PutObject', 's3:GetObject'], resources: [exports.bucket.arnForObjects('exports/*')] }),
  );
  Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${exports.nagArn}/exports/*]`,
    reason:
      'Each export is a new object under exports/<trust>/<random id>/, so its key cannot be named in advance: the grant is put and get on ' +
      'objects under exports/ in the exports bucket only (no list, no delete, no other bucket).',
  });
}

/**
 * Review E, E4: put (the reports job) or get (GET /reports/files/{fileId}, whose presigned URL acts with its role) the emailed
 * report files under reports/ of the exports bucket only: no list, no delete, nothing under exports/. `exports` as fn's stack sees it.
 */
export function grantReportFiles(fn: ServiceFunction, exports: StackBucket, access: 'write' | 'read'): void {
  fn.function.addEnvironment('EXPORT_BUCKET', exports.bucket.bucketName);
  fn.role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ReportFiles', actions: [access === 'write' ? 's3:PutObject' : 's3:GetObject'], resources: [exports.bucket.arnForObjects(`${REPORT_FILE_PREFIX}*`)],
  }));
  Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${exports.nagArn}/${REPORT_FILE_PREFIX}*]`,
    reason:
      'Each emailed report file is a new object under reports/<trust>/<random id>/, so its key cannot be named in advance: the grant is ' +
      `${access === 'write' ? 'put' : 'get'} on objects under reports/ of the exports bucket only (no list, no delete, no other prefix or bucket).`,
  });
}

/** Put (the upload route) or get (the run worker) roster objects under mis/ only: no list, no delete. `rosters` as fn's stack sees it. */
export function grantRosterObjects(fn: ServiceFunction, rosters: StackBucket, access: NonNullable<RouteDef['rosterBucket']>): void {
  fn.function.addEnvironment('ROSTER_BUCKET', rosters.bucket.bucketName);
  fn.role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'RosterObjects', actions: [access === 'write' ? 's3:PutObject' : 's3:GetObject'], resources: [rosters.bucket.arnForObjects('mis/*')],
  }));
  Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${rosters.nagArn}/mis/*]`,
    reason:
      'Rosters are objects under mis/<trust>/<school>/<roster id>.zip with a new id per upload, so the key cannot be named in advance: ' +
      `the grant is ${access === 'write' ? 'put' : 'get'} on objects under mis/ of the roster bucket only (no list, no delete, no other bucket).`,
  });
}

/**
 * Issue 10: S3 sends the roster bucket's object-created events under mis/ ending .zip straight to `queue` (one queue
 * only). Both sit in the stateful stack (review H, H-6): the notification is part of the bucket and S3 checks the queue
 * when it is configured, so a queue in the API stack would make the stateful stack depend on the API stack (a cycle).
 */
export function sendRosterDrops(rosters: s3.Bucket, queue: sqs.Queue, queueName: string, stage: string): void {
  if (Stack.of(queue) !== Stack.of(rosters)) throw new Error(`queue ${queueName} takes the roster bucket's events: it must sit in the bucket's stack`);
  const cfnBucket = rosters.node.defaultChild as s3.CfnBucket;
  if (cfnBucket.notificationConfiguration) throw new Error('Only one queue may take the roster bucket\'s events');
  queue.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'RosterBucketEvents',
    principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
    actions: ['sqs:SendMessage'],
    resources: [queue.queueArn],
    conditions: {
      ArnEquals: { 'aws:SourceArn': `arn:${Aws.PARTITION}:s3:::${rosterBucketName(stage)}` },
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    },
  }));
  cfnBucket.notificationConfiguration = {
    queueConfigurations: [{
      event: 's3:ObjectCreated:*',
      queue: queue.queueArn,
      filter: { s3Key: { rules: [{ name: 'prefix', value: ROSTER_KEY_PREFIX }, { name: 'suffix', value: ROSTER_KEY_SUFFIX }] } },
    }],
  };
  cfnBucket.addDependency(queue.node.findChild('Policy').node.defaultChild as CfnResource);
}
