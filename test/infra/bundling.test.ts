import { App, Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceFunction } from '../../infra/constructs/service-function';
import { cdkJsonContext, logicalId } from './test-app';

// Real esbuild bundling (no stub) of one handler, the way `cdk synth` does it.
const HANDLER = 'functions/health/get-health.ts';

let outdir: string;
let bundleDir: string;
let template: Template;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'trust-access-bundle-'));
  const app = new App({ outdir, context: cdkJsonContext() });
  const stack = new Stack(app, 'Bundling');
  const fn = new ServiceFunction(stack, 'Health', { entry: HANDLER });
  template = Template.fromStack(stack);
  const code = template.toJSON().Resources[logicalId(fn.function.node.defaultChild as CfnResource)].Properties.Code;
  bundleDir = path.join(outdir, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
}, 60_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('ServiceFunction bundling', () => {
  it('bundles the handler with esbuild into one ESM file with a source map', () => {
    expect(existsSync(path.join(bundleDir, 'index.mjs'))).toBe(true);
    expect(existsSync(path.join(bundleDir, 'index.mjs.map'))).toBe(true);
    const code = readFileSync(path.join(bundleDir, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire as topLevelCreateRequire } from 'node:module';")).toBe(true);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it('produces a bundle that Node loads and that answers an HTTP API v2 event', () => {
    const script = `
      const { handler } = await import(${JSON.stringify(path.join(bundleDir, 'index.mjs'))});
      const event = { version: '2.0', routeKey: 'GET /health', rawPath: '/health', rawQueryString: '', headers: {},
        requestContext: { requestId: 'test', routeKey: 'GET /health', http: { method: 'GET', path: '/health', sourceIp: '192.0.2.1' } },
        isBase64Encoded: false };
      const context = { functionName: 'health', awsRequestId: 'test', getRemainingTimeInMillis: () => 1000 };
      process.stdout.write(JSON.stringify(await handler(event, context)));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    });
    const result = JSON.parse(output.slice(output.indexOf('{"statusCode"'))) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
  });
});
