import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConfigurationSet, IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { DEFAULT_TABLE_WRITES, DEFAULT_TIMEOUT_SECONDS } from '../../functions/route-table/types';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keys } from '../../functions/adapters/dynamo/keys';
import { COMMON_PASSWORDS_FILE, COMMON_PASSWORDS_SOURCE } from '../../functions/adapters/common-passwords';
import type { CognitoCall, TableWrite } from '../../functions/routes';
import { tableDefinition } from '../definitions/table';
import { STUB_FUNCTION_CODE_CONTEXT } from './settings';

/** The project root: handler paths in functions/routes.ts are relative to it. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type TableAccess = 'read' | 'write';

/**
 * Item-level actions only. No Scan (every access pattern is a Query on a
 * key), no table management, no streams. TransactWriteItems and
 * TransactGetItems are authorised per item against these same actions, so a
 * reader gets ConditionCheckItem for a transaction's condition items.
 */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'] as const;

/**
 * The actions of a table grant: the reads, and for a writer exactly the
 * writes its route-table entry declares (`tableWrites`, else
 * DEFAULT_TABLE_WRITES; review H, H-12: DeleteItem and BatchWriteItem only
 * where the function sends them).
 */
export function tableActions(access: TableAccess, writes?: readonly TableWrite[]): string[] {
  if (access === 'read') {
    if (writes?.length) throw new Error('tableWrites needs table: write');
    return [...TABLE_READ_ACTIONS];
  }
  const declared = writes ?? DEFAULT_TABLE_WRITES;
  if (declared.length === 0 || new Set(declared).size !== declared.length) throw new Error(`tableWrites must name each write once: ${declared.join(', ')}`);
  return [...TABLE_READ_ACTIONS, ...declared.map((op) => TABLE_WRITE_ACTIONS[op])];
}

/** The IAM action of each declared table write. */
export const TABLE_WRITE_ACTIONS: Record<TableWrite, string> = {
  put: 'dynamodb:PutItem',
  update: 'dynamodb:UpdateItem',
  delete: 'dynamodb:DeleteItem',
  batchWrite: 'dynamodb:BatchWriteItem',
};

/**
 * What every request of an integration client writes before anything else,
 * whatever the route's own table access: its rate window on its own item
 * (functions/adapters/dynamo/integration-repository.ts `admitClient`). Granted
 * to the routes a client may call, on client items only (review H, H-1).
 */
export const CLIENT_ADMISSION_ACTIONS = ['dynamodb:UpdateItem'] as const;
/** The partition keys of integration client items (keys.integrationClient), as an IAM `dynamodb:LeadingKeys` pattern. */
export const CLIENT_ITEM_KEYS = keys.integrationClient('*').pk;

/** The Cognito calls that are IAM actions (the admin API); the sign-in calls need the client secret instead. */
export function cognitoIamActions(calls: readonly CognitoCall[]): string[] {
  return calls.filter((call) => call.startsWith('Admin') || call.endsWith('UserPoolClient')).map((call) => `cognito-idp:${call}`);
}

/** Whether the calls sign people in with the confidential app client (SECRET_HASH needs the secret). */
export function needsClientSecret(calls: readonly CognitoCall[]): boolean {
  return calls.some((call) => call === 'InitiateAuth' || call === 'RespondToAuthChallenge');
}

export const SES_ACTIONS = ['ses:SendEmail', 'ses:SendRawEmail'] as const;

export interface ServiceFunctionProps {
  /** Handler module relative to the project root, e.g. `functions/nodes/create-node.ts`; it exports `handler`. */
  entry: string;
  description?: string;
  environment?: Record<string, string>;
  /** @default 15 seconds (API Gateway gives up at 30) */
  timeout?: Duration;
  /** @default 1024 MB: bundled SDK clients start noticeably faster than at 128-512 MB on ARM */
  memorySize?: number;
  /** @default three months */
  logRetention?: logs.RetentionDays;
  /** Copies the common-password list beside the bundle (functions/adapters/common-passwords.ts), for the functions that set passwords. */
  commonPasswords?: boolean;
  /** Attaches the Parameters and Secrets extension (a layer): the functions that read a secret (grantSecret). */
  secretsExtension?: boolean;
}

/**
 * The AWS Parameters and Secrets Lambda Extension (review H, H-13): a layer
 * that answers GetSecretValue on localhost, so functions/config.ts reads a
 * secret with plain fetch and no SDK client in the bundle. Its own cache is
 * left at its defaults; config.ts keeps each value for the container's life.
 */
export const SECRETS_EXTENSION_VERSION = lambda.ParamsAndSecretsVersions.V1_0_103;
export const SECRETS_EXTENSION_PORT = 2773;

/**
 * The shell command `cdk synth` runs after bundling a function that sets
 * passwords: the list goes beside `index.mjs`, where
 * functions/adapters/common-passwords.ts looks first.
 */
export function copyCommonPasswordsCommand(outputDir: string): string {
  const source = createRequire(import.meta.url).resolve(COMMON_PASSWORDS_SOURCE);
  return `cp ${JSON.stringify(source)} ${JSON.stringify(path.join(outputDir, COMMON_PASSWORDS_FILE))}`;
}

/**
 * The one way this project builds a Lambda function: current Node runtime on
 * ARM, bundled by the local esbuild as minified ESM with source maps, its own
 * log group with retention, X-Ray tracing, and its own role that can only
 * write to that log group until a `bind*`/`grant*` call adds more.
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy
    // lets the function create and write to any log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.entry}`,
    });
    this.logGroup.grantWrite(this.role);

    // Boolean true only: `cdk synth -c key=true` passes the string "true", so
    // the CLI cannot switch a deployment to stub code by accident.
    const stub = this.node.tryGetContext(STUB_FUNCTION_CODE_CONTEXT) === true;
    const entry = path.join(PROJECT_ROOT, props.entry);
    if (!stub && !existsSync(entry)) {
      throw new Error(`Handler module ${props.entry} does not exist (resolved to ${entry})`);
    }

    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(DEFAULT_TIMEOUT_SECONDS),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      ...(props.secretsExtension
        ? { paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(SECRETS_EXTENSION_VERSION, { httpPort: SECRETS_EXTENSION_PORT, logLevel: lambda.ParamsAndSecretsLogLevel.WARN }) }
        : {}),
      role: this.role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      ...(stub
        ? {
            // Tests only (see STUB_FUNCTION_CODE_CONTEXT): skips esbuild so the
            // assertions run in seconds; never deployable.
            code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 501 });'),
            handler: 'index.handler',
          }
        : {
            entry,
            handler: 'handler',
            projectRoot: PROJECT_ROOT,
            depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
            bundling: {
              format: OutputFormat.ESM,
              minify: true,
              sourceMap: true,
              sourceMapMode: SourceMapMode.DEFAULT,
              sourcesContent: false,
              mainFields: ['module', 'main'],
              // Bundle the AWS SDK too, so the code runs against the versions
              // in package-lock.json rather than whatever the runtime ships.
              externalModules: [],
              banner:
                "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);",
              forceDockerBundling: false,
              ...(props.commonPasswords
                ? { commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: (_input: string, output: string) => [copyCommonPasswordsCommand(output)] } }
                : {}),
              logLevel: LogLevel.WARNING,
            },
          }),
    });

    // X-Ray's PutTraceSegments/PutTelemetryRecords accept no resource ARN, so
    // Tracing.ACTIVE must grant them on "*". A test checks that "*" is only
    // ever used for X-Ray actions, so this acknowledgement cannot hide another.
    Validations.of(this.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray actions xray:PutTraceSegments and xray:PutTelemetryRecords (added by Tracing.ACTIVE) use ' +
        'Resource "*": they support no resource-level permissions. test/infra checks no other action does.',
    });
  }

  /** Sets TABLE_NAME and grants exactly the item actions `access` (and a writer's declared writes) need, on the table and its named indexes. */
  bindTable(table: ITable, access: TableAccess, writes?: readonly TableWrite[]): this {
    this.function.addEnvironment('TABLE_NAME', table.tableName);
    const indexArns = tableDefinition.globalSecondaryIndexes.map((gsi) => `${table.tableArn}/index/${gsi.indexName}`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: access === 'write' ? 'TableReadWrite' : 'TableRead',
        actions: tableActions(access, writes),
        // Index ARNs only matter for Query; naming them beats "/index/*".
        resources: [table.tableArn, ...indexArns],
      }),
    );
    return this;
  }

  /** UpdateItem on integration client items only: a client's request counts itself against its rate window first. */
  grantClientAdmission(table: ITable): this {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ClientAdmission',
        actions: [...CLIENT_ADMISSION_ACTIONS],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [CLIENT_ITEM_KEYS] } },
      }),
    );
    return this;
  }

  /** Exactly the admin calls the function makes, on this one pool only (none: no statement). */
  grantCognito(userPool: IUserPool, calls: readonly CognitoCall[]): this {
    const actions = cognitoIamActions(calls);
    if (actions.length === 0) return this;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'CognitoAdmin', actions, resources: [userPool.userPoolArn] }));
    return this;
  }

  /**
   * Review H, H-13: GetSecretValue on this one secret (nothing else: no
   * DescribeSecret, no other secret), and its ARN, never its value, in
   * `envName`. The function needs the extension (`secretsExtension`).
   */
  grantSecret(secret: ISecret, envName: string, sid: string): this {
    this.function.addEnvironment(envName, secret.secretArn);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    return this;
  }

  /** Send mail from the identity only, and only through the configuration set. */
  grantSendEmail(identity: IEmailIdentity, configurationSet: IConfigurationSet): this {
    const configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: configurationSet.configurationSetName,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendEmail',
        actions: [...SES_ACTIONS],
        resources: [identity.emailIdentityArn, configurationSetArn],
      }),
    );
    return this;
  }
}
