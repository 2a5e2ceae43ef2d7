import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { tableDefinition } from '../definitions/table';
import { userPoolDefinition } from '../definitions/user-pool';
import type { DeploymentSettings } from '../constructs/settings';
import { ServiceFunction } from '../constructs/service-function';
import { alarmOnDeadLetters, Monitoring } from '../constructs/monitoring';
import { exportBucket, rosterBucket, sendRosterDrops } from '../constructs/buckets';
import { workerQueue } from '../constructs/jobs';
import { UserPoolClientSecret } from '../constructs/user-pool-client-secret';
import type { QueueDef } from '../../functions/routes';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { integrationScopes, RESOURCE_SERVER } from '../../domain/integrations/scopes';

/**
 * The per-client-IP limit on sign-in calls (the user pool's WAF rule): this
 * many Cognito sign-in calls per client address in the window, then WAF
 * blocks and the API answers 429. Generous, because a school's staff share
 * one NAT address and sign in together at 8:30; the per-account lockout is
 * what stops guessing one password, this stops spraying many accounts.
 */
export const SIGN_IN_RATE_LIMIT = { limit: 500, windowSeconds: 300, forwardedIpHeader: 'X-Forwarded-For' } as const;

export interface StatefulStackProps extends StackProps {
  settings: DeploymentSettings;
  /** The queue (functions/routes.ts) S3 notifies of roster drops: it sits here beside the roster bucket (review H, H-6). */
  rosterDrops?: QueueDef;
}

/**
 * Everything that holds data and must outlive a redeploy: the table, the user
 * pool, the SES sender, the exports and MIS roster buckets with their access
 * logs (and the queue S3 notifies of roster drops), the alarm topic. The
 * stateless API stack receives these as props, so it can be destroyed and
 * rebuilt without touching a single record or file.
 */
export class StatefulStack extends Stack {
  readonly table: dynamodb.Table;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly emailIdentity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
  /** The per-client-IP rate limit on sign-in, associated with the user pool. */
  readonly signInWebAcl: wafv2.CfnWebACL;
  /** The address the API sends from (the email identity's value). */
  readonly sesSender: string;
  /** The HMAC key of the unsubscribe links in notification emails. */
  readonly linkSigningKey: secretsmanager.Secret;
  /** Review H, H-13: the API app client's secret, copied into Secrets Manager at deploy; the sign-in functions read it at first use. */
  readonly appClientSecret: secretsmanager.Secret;
  /** Integration clients: the resource server whose scopes their app clients get (domain/integrations/scopes.ts). */
  readonly resourceServer: cognito.UserPoolResourceServer;
  /** The pool's domain: its /oauth2/token serves the client-credentials grant, behind the API's POST /oauth2/token. */
  readonly domain: cognito.UserPoolDomain;
  /** `https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token`. */
  readonly tokenEndpoint: string;
  /** Review H, H-2: the alarm topic (every alarm of both stacks notifies it) and the table and SES alarms. */
  readonly monitoring: Monitoring;
  /** Review H, H-6: large exports and emailed report files (issue 9, review E, E4). */
  readonly exportBucket: s3.Bucket;
  /** Review H, H-6: MIS rosters (issue 10). */
  readonly rosterBucket: s3.Bucket;
  /** The queue S3 sends the roster bucket's object-created events to (with its dead-letter queue); its worker is in the API stack. */
  readonly rosterDropQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableDefinition.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Review H, H-11: the AWS managed key (aws/dynamodb) rather than the AWS owned one, so CloudTrail records each use
      // of the key protecting safeguarding data; a customer managed key was not chosen (README "Notes and decisions").
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of tableDefinition.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: { name: gsi.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: gsi.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    const def = userPoolDefinition;
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${def.poolName}-${settings.stage}`,
      // Accounts are created by the API (invitations, MIS sync), never by the public.
      selfSignUpEnabled: false,
      signInAliases: {
        email: def.usernameAttributes.includes('email'),
        phone: false,
        username: false,
        preferredUsername: false,
      },
      signInCaseSensitive: def.caseSensitiveUsernames,
      standardAttributes: { email: { required: true, mutable: true } },
      mfa: cognito.Mfa[def.mfa],
      mfaSecondFactor: { otp: def.mfaSecondFactor.otp, sms: def.mfaSecondFactor.sms, email: false },
      enableSmsRole: false,
      passwordPolicy: {
        minLength: def.passwordPolicy.minLength,
        requireLowercase: def.passwordPolicy.requireLowercase,
        requireUppercase: def.passwordPolicy.requireUppercase,
        requireDigits: def.passwordPolicy.requireDigits,
        requireSymbols: def.passwordPolicy.requireSymbols,
        tempPasswordValidity: Duration.days(def.passwordPolicy.temporaryPasswordValidityDays),
      },
      // The API runs password resets itself (emailed single-use tokens, then
      // AdminSetUserPassword); Cognito's own recovery would bypass its audit and lockout.
      accountRecovery: cognito.AccountRecovery.NONE,
      // Plus tier: compromised-credential and adaptive sign-in protection, enforced.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.userPoolClient = this.userPool.addClient('ApiClient', {
      userPoolClientName: def.clientName,
      // Confidential: the secret lives only with the API, so a password can
      // only be tried through the API and its lockout.
      generateSecret: true,
      authFlows: {
        userPassword: def.authFlows.userPassword,
        userSrp: def.authFlows.userSrp,
        adminUserPassword: def.authFlows.adminUserPassword,
        custom: def.authFlows.custom,
      },
      disableOAuth: true,
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: Duration.minutes(def.accessTokenValidityMinutes),
      idTokenValidity: Duration.minutes(def.idTokenValidityMinutes),
      refreshTokenValidity: Duration.days(def.refreshTokenValidityDays),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      // Lets the API pass the caller's IP (UserContextData) so threat protection
      // scores the real client, not the Lambda's address.
      enablePropagateAdditionalUserContextData: true,
      // Users may not rewrite their own attributes (email is the login) with
      // their access token; the API changes them with admin calls.
      writeAttributes: new cognito.ClientAttributes(),
    });

    // AWS WAF cannot be associated with an API Gateway HTTP API, and the API
    // calls Cognito from Lambda, so a plain per-IP rule on the pool would see
    // only Lambda's addresses. The API therefore sends the HTTP API's source
    // IP as X-Forwarded-For on every sign-in call (functions/adapters/cognito),
    // and this rule on the pool counts per that address.
    this.signInWebAcl = new wafv2.CfnWebACL(this, 'SignInWebAcl', {
      scope: 'REGIONAL',
      description: 'Per-client-IP rate limit on the user pool sign-in calls the API makes',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `trust-access-${settings.stage}-sign-in`, sampledRequestsEnabled: true },
      rules: [
        {
          name: 'sign-in-rate-per-client-ip',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: SIGN_IN_RATE_LIMIT.limit,
              evaluationWindowSec: SIGN_IN_RATE_LIMIT.windowSeconds,
              aggregateKeyType: 'FORWARDED_IP',
              // Calls without the header (not the API's) are not counted by this rule; without the client secret they cannot sign anyone in.
              forwardedIpConfig: { headerName: SIGN_IN_RATE_LIMIT.forwardedIpHeader, fallbackBehavior: 'NO_MATCH' },
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'sign-in-rate-per-client-ip', sampledRequestsEnabled: true },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'SignInWebAclAssociation', {
      resourceArn: this.userPool.userPoolArn,
      webAclArn: this.signInWebAcl.attrArn,
    });

    // On the CfnUserPool itself, so the acknowledgements do not spread to the client.
    Validations.of(this.userPool.node.defaultChild!).acknowledge(
      {
        id: 'AwsSolutions-COG1',
        reason:
          'The policy requires 12+ characters with upper, lower and digits but not symbols, following NIST SP 800-63B ' +
          '(length over composition rules); the API checks the same policy from domain/identity/password-policy.ts.',
      },
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is OPTIONAL by design: TOTP is per user, and permissions marked requiresMfa only take effect for a ' +
          'session that passed TOTP, which the API enforces. Parents and most staff never need a second factor.',
      },
    );

    this.sesSender = settings.sesSender;
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    });
    this.emailIdentity = new ses.EmailIdentity(this, 'SenderIdentity', {
      // Review H, H-7: with sesDomain, the domain with Easy DKIM (sesSender is in it); without, the one address (a test set-up).
      identity: settings.sesDomain ? ses.Identity.domain(settings.sesDomain) : ses.Identity.email(settings.sesSender),
      configurationSet: this.configurationSet,
    });

    this.linkSigningKey = new secretsmanager.Secret(this, 'LinkSigningKey', {
      description: 'HMAC key of the one-click unsubscribe links in notification emails',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.linkSigningKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Not rotated: it signs the unsubscribe links of emails already sent, which must keep working (RFC 8058); a link only turns one notification category off for one person.',
    });

    // Review H, H-13: the app client's secret, for the sign-in functions (SECRET_HASH). Cognito keeps it; a
    // DescribeUserPoolClient at deploy (this stack's custom resource) copies it into this secret, so the template
    // holds a GetAtt, never the value, and only the secret's ARN crosses to the API stack (no CloudFormation export
    // of the value). A replaced app client has a new id, so the copy is read again.
    this.appClientSecret = new secretsmanager.Secret(this, 'ApiClientCredential', {
      description: "The API app client's secret (a copy of Cognito's), read by the sign-in functions",
      secretStringValue: new UserPoolClientSecret(this, 'ClientSecret', { userPool: this.userPool, userPoolClient: this.userPoolClient }).secret,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.appClientSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A copy of the Cognito app client secret: Secrets Manager cannot rotate it; replacing the app client makes a new secret and this copy follows on the next deploy.',
    });

    // ---- Integration clients (issue 11) ----------------------------------------
    // Each client is an app client created at run time by POST /integrations
    // (client-credentials grant, these scopes); the pool's domain hosts the
    // token endpoint. The prefix domain needs no certificate; the account id
    // keeps the global prefix unique per deployment.
    this.resourceServer = this.userPool.addResourceServer('IntegrationResourceServer', {
      identifier: RESOURCE_SERVER,
      userPoolResourceServerName: 'Trust access for other school apps',
      scopes: integrationScopes.map((s) => new cognito.ResourceServerScope({ scopeName: s.scope, scopeDescription: s.description })),
    });
    this.domain = this.userPool.addDomain('TokenDomain', { cognitoDomain: { domainPrefix: `trust-access-${settings.stage}-${this.account}` } });
    this.tokenEndpoint = `${this.domain.baseUrl()}/oauth2/token`;
    // Stamps aud on client-credentials tokens so the HTTP API's JWT authorizer accepts them (functions/cognito/pre-token-generation.ts).
    const preToken = new ServiceFunction(this, 'PreTokenGeneration', {
      entry: 'functions/cognito/pre-token-generation.ts',
      description: 'Adds the resource server as aud to integration clients\' access tokens',
      timeout: Duration.seconds(5),
      memorySize: 256,
    });
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, preToken.function, cognito.LambdaVersion.V3_0);

    // ---- Alarms (review H, H-2) -------------------------------------------------
    this.monitoring = new Monitoring(this, 'Alarms', { stage: settings.stage, alarmEmail: settings.alarmEmail });
    this.monitoring.alarmOnTable(this.table);
    this.monitoring.alarmOnSes();
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    // Review H, H-7: bounces, complaints and rejects of every email the API sends reach the topic (a suppressed
    // address never gets its invitation; this is where that shows).
    this.configurationSet.addEventDestination('BouncesComplaintsRejects', {
      destination: ses.EventDestination.snsTopic(this.monitoring.topic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.REJECT],
    });
    // The DNS step of a domain identity: three CNAME records (README "Deploy checklist").
    if (settings.sesDomain) {
      this.emailIdentity.dkimRecords.forEach((record, i) => {
        new CfnOutput(this, `DkimRecord${i + 1}`, { value: `${record.name} CNAME ${record.value}` });
      });
    }

    // ---- Data buckets (review H, H-6) ----------------------------------------------
    // Here rather than in the API stack: they hold personal data for days (rosters 30, report files 8), so a destroyed
    // and rebuilt API stack must neither orphan them nor collide with them (infra/constructs/buckets.ts).
    this.exportBucket = exportBucket(this);
    this.rosterBucket = rosterBucket(this, settings.stage);
    if (props.rosterDrops) {
      this.rosterDropQueue = workerQueue(this, 'RosterDropped', props.rosterDrops);
      sendRosterDrops(this.rosterBucket, this.rosterDropQueue, props.rosterDrops.name, settings.stage);
      alarmOnDeadLetters(this.rosterDropQueue.deadLetterQueue!.queue, this.monitoring.topic, `Queue ${props.rosterDrops.name}`);
    }
    new CfnOutput(this, 'ExportBucketName', { value: this.exportBucket.bucketName });
    new CfnOutput(this, 'RosterBucketName', { value: this.rosterBucket.bucketName });

    new CfnOutput(this, 'TokenEndpoint', { value: this.tokenEndpoint });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'SesConfigurationSetName', { value: this.configurationSet.configurationSetName });
  }
}
