import type { App, Environment } from 'aws-cdk-lib';
import type { JobDef, QueueDef, RouteDef } from '../../functions/routes';
import { ApiStack } from '../stacks/api-stack';
import { StatefulStack } from '../stacks/stateful-stack';
import { addNagChecks } from './nag-checks';
import { readSettings, type DeploymentSettings } from './settings';

export interface TrustAccessAppProps {
  routes: readonly RouteDef[];
  jobs: readonly JobDef[];
  /** Queue workers (SQS + DLQ + function); @default none */
  queues?: readonly QueueDef[];
  /** @default the CLI's account and region (CDK_DEFAULT_*), or environment-agnostic when unknown */
  env?: Environment;
}

export interface TrustAccessStacks {
  settings: DeploymentSettings;
  stateful: StatefulStack;
  api: ApiStack;
}

/**
 * Adds the two stacks and the cdk-nag checks to `app`. infra/app.ts and the
 * infra tests both build the app through here, so the tests check exactly what
 * `cdk synth` produces.
 */
export function buildTrustAccessApp(app: App, props: TrustAccessAppProps): TrustAccessStacks {
  const settings = readSettings(app);
  const env = props.env ?? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const prefix = `TrustAccess-${settings.stage}`;

  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    settings,
    description: 'Trust access platform: table, user pool, SES sender, data buckets, alarm topic (retained on delete)',
    terminationProtection: settings.stage === 'prod',
    rosterDrops: props.queues?.find((q) => q.rosterDrops),
  });

  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    settings,
    description: 'Trust access platform: HTTP API, functions and schedules',
    // Review H, H-10: in prod both stacks; rebuilding the API stack on purpose means turning it off first (README Deploy).
    terminationProtection: settings.stage === 'prod',
    routes: props.routes,
    jobs: props.jobs,
    queues: props.queues ?? [],
    table: stateful.table,
    userPool: stateful.userPool,
    userPoolClient: stateful.userPoolClient,
    emailIdentity: stateful.emailIdentity,
    configurationSet: stateful.configurationSet,
    sesSender: stateful.sesSender,
    linkSigningKey: stateful.linkSigningKey,
    appClientSecret: stateful.appClientSecret,
    tokenEndpoint: stateful.tokenEndpoint,
    alarmTopic: stateful.monitoring.topic,
    exportBucket: stateful.exportBucket,
    rosterBucket: stateful.rosterBucket,
    rosterDropQueue: stateful.rosterDropQueue,
  });
  api.addStackDependency(stateful);

  addNagChecks(app);
  return { settings, stateful, api };
}
