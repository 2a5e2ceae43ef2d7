import { Aws, Duration, RemovalPolicy, Stack, Validations, type CfnResource, type NestedStack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ROSTER_KEY_PREFIX, ROSTER_KEY_SUFFIX, ROSTER_RETENTION_DAYS } from '../../domain/mis/roster-key';
import { REPORT_FILE_PREFIX, REPORT_FILE_RETENTION_DAYS } from '../../domain/reports/report-file';
import type { RouteDef } from '../../functions/routes';
import type { ServiceFunction } from './service-function';

// The API stack's two buckets (issue 9 exports, issue 10 MIS rosters), their access-log buckets and their grants.
// Plain functions rather than a Construct: each resource keeps the scope and id it had when it was written inline in
// the API stack (no extra level in the construct path), so its logical ID, and so the deployed bucket, stays the same.

/** The nested stack (route tag) of the roster bucket and of every function that touches it. */
export const ROSTER_GROUP = 'MIS sync';

/** A bucket and its logical ID in its own (nested) stack, which the IAM5 acknowledgements of its grants name. */
export interface StackBucket {
  bucket: s3.Bucket;
  logicalId: string;
}

/** The roster bucket's fixed name: unique per stage, account and region; at most 59 characters (a 16-character stage, a 14-character region) of S3's 63. */
export function rosterBucketName(stage: string): string {
  return `ta-${stage}-mis-rosters-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
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
 * In the API stack rather than the stateful one: nothing in it outlives a day (8 for reports/), and the grant can then name it (see the
 * acknowledgement). `scope` is the nested stack of the export route (Users), so its grant names the bucket itself.
 */
export function exportBucket(scope: NestedStack): StackBucket {
  const exportLogs = accessLogBucket(scope, 'ExportAccessLogs');
  const bucket = new s3.Bucket(scope, 'ExportBucket', {
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
  return { bucket, logicalId: scope.getLogicalId(bucket.node.defaultChild as s3.CfnBucket) };
}

/**
 * Issue 10: MIS rosters. Private, encrypted, TLS only, logged; each roster is kept ROSTER_RETENTION_DAYS (its run records
 * which one it read), no versioning: an overwritten roster.zip is not kept, so no older copy of personal data lingers.
 * `scope` is the MIS sync functions' nested stack, with every function that touches it (the grants and acknowledgements name it there).
 * Its name is fixed so that the drop queue's policy can name it without a reference: S3 checks that policy when the
 * notification is configured, so the bucket depends on the policy and the policy cannot depend on the bucket.
 */
export function rosterBucket(scope: NestedStack, stage: string): StackBucket {
  const rosterLogs = accessLogBucket(scope, 'RosterAccessLogs');
  const bucket = new s3.Bucket(scope, 'RosterBucket', {
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
  return { bucket, logicalId: scope.getLogicalId(bucket.node.defaultChild as s3.CfnBucket) };
}

/** Put the export file and presign its GET: the presigned URL acts with this role, so it needs GetObject too; under exports/ only. */
export function grantExportObjects(fn: ServiceFunction, exports: StackBucket): void {
  fn.function.addEnvironment('EXPORT_BUCKET', exports.bucket.bucketName);
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'ExportObjects', actions: ['s3:PutObject', 's3:GetObject'], resources: [exports.bucket.arnForObjects('exports/*')] }),
  );
  Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${exports.logicalId}.Arn>/exports/*]`,
    reason:
      'Each export is a new object under exports/<trust>/<random id>/, so its key cannot be named in advance: the grant is put and get on ' +
      'objects under exports/ in the exports bucket only (no list, no delete, no other bucket).',
  });
}

/**
 * Review E, E4: put (the reports job) or get (GET /reports/files/{fileId}, whose presigned URL acts with its role) the emailed
 * report files under reports/ of the exports bucket only: no list, no delete, nothing under exports/. `fn` must sit in the bucket's stack.
 */
export function grantReportFiles(fn: ServiceFunction, exports: StackBucket, access: 'write' | 'read', handler: string): void {
  if (Stack.of(fn) !== Stack.of(exports.bucket)) throw new Error(`${handler} uses the report files: it must sit in the Users functions' stack, beside the exports bucket`);
  fn.function.addEnvironment('EXPORT_BUCKET', exports.bucket.bucketName);
  fn.role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ReportFiles', actions: [access === 'write' ? 's3:PutObject' : 's3:GetObject'], resources: [exports.bucket.arnForObjects(`${REPORT_FILE_PREFIX}*`)],
  }));
  Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${exports.logicalId}.Arn>/${REPORT_FILE_PREFIX}*]`,
    reason:
      'Each emailed report file is a new object under reports/<trust>/<random id>/, so its key cannot be named in advance: the grant is ' +
      `${access === 'write' ? 'put' : 'get'} on objects under reports/ of the exports bucket only (no list, no delete, no other prefix or bucket).`,
  });
}

/** Put (the upload route) or get (the run worker) roster objects under mis/ only: no list, no delete. `fn` must sit in the bucket's stack. */
export function grantRosterObjects(
  fn: ServiceFunction, rosters: StackBucket | undefined, access: NonNullable<RouteDef['rosterBucket']>, handler: string,
): void {
  if (!rosters || Stack.of(fn) !== Stack.of(rosters.bucket)) throw new Error(`${handler} uses the roster bucket: it must sit in the ${ROSTER_GROUP} functions' stack`);
  fn.function.addEnvironment('ROSTER_BUCKET', rosters.bucket.bucketName);
  fn.role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'RosterObjects', actions: [access === 'write' ? 's3:PutObject' : 's3:GetObject'], resources: [rosters.bucket.arnForObjects('mis/*')],
  }));
  Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${rosters.logicalId}.Arn>/mis/*]`,
    reason:
      'Rosters are objects under mis/<trust>/<school>/<roster id>.zip with a new id per upload, so the key cannot be named in advance: ' +
      `the grant is ${access === 'write' ? 'put' : 'get'} on objects under mis/ of the roster bucket only (no list, no delete, no other bucket).`,
  });
}

/** Issue 10: S3 sends the roster bucket's object-created events under mis/ ending .zip straight to `queue` (one queue only, in the bucket's stack). */
export function sendRosterDrops(rosters: StackBucket | undefined, queue: sqs.Queue, queueName: string, stage: string): void {
  if (!rosters || Stack.of(queue) !== Stack.of(rosters.bucket)) throw new Error(`queue ${queueName} takes the roster bucket's events: it must sit in the ${ROSTER_GROUP} functions' stack`);
  const cfnBucket = rosters.bucket.node.defaultChild as s3.CfnBucket;
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
