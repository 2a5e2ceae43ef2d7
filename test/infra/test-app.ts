import { App, NestedStack, Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobs as definedJobs, queues as definedQueues, routes as definedRoutes, type JobDef, type QueueDef, type RouteDef } from '../../functions/routes';
import { STUB_FUNCTION_CODE_CONTEXT } from '../../infra/constructs/settings';
import { buildTrustAccessApp, type TrustAccessStacks } from '../../infra/constructs/trust-access-app';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The context `cdk synth` uses (cdk.json), so the tests check the same feature flags and settings. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export const TEST_ENV = { account: '123456789012', region: 'eu-west-2' } as const;

export interface SynthesizedApp extends TrustAccessStacks {
  app: App;
  statefulTemplate: Template;
  /** The API stack with the resources of its nested stacks (the functions) merged in, as one template. */
  apiTemplate: Template;
  /** The API stack's own template (the API, its routes, the schedules and the nested stacks). */
  apiStackTemplate: Template;
  /** Removes the temporary cloud assembly. */
  cleanup: () => void;
}

export interface SynthOptions {
  routes?: readonly RouteDef[];
  jobs?: readonly JobDef[];
  queues?: readonly QueueDef[];
  stubCode?: boolean;
  context?: Record<string, unknown>;
}

let shared: SynthesizedApp | undefined;

/**
 * Builds the app exactly as infra/app.ts does (same builder, cdk.json context,
 * cdk-nag plugin) and synthesizes it once. `stubCode` (default) swaps esbuild
 * bundling for an inline stub so a whole-app synth takes a few seconds; the
 * bundling test covers real bundling.
 *
 * The default app (no options: the routes, jobs and queues `cdk synth`
 * deploys) is synthesized once per test worker and shared by the files that
 * read it: the `infra` project runs its files without isolation (vitest.config.ts),
 * and the tests only read templates and constructs. Its `cleanup` is a no-op;
 * the assembly goes when the worker exits.
 */
export function synthesizeApp(options: SynthOptions = {}): SynthesizedApp {
  if (Object.keys(options).length > 0) return synthesize(options);
  if (!shared) {
    const app = synthesize({});
    process.once('exit', app.cleanup);
    shared = { ...app, cleanup: () => {} };
  }
  return shared;
}

function synthesize(options: SynthOptions): SynthesizedApp {
  const outdir = mkdtempSync(path.join(tmpdir(), 'trust-access-cdk-'));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), [STUB_FUNCTION_CODE_CONTEXT]: options.stubCode ?? true, ...options.context },
  });
  const stacks = buildTrustAccessApp(app, {
    routes: options.routes ?? definedRoutes,
    jobs: options.jobs ?? definedJobs,
    queues: options.queues ?? definedQueues,
    env: TEST_ENV,
  });
  // Synthesis runs the cdk-nag plugin; with NODE_ENV=test (vitest) an
  // unacknowledged finding throws here with the full report.
  app.synth();
  return {
    ...stacks,
    app,
    statefulTemplate: Template.fromStack(stacks.stateful),
    apiTemplate: withNested(stacks.api),
    apiStackTemplate: Template.fromStack(stacks.api),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/**
 * A stack's template with the resources of its nested stacks added. Logical
 * ids stay unique: every function's construct id is unique across the app
 * (constructIds in the API stack), so the merged map loses nothing.
 */
function withNested(stack: Stack): Template {
  const merged = Template.fromStack(stack).toJSON() as { Resources: Record<string, unknown> };
  for (const child of stack.node.findAll()) {
    if (!(child instanceof NestedStack) || child.nestedStackParent !== stack) continue;
    const resources = (Template.fromStack(child).toJSON() as { Resources: Record<string, unknown> }).Resources;
    for (const [id, resource] of Object.entries(resources)) {
      if (id in merged.Resources) throw new Error(`Logical id ${id} is in both ${stack.stackName} and ${child.node.id}`);
      merged.Resources[id] = resource;
    }
  }
  return Template.fromJSON(merged);
}

/** The template logical id of an L1 resource. */
export function logicalId(resource: CfnResource): string {
  return Stack.of(resource).resolve(resource.logicalId) as string;
}

/** The statements of every inline policy attached to `roleLogicalId`. */
export function roleStatements(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}

export interface PolicyStatementJson {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
