import type { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDef } from '../../functions/routes';
import { TABLE_ACTIONS } from '../../infra/constructs/service-function';
import { asList, logicalId, roleStatements, synthesizeApp, type SynthesizedApp } from './test-app';

// functions/routes.ts has no jobs yet; this checks the wiring any job will get.
const digest: JobDef = {
  name: 'send-digests',
  handler: 'functions/notifications/send-digests.ts',
  schedule: 'cron(0 7 ? * MON-FRI *)',
  table: 'read',
};

let synth: SynthesizedApp;

beforeAll(() => {
  synth = synthesizeApp({ routes: [], jobs: [digest] });
});

afterAll(() => synth?.cleanup());

describe('scheduled jobs', () => {
  it('schedules each job with EventBridge Scheduler in the configured time zone', () => {
    const fn = synth.api.functions.get(digest.name)!;
    synth.apiTemplate.resourceCountIs('AWS::Scheduler::Schedule', 1);
    synth.apiTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: digest.schedule,
      ScheduleExpressionTimezone: 'Europe/London',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalId(fn.function.node.defaultChild as CfnResource), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2 },
      },
    });
  });

  it('sends the job a Scheduled Event naming it', () => {
    const [schedule] = Object.values(synth.apiTemplate.findResources('AWS::Scheduler::Schedule'));
    const input = JSON.parse(schedule!.Properties.Target.Input as string) as Record<string, unknown>;
    expect(input).toMatchObject({ 'detail-type': 'Scheduled Event', job: digest.name, time: '<aws.scheduler.scheduled-time>' });
  });

  it('lets the scheduler invoke that one function and nothing else', () => {
    const fn = synth.api.functions.get(digest.name)!;
    const [schedule] = Object.values(synth.apiTemplate.findResources('AWS::Scheduler::Schedule'));
    const roleId = (schedule!.Properties.Target.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(roleStatements(synth.apiTemplate, roleId)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(fn.function.node.defaultChild as CfnResource), 'Arn'] },
      },
    ]);
  });

  it('builds the job function like a route function, with the table access it declares', () => {
    const fn = synth.api.functions.get(digest.name)!;
    const props = synth.apiTemplate.toJSON().Resources[logicalId(fn.function.node.defaultChild as CfnResource)].Properties;
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Environment.Variables.TABLE_NAME).toBeDefined();
    const statements = roleStatements(synth.apiTemplate, logicalId(fn.role.node.defaultChild as CfnResource));
    const dynamo = statements.find((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(asList(dynamo!.Action).sort()).toEqual([...TABLE_ACTIONS.read].sort());
  });

  it('reads no client secret when no function signs users in', () => {
    synth.apiTemplate.resourceCountIs('Custom::DescribeUserPoolClient', 0);
  });

  it('passes cdk-nag', () => {
    expect(new AwsSolutionsChecks().validateScope(synth.app).violations).toEqual([]);
  });
});
