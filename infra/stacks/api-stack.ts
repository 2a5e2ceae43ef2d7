import { CfnOutput, Duration, NestedStack, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  CorsHttpMethod,
  DomainName,
  HttpApi,
  HttpMethod,
  LogGroupLogDestination,
  SecurityPolicy,
  type HttpRoute,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConfigurationSet, IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { alarmOnDeadLetters, alarmOnErrors, alarmOnHttpApi } from '../constructs/monitoring';
import { STAGE_THROTTLE, throttlePublicRoutes } from '../constructs/throttling';
import type { JobDef, QueueDef, RouteDef } from '../../functions/routes';
import { RESOURCE_SERVER, routeScopes } from '../../domain/integrations/scopes';
import { userPoolDefinition } from '../definitions/user-pool';
import { bucketInStack, grantExportObjects, grantReportFiles, grantRosterObjects } from '../constructs/buckets';
import { scheduleJob, workerQueue } from '../constructs/jobs';
import { needsClientSecret, ServiceFunction } from '../constructs/service-function';
import type { DeploymentSettings } from '../constructs/settings';

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
  /** HMAC key of the emailed links (functions marked `linkKey`): read at first use through the extension (review H, H-13). */
  linkSigningKey: ISecret;
  /** The app client's secret, copied into Secrets Manager (the sign-in functions: InitiateAuth, RespondToAuthChallenge). */
  appClientSecret: ISecret;
  /** The user pool's client-credentials token endpoint (its domain), which POST /oauth2/token forwards to. */
  tokenEndpoint: string;
  /** Review H, H-2: the stateful stack's alarm topic; every dead-letter queue, job, queue worker and the API get an alarm on it. */
  alarmTopic?: sns.ITopic;
  /** Review H, H-6: the stateful stack's data buckets, and the queue S3 notifies of roster drops (the `rosterDrops` queue's). */
  exportBucket: s3.IBucket;
  rosterBucket: s3.IBucket;
  rosterDropQueue?: sqs.IQueue;
}

/** Stage-wide throttling; API Gateway answers 429 above it. Review H, H-5: the figures and the public routes' own are in infra/constructs/throttling.ts. */
export const API_THROTTLE = STAGE_THROTTLE;

/**
 * Everything that can be rebuilt from code: the HTTP API, one function per
 * route in functions/routes.ts, and the scheduled jobs.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** Functions by route key (`POST /nodes`) and by job name. */
  readonly functions = new Map<string, ServiceFunction>();
  /** Large user exports (GET /users/export.csv), downloaded by presigned URL; objects expire after a day. The stateful stack's. */
  readonly exportBucket: s3.IBucket;
  /** MIS rosters (issue 10): uploads and files dropped under mis/<trustId>/<nodeId>/; objects expire after ROSTER_RETENTION_DAYS. The stateful stack's. */
  readonly rosterBucket: s3.IBucket;
  /** Review H, H-2: each job's schedule dead-letter queue, by job name. */
  readonly scheduleDeadLetters = new Map<string, sqs.IQueue>();

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

    // ---- HTTP API -----------------------------------------------------------
    // Made before the functions: their emailed links are built on its public URL (review H, H-3).

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `trust-access-${settings.stage}`,
      description: 'Trust access platform API',
      createDefaultStage: false,
      corsPreflight: {
        // The trust's web app only; the API's own pages (emailed links) are opened by navigation, not by script.
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

    // The base of every emailed link to the API's own pages (invitation, reset, unsubscribe and its one-click POST,
    // report files) and of the integrations' token endpoint: the custom domain when one is configured, else the
    // execute-api endpoint. A string, or a reference to the API in this stack (a parameter of each nested stack, as
    // the routes' invoke permissions already are), so no dependency cycle.
    const publicApiUrl = settings.apiDomain ? `https://${settings.apiDomain.name}` : this.api.apiEndpoint;

    // Settings every function may read through functions/config.ts. None is secret: the secrets are read from
    // Secrets Manager at first use (SECRETS_FROM; review H, H-13), their ARNs alone are in the environment.
    const commonEnvironment: Record<string, string> = {
      SECRETS_FROM: 'secrets-manager',
      USER_POOL_ID: userPool.userPoolId,
      USER_POOL_CLIENT_ID: userPoolClient.userPoolClientId,
      APP_URL: settings.appUrl,
      PUBLIC_API_URL: publicApiUrl,
      SES_SENDER: props.sesSender,
      SES_CONFIGURATION_SET: props.configurationSet.configurationSetName,
      REFRESH_TOKEN_VALIDITY_DAYS: String(userPoolDefinition.refreshTokenValidityDays),
      POWERTOOLS_SERVICE_NAME: 'trust-access',
      OAUTH_TOKEN_URL: props.tokenEndpoint,
      // Link lifetimes and the integration clients' default rate, when the deployment sets them (context: README "Configuration").
      ...settings.functionEnvironment,
    };

    // The exports bucket (issue 9) and the roster bucket (issue 10) are the stateful stack's (review H, H-6); each
    // nested stack that grants one sees it through its own parameters (bucketInStack in infra/constructs/buckets.ts).
    this.exportBucket = props.exportBucket;
    this.rosterBucket = props.rosterBucket;

    const makeFunction = (
      scope: Construct,
      constructId: string,
      def: {
        handler: string; table: RouteDef['table']; tableWrites?: RouteDef['tableWrites']; clientScope?: RouteDef['clientScope']; cognito?: RouteDef['cognito']; ses?: boolean; linkKey?: boolean; queues?: RouteDef['queues']; exportBucket?: true;
        rosterBucket?: RouteDef['rosterBucket']; commonPasswords?: true; reportFiles?: RouteDef['reportFiles'];
      },
      description: string,
      timeout?: Duration,
    ): ServiceFunction => {
      const signsIn = def.cognito !== undefined && needsClientSecret(def.cognito);
      const fn = new ServiceFunction(scope, constructId, {
        entry: def.handler,
        description,
        environment: commonEnvironment,
        timeout,
        commonPasswords: def.commonPasswords,
        secretsExtension: signsIn || def.linkKey === true,
      });
      if (def.table !== 'none') fn.bindTable(table, def.table, def.tableWrites);
      // A client's token is admitted by an UpdateItem on its own item, also on routes that otherwise only read (review H, H-1).
      if (def.clientScope && def.table === 'read') fn.grantClientAdmission(table);
      if (def.cognito) fn.grantCognito(userPool, def.cognito);
      // Review H, H-13: the secrets' ARNs and a read grant, never their values (lambda:GetFunctionConfiguration shows the environment).
      if (signsIn) fn.grantSecret(props.appClientSecret, 'USER_POOL_CLIENT_SECRET_ARN', 'ReadAppClientSecret');
      if (def.ses) fn.grantSendEmail(props.emailIdentity, props.configurationSet);
      if (def.linkKey) fn.grantSecret(props.linkSigningKey, 'LINK_SIGNING_KEY_SECRET_ARN', 'ReadLinkSigningKey');
      for (const name of def.queues ?? []) {
        const queue = queueByName.get(name);
        if (!queue) throw new Error(`${def.handler} sends to queue ${name}, which functions/routes.ts does not define`);
        queue.queue.grantSendMessages(fn.function);
        fn.function.addEnvironment(queue.def.env, queue.queue.queueUrl);
      }
      if (def.exportBucket) grantExportObjects(fn, bucketInStack(Stack.of(fn), 'ExportBucket', props.exportBucket));
      if (def.rosterBucket) grantRosterObjects(fn, bucketInStack(Stack.of(fn), 'RosterBucket', props.rosterBucket), def.rosterBucket);
      if (def.reportFiles) grantReportFiles(fn, bucketInStack(Stack.of(fn), 'ExportBucket', props.exportBucket), def.reportFiles);
      return fn;
    };

    // ---- Queues ---------------------------------------------------------------
    // Each queue (infra/constructs/jobs.ts) with its worker: one message per
    // invocation and partial-batch failures reported.
    const queueByName = new Map<string, { def: QueueDef; queue: sqs.IQueue }>();
    const queueIds = constructIds((props.queues ?? []).map((q) => q.handler));
    (props.queues ?? []).forEach((def, i) => {
      const queueScope = def.group ? functionsOf(def.group) : this;
      // The roster drops' queue is the stateful stack's, beside the bucket that notifies it (review H, H-6).
      if (def.rosterDrops && !props.rosterDropQueue) throw new Error(`queue ${def.name} takes the roster bucket's events: the stateful stack must make it (rosterDropQueue)`);
      const queue = def.rosterDrops ? props.rosterDropQueue! : workerQueue(queueScope, queueIds[i]!, def);
      queueByName.set(def.name, { def, queue });
      // SES's bounce and complaint events reach the alarm topic (the configuration set's event destination, stateful stack);
      // this queue takes those, and no alarm, straight as SES wrote them (raw delivery: the SQS body is SES's JSON).
      // (An API stack built without the alarm topic, in some infra tests, has no events to take.)
      if (def.sesEvents && props.alarmTopic) {
        props.alarmTopic.addSubscription(new SqsSubscription(queue, {
          rawMessageDelivery: true,
          filterPolicyWithMessageBody: { eventType: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['Bounce', 'Complaint'] })) },
        }));
      }
    });
    (props.queues ?? []).forEach((def, i) => {
      const { queue } = queueByName.get(def.name)!;
      // The worker sends too: a job longer than one invocation queues its next part.
      const fn = makeFunction(functionsOf(def.group ?? 'queue workers'), queueIds[i]!, { ...def, queues: [def.name, ...(def.sends ?? [])] }, `Queue worker ${def.name}`, Duration.seconds(def.timeoutSeconds));
      fn.function.addEventSource(new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: true }));
      this.functions.set(`queue:${def.name}`, fn);
    });

    // ---- HTTP API stage, domain and routes -----------------------------------

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

    // Review H, H-5: the public routes' own throttles (infra/constructs/throttling.ts).
    throttlePublicRoutes(this.stage, this.api, props.routes);

    // ---- Scheduled jobs -----------------------------------------------------

    const jobIds = constructIds(props.jobs.map((j) => j.handler), 'Job');
    props.jobs.forEach((job, i) => {
      const jobId = jobIds[i]!;
      const fn = makeFunction(functionsOf(job.group ?? 'scheduled jobs'), jobId, job, `Scheduled job ${job.name}`, Duration.minutes(5));
      this.functions.set(job.name, fn);
      this.scheduleDeadLetters.set(job.name, scheduleJob(this, jobId, job, fn.function, settings.scheduleTimeZone).deadLetters);
    });

    // ---- Alarms (review H, H-2) ----------------------------------------------
    // Each beside what it watches (infra/constructs/monitoring.ts); all notify the stateful stack's topic.
    if (props.alarmTopic) {
      const topic = props.alarmTopic;
      for (const [name, { queue }] of queueByName) {
        // A queue of the stateful stack (the roster drops') has its dead-letter alarm there.
        if (queue instanceof sqs.Queue && (queue.stack === this || queue.stack.nestedStackParent === this)) alarmOnDeadLetters(queue.deadLetterQueue!.queue, topic, `Queue ${name}`);
        alarmOnErrors(this.functions.get(`queue:${name}`)!.function, topic, `Queue worker ${name}`);
      }
      for (const job of props.jobs) {
        alarmOnDeadLetters(this.scheduleDeadLetters.get(job.name)!, topic, `The schedule of job ${job.name}`);
        alarmOnErrors(this.functions.get(job.name)!.function, topic, `Scheduled job ${job.name}`);
      }
      alarmOnHttpApi(this, this.api, topic);
    }

    // ---- Custom domain (optional; review H, H-3) -------------------------------
    // A regional domain with the trust's ACM certificate (same region as the API), mapped to the $default stage.
    // DNS (outside this stack): a CNAME from apiDomainName to the ApiDomainTarget output, or a Route 53 alias
    // record to it with the ApiDomainHostedZoneId output.
    if (settings.apiDomain) {
      const domain = new DomainName(this, 'ApiDomain', {
        domainName: settings.apiDomain.name,
        certificate: Certificate.fromCertificateArn(this, 'ApiCertificate', settings.apiDomain.certificateArn),
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
      new ApiMapping(this, 'ApiMapping', { api: this.api, domainName: domain, stage: this.stage });
      new CfnOutput(this, 'ApiDomainTarget', { value: domain.regionalDomainName, description: `DNS: CNAME ${settings.apiDomain.name} to this (or a Route 53 alias with ApiDomainHostedZoneId)` });
      new CfnOutput(this, 'ApiDomainHostedZoneId', { value: domain.regionalHostedZoneId });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url });
    new CfnOutput(this, 'PublicApiUrl', { value: publicApiUrl, description: 'The base of emailed links and of the integrations\' token endpoint' });
  }
}

/** Why a public route may be called without a token, for its APIG4 acknowledgement. */
function publicReason(route: RouteDef): string {
  if (route.path.startsWith('/auth/')) {
    return 'it is how a caller obtains or renews a token; it checks the credentials itself and applies the lockout.';
  }
  if (route.path === '/health') return 'a liveness probe that reveals nothing.';
  if (route.path === '/openapi.json') return 'it serves the published API description and no data.';
  if (route.path.startsWith('/reports/files/')) return 'an emailed report link opened in a browser: the handler checks its HMAC signature and expiry and that the recipient may still read that report (its schedule lists them, an active account with the report\'s codes at its node).';
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
