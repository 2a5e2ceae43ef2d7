import { Aws, CfnOutput, Duration, NestedStack, RemovalPolicy, Stack, TimeZone, Validations, type CfnResource, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  LogGroupLogDestination,
  type HttpRoute,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConfigurationSet, IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { JobDef, QueueDef, RouteDef } from '../../functions/routes';
import { ROSTER_KEY_PREFIX, ROSTER_KEY_SUFFIX, ROSTER_RETENTION_DAYS } from '../../domain/mis/roster-key';
import { RESOURCE_SERVER, routeScopes } from '../../domain/integrations/scopes';
import { userPoolDefinition } from '../definitions/user-pool';
import { needsClientSecret, ServiceFunction } from '../constructs/service-function';
import type { DeploymentSettings } from '../constructs/settings';
import { UserPoolClientSecret } from '../constructs/user-pool-client-secret';

export interface ApiStackProps extends StackProps {
  settings: DeploymentSettings;
  routes: readonly RouteDef[];
  jobs: readonly JobDef[];
  /** Queue workers: an SQS queue with a dead-letter queue each, and the function it triggers. */
  queues?: readonly QueueDef[];
  table: ITable;
  userPool: IUserPool;
  userPoolClient: IUserPoolClient;
  emailIdentity: IEmailIdentity;
  configurationSet: IConfigurationSet;
  /** The address the functions send from. */
  sesSender: string;
  /** HMAC key of the unsubscribe links (functions marked `linkKey`). */
  linkSigningKey: ISecret;
  /** The user pool's client-credentials token endpoint (its domain), which POST /oauth2/token forwards to. */
  tokenEndpoint: string;
}

/** Stage-wide throttling; API Gateway answers 429 above it. */
export const API_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/**
 * Everything that can be rebuilt from code: the HTTP API, one function per
 * route in functions/routes.ts, and the scheduled jobs.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** Functions by route key (`POST /nodes`) and by job name. */
  readonly functions = new Map<string, ServiceFunction>();
  /** Large user exports (GET /users/export.csv), downloaded by presigned URL; objects expire after a day. */
  readonly exportBucket: s3.Bucket;
  /** MIS rosters (issue 10): uploads and files dropped under mis/<trustId>/<nodeId>/; objects expire after ROSTER_RETENTION_DAYS. */
  readonly rosterBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { settings, table, userPool, userPoolClient } = props;

    // CloudFormation allows 500 resources in a stack and every function brings
    // four (function, role, policy, log group), so the functions live in
    // nested stacks: one per area of the route table, one for the jobs and one
    // for the queue workers. Routes, the API and the schedules stay here.
    const nested = new Map<string, NestedStack>();
    const functionsOf = (group: string): NestedStack => {
      let stack = nested.get(group);
      if (!stack) {
        stack = new NestedStack(this, `${pascalCase(group)}Functions`, { description: `Trust access platform: the ${group} functions` });
        nested.set(group, stack);
      }
      return stack;
    };

    // Read once per nested stack, and only where some function signs users in.
    const clientSecrets = new Map<Construct, UserPoolClientSecret>();
    const userPoolClientSecret = (scope: Construct) => {
      let secret = clientSecrets.get(scope);
      if (!secret) {
        secret = new UserPoolClientSecret(scope, 'ClientSecret', { userPool, userPoolClient });
        clientSecrets.set(scope, secret);
      }
      return secret.secret;
    };

    // Settings every function may read through functions/config.ts. None is secret.
    const commonEnvironment: Record<string, string> = {
      USER_POOL_ID: userPool.userPoolId,
      USER_POOL_CLIENT_ID: userPoolClient.userPoolClientId,
      APP_URL: settings.appUrl,
      SES_SENDER: props.sesSender,
      SES_CONFIGURATION_SET: props.configurationSet.configurationSetName,
      REFRESH_TOKEN_VALIDITY_DAYS: String(userPoolDefinition.refreshTokenValidityDays),
      POWERTOOLS_SERVICE_NAME: 'trust-access',
      OAUTH_TOKEN_URL: props.tokenEndpoint,
    };

    // Issue 9: large exports. Private, encrypted, TLS only, logged, gone after a day (the link lives minutes).
    // Here rather than in the stateful stack: nothing in it outlives a day, and the grant below can then name it (see the acknowledgement).
    // In the nested stack of the export route (Users), so its grant names the bucket itself and the acknowledgement below can name it too.
    const exportScope = functionsOf('Users');
    const exportLogs = accessLogBucket(exportScope, 'ExportAccessLogs');
    this.exportBucket = new s3.Bucket(exportScope, 'ExportBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(1) }],
      serverAccessLogsBucket: exportLogs,
      serverAccessLogsPrefix: 'exports/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const exportBucketLogicalId = exportScope.getLogicalId(this.exportBucket.node.defaultChild as s3.CfnBucket);

    // Issue 10: MIS rosters. Private, encrypted, TLS only, logged; each roster is kept ROSTER_RETENTION_DAYS (its run records
    // which one it read), no versioning: an overwritten roster.zip is not kept, so no older copy of personal data lingers.
    // In the MIS sync functions' nested stack with every function that touches it (the grants and acknowledgements name it there).
    // Its name is fixed so that the drop queue's policy can name it without a reference: S3 checks that policy when the
    // notification is configured, so the bucket depends on the policy and the policy cannot depend on the bucket.
    const rosterUsers = [...props.routes, ...(props.queues ?? [])].filter((d) => d.rosterBucket || ('rosterDrops' in d && d.rosterDrops));
    const rosterScope = rosterUsers.length > 0 ? functionsOf(ROSTER_GROUP) : undefined;
    let rosterBucketLogicalId = '';
    if (rosterScope) {
      const rosterLogs = accessLogBucket(rosterScope, 'RosterAccessLogs');
      this.rosterBucket = new s3.Bucket(rosterScope, 'RosterBucket', {
        bucketName: rosterBucketName(settings.stage),
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: false,
        lifecycleRules: [{ expiration: Duration.days(ROSTER_RETENTION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
        serverAccessLogsBucket: rosterLogs,
        serverAccessLogsPrefix: 'rosters/',
        removalPolicy: RemovalPolicy.RETAIN,
      });
      rosterBucketLogicalId = rosterScope.getLogicalId(this.rosterBucket.node.defaultChild as s3.CfnBucket);
    }
    const rosterBucket = this.rosterBucket;

    const makeFunction = (
      scope: Construct,
      constructId: string,
      def: {
        handler: string; table: RouteDef['table']; cognito?: RouteDef['cognito']; ses?: boolean; linkKey?: boolean; queues?: RouteDef['queues']; exportBucket?: true;
        rosterBucket?: RouteDef['rosterBucket'];
      },
      description: string,
      timeout?: Duration,
    ): ServiceFunction => {
      const fn = new ServiceFunction(scope, constructId, {
        entry: def.handler,
        description,
        environment: commonEnvironment,
        timeout,
      });
      if (def.table !== 'none') fn.bindTable(table, def.table);
      if (def.cognito) fn.grantCognito(userPool, def.cognito);
      if (def.cognito && needsClientSecret(def.cognito)) {
        // Trade-off: config.ts reads the secret from the environment, so it is plain text in this function's configuration (lambda:GetFunctionConfiguration); only the sign-in functions get it.
        fn.function.addEnvironment('USER_POOL_CLIENT_SECRET', userPoolClientSecret(scope).unsafeUnwrap());
      }
      if (def.ses) fn.grantSendEmail(props.emailIdentity, props.configurationSet);
      // Same trade-off as the client secret: a dynamic reference resolved at deploy, plain text in the function's configuration.
      if (def.linkKey) fn.function.addEnvironment('LINK_SIGNING_KEY', props.linkSigningKey.secretValue.unsafeUnwrap());
      for (const name of def.queues ?? []) {
        const queue = queueByName.get(name);
        if (!queue) throw new Error(`${def.handler} sends to queue ${name}, which functions/routes.ts does not define`);
        queue.queue.grantSendMessages(fn.function);
        fn.function.addEnvironment(queue.def.env, queue.queue.queueUrl);
      }
      if (def.exportBucket) {
        // Put the file and presign its GET: the presigned URL acts with this role, so it needs GetObject too; under exports/ only.
        fn.function.addEnvironment('EXPORT_BUCKET', this.exportBucket.bucketName);
        fn.role.addToPrincipalPolicy(
          new iam.PolicyStatement({ sid: 'ExportObjects', actions: ['s3:PutObject', 's3:GetObject'], resources: [this.exportBucket.arnForObjects('exports/*')] }),
        );
        Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${exportBucketLogicalId}.Arn>/exports/*]`,
          reason:
            'Each export is a new object under exports/<trust>/<random id>/, so its key cannot be named in advance: the grant is put and get on ' +
            'objects under exports/ in the exports bucket only (no list, no delete, no other bucket).',
        });
      }
      if (def.rosterBucket) {
        if (!rosterBucket || Stack.of(scope) !== Stack.of(rosterBucket)) throw new Error(`${def.handler} uses the roster bucket: it must sit in the ${ROSTER_GROUP} functions' stack`);
        // Put (the upload route) or get (the run worker), objects under mis/ only: no list, no delete.
        fn.function.addEnvironment('ROSTER_BUCKET', rosterBucket.bucketName);
        fn.role.addToPrincipalPolicy(new iam.PolicyStatement({
          sid: 'RosterObjects', actions: [def.rosterBucket === 'write' ? 's3:PutObject' : 's3:GetObject'], resources: [rosterBucket.arnForObjects('mis/*')],
        }));
        Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${rosterBucketLogicalId}.Arn>/mis/*]`,
          reason:
            'Rosters are objects under mis/<trust>/<school>/<roster id>.zip with a new id per upload, so the key cannot be named in advance: ' +
            `the grant is ${def.rosterBucket === 'write' ? 'put' : 'get'} on objects under mis/ of the roster bucket only (no list, no delete, no other bucket).`,
        });
      }
      return fn;
    };

    // ---- Queues ---------------------------------------------------------------
    // Each queue: encrypted, TLS only, a dead-letter queue after maxReceiveCount
    // deliveries, and its worker (the same handler module the local queue calls)
    // with one message per invocation and partial-batch failures reported.
    const queueByName = new Map<string, { def: QueueDef; queue: sqs.Queue }>();
    const queueIds = constructIds((props.queues ?? []).map((q) => q.handler));
    (props.queues ?? []).forEach((def, i) => {
      const id = queueIds[i]!;
      const queueScope = def.group ? functionsOf(def.group) : this;
      const deadLetters = new sqs.Queue(queueScope, `${id}DeadLetters`, {
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      const queue = new sqs.Queue(queueScope, `${id}Queue`, {
        // AWS's advice for a Lambda trigger: six times the function's timeout.
        visibilityTimeout: Duration.seconds(def.timeoutSeconds * 6),
        retentionPeriod: Duration.days(4),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetters, maxReceiveCount: def.maxReceiveCount },
      });
      queueByName.set(def.name, { def, queue });
      if (def.rosterDrops) {
        // Issue 10: S3 sends the roster bucket's object-created events under mis/ ending .zip straight to this queue.
        if (!rosterBucket || Stack.of(queueScope) !== Stack.of(rosterBucket)) throw new Error(`queue ${def.name} takes the roster bucket's events: it must sit in the ${ROSTER_GROUP} functions' stack`);
        const cfnBucket = rosterBucket.node.defaultChild as s3.CfnBucket;
        if (cfnBucket.notificationConfiguration) throw new Error('Only one queue may take the roster bucket\'s events');
        queue.addToResourcePolicy(new iam.PolicyStatement({
          sid: 'RosterBucketEvents',
          principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: {
            ArnEquals: { 'aws:SourceArn': `arn:${Aws.PARTITION}:s3:::${rosterBucketName(settings.stage)}` },
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
    });
    (props.queues ?? []).forEach((def, i) => {
      const { queue } = queueByName.get(def.name)!;
      // The worker sends too: a job longer than one invocation queues its next part.
      const fn = makeFunction(functionsOf(def.group ?? 'queue workers'), queueIds[i]!, { ...def, queues: [def.name, ...(def.sends ?? [])] }, `Queue worker ${def.name}`, Duration.seconds(def.timeoutSeconds));
      fn.function.addEventSource(new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: true }));
      this.functions.set(`queue:${def.name}`, fn);
    });

    // ---- HTTP API -----------------------------------------------------------

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `trust-access-${settings.stage}`,
      description: 'Trust access platform API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [settings.appUrl],
        allowMethods: [
          CorsHttpMethod.GET,
          CorsHttpMethod.POST,
          CorsHttpMethod.PUT,
          CorsHttpMethod.PATCH,
          CorsHttpMethod.DELETE,
        ],
        allowHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'],
        exposeHeaders: ['etag', 'location'],
        maxAge: Duration.hours(1),
      },
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...API_THROTTLE },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            userAgent: '$context.identity.userAgent',
            sub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    // Cognito access tokens carry the app client id as `client_id` (not `aud`);
    // API Gateway's JWT authorizer accepts either against the audience list.
    const authorizer = new HttpJwtAuthorizer(
      'CognitoJwt',
      `https://cognito-idp.${this.region}.amazonaws.com/${userPool.userPoolId}`,
      {
        authorizerName: 'cognito-access-token',
        // People's tokens carry the API's app client as client_id; integration clients' tokens carry
        // aud = the resource server (the pool's pre-token-generation trigger), their app clients being made at run time.
        jwtAudience: [userPoolClient.userPoolClientId, RESOURCE_SERVER],
        identitySource: ['$request.header.Authorization'],
      },
    );

    const routeIds = constructIds(props.routes.map((r) => r.handler));
    props.routes.forEach((route, i) => {
      const routeKey = `${route.method} ${route.path}`;
      const constructId = routeIds[i]!;
      const fn = makeFunction(functionsOf(route.tag), constructId, route, routeKey, route.timeoutSeconds ? Duration.seconds(route.timeoutSeconds) : undefined);
      this.functions.set(routeKey, fn);

      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${constructId}Integration`, fn.function),
        // Per-route scopes: a person's token everywhere; an integration client's only where the route names its scope.
        ...(route.auth === 'user' ? { authorizer, authorizationScopes: routeScopes(route.clientScope) } : {}),
      }) as [HttpRoute];

      if (route.auth === 'public') {
        Validations.of(httpRoute.node.defaultChild!).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey} ("${route.summary}") is public by design in functions/routes.ts: ${publicReason(route)}`,
        });
      }
    });

    // ---- Scheduled jobs -----------------------------------------------------

    const jobIds = constructIds(props.jobs.map((j) => j.handler), 'Job');
    props.jobs.forEach((job, i) => {
      const jobId = jobIds[i]!;
      const fn = makeFunction(functionsOf(job.group ?? 'scheduled jobs'), jobId, job, `Scheduled job ${job.name}`, Duration.minutes(5));
      this.functions.set(job.name, fn);

      // An own role that may invoke this one function (LambdaInvoke's shared
      // role would also be granted every version and alias, "<arn>:*").
      const role = new iam.Role(this, `${jobId}SchedulerRole`, {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
        description: `Lets EventBridge Scheduler run job ${job.name}`,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.function.functionArn] }),
      );
      const target: scheduler.IScheduleTarget = {
        bind: () => ({
          arn: fn.function.functionArn,
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
        }),
      };
      const schedule = new scheduler.Schedule(this, `${jobId}Schedule`, {
        description: `Runs job ${job.name}`,
        schedule: scheduler.ScheduleExpression.expression(job.schedule, TimeZone.of(settings.scheduleTimeZone)),
        target,
      });
      // Create the schedule only once its role may invoke the function.
      schedule.node.addDependency(role);
    });

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url });
  }
}

/** The nested stack (route tag) of the roster bucket and of every function that touches it. */
const ROSTER_GROUP = 'MIS sync';

/** The roster bucket's fixed name: unique per stage, account and region; at most 59 characters (a 16-character stage, a 14-character region) of S3's 63. */
function rosterBucketName(stage: string): string {
  return `ta-${stage}-mis-rosters-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

/** Why a public route may be called without a token, for its APIG4 acknowledgement. */
function publicReason(route: RouteDef): string {
  if (route.path.startsWith('/auth/')) {
    return 'it is how a caller obtains or renews a token; it checks the credentials itself and applies the lockout.';
  }
  if (route.path === '/health') return 'a liveness probe that reveals nothing.';
  if (route.path === '/openapi.json') return 'it serves the published API description and no data.';
  if (route.path === '/oauth2/token') return 'the client-credentials token endpoint (RFC 6749 §4.4): the client authenticates with its id and secret, which the user pool checks.';
  return 'it must be reachable before sign-in; the handler authenticates the caller itself where it needs to.';
}

/**
 * Construct ids from handler modules: `functions/nodes/create-node.ts` →
 * `CreateNode`. A name used twice gets its folder as a prefix.
 */
function pascalCase(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function constructIds(handlers: readonly string[], suffix = ''): string[] {
  const pascal = pascalCase;
  const base = handlers.map((h) => pascal(h.replace(/^.*\//, '').replace(/\.[cm]?[jt]sx?$/, '')) + suffix);
  const ids = base.map((id, i) =>
    base.indexOf(id) === base.lastIndexOf(id) ? id : pascal(handlers[i]!.split('/').slice(-2, -1)[0] ?? '') + id,
  );
  const seen = new Set<string>();
  return ids.map((id) => {
    let unique = id;
    for (let n = 2; seen.has(unique); n++) unique = `${id}${n}`;
    seen.add(unique);
    return unique;
  });
}

/** A bucket's server access logs: private, encrypted, TLS only, kept 90 days (the log delivery writes with bucket-owner objects). */
function accessLogBucket(scope: Construct, id: string): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
