import type { CfnResource } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, queues } from '../../functions/routes';
import { ALARM_THRESHOLDS } from '../../infra/constructs/monitoring';
import { asList, logicalId, roleStatements, synthesizeApp, type SynthesizedApp } from './test-app';

// Review H, H-2: every dead-letter queue, job and queue worker, the API, the table and SES are alarmed, and every alarm
// notifies the one topic; every schedule parks the runs it could not deliver in a dead-letter queue.

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

let synth: SynthesizedApp;
let api: Record<string, Resource>;
let stateful: Record<string, Resource>;
/** Both stacks' resources (the roster drops' queue is the stateful stack's, review H, H-6); no logical id is in both. */
let both: Record<string, Resource>;
let topicId: string;

beforeAll(() => {
  synth = synthesizeApp();
  api = synth.apiTemplate.toJSON().Resources;
  stateful = synth.statefulTemplate.toJSON().Resources;
  topicId = logicalId(synth.stateful.monitoring.topic.node.defaultChild as CfnResource);
  for (const id of Object.keys(stateful)) if (id in api) throw new Error(`${id} is in both stacks`);
  both = { ...api, ...stateful };
});

afterAll(() => synth?.cleanup());

const ofType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const alarms = (resources: Record<string, Resource>): any[] => ofType(resources, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
/** The alarm notifies the stateful stack's topic, and only it (a Ref in its own stack, a stack output of it elsewhere). */
const notifiesTopic = (alarm: Record<string, any>) => {
  expect(alarm.AlarmActions).toHaveLength(1);
  expect(JSON.stringify(alarm.AlarmActions[0])).toContain(topicId);
};
const dimension = (alarm: Record<string, any>, name: string) => (alarm.Dimensions as { Name: string; Value: unknown }[] | undefined)?.find((d) => d.Name === name)?.Value;
const fires = (alarm: Record<string, any>, above: number) => {
  expect(alarm.ComparisonOperator).toBe('GreaterThanThreshold');
  expect(alarm.Threshold).toBe(above);
};

describe('dead-letter queues', () => {
  const scheduleDeadLetters = () => ofType(api, 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties.Target.DeadLetterConfig?.Arn?.['Fn::GetAtt']?.[0] as string | undefined);
  const redriveDeadLetters = () => ofType(both, 'AWS::SQS::Queue').flatMap(([, q]) => (q.Properties.RedrivePolicy ? [q.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string] : []));

  it('gives every schedule a dead-letter queue its role may send to', () => {
    const schedules = ofType(api, 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(jobs.length);
    for (const [id, schedule] of schedules) {
      const queueId = schedule.Properties.Target.DeadLetterConfig?.Arn?.['Fn::GetAtt']?.[0];
      expect(api[queueId]?.Type, id).toBe('AWS::SQS::Queue');
      expect(api[queueId]!.Properties.SqsManagedSseEnabled, id).toBe(true);
      const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
      const sends = roleStatements(synth.apiTemplate, roleId).filter((s) => asList(s.Action).includes('sqs:SendMessage'));
      expect(sends.map((s) => s.Resource), id).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    }
    expect(new Set(scheduleDeadLetters()).size).toBe(jobs.length);
  });

  it('lets each schedule\'s role only invoke its job and send to its own dead-letter queue', () => {
    for (const job of jobs) {
      const [, schedule] = ofType(api, 'AWS::Scheduler::Schedule').find(([, s]) => s.Properties.Description === `Runs job ${job.name}`)!;
      const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
      const actions = roleStatements(synth.apiTemplate, roleId).flatMap((s) => asList(s.Action)).sort();
      expect(actions, job.name).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
      expect(api[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('leaves no queue without a dead-letter queue unless it is one', () => {
    const deadLetters = new Set([...redriveDeadLetters(), ...scheduleDeadLetters()]);
    for (const [id, queue] of ofType(both, 'AWS::SQS::Queue')) {
      expect(Boolean(queue.Properties.RedrivePolicy) || deadLetters.has(id), id).toBe(true);
    }
    expect(deadLetters.size).toBe(queues.length + jobs.length);
  });

  it('alarms on every dead-letter queue as soon as it holds a message', () => {
    const deadLetters = [...redriveDeadLetters(), ...scheduleDeadLetters()];
    for (const queueId of deadLetters) {
      const watching = alarms(both).filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(dimension(a, 'QueueName')) === JSON.stringify({ 'Fn::GetAtt': [queueId, 'QueueName'] }));
      expect(watching, queueId).toHaveLength(1);
      const [alarm] = watching;
      expect(alarm.Namespace).toBe('AWS/SQS');
      expect(alarm.Statistic).toBe('Maximum');
      fires(alarm, 0);
      notifiesTopic(alarm);
    }
  });
});

describe('functions', () => {
  it('alarms on any error of every scheduled job and every queue worker', () => {
    const watched = [...jobs.map((j) => j.name), ...queues.map((q) => `queue:${q.name}`)];
    for (const key of watched) {
      const fnId = logicalId(synth.api.functions.get(key)!.function.node.defaultChild as CfnFunction);
      const watching = alarms(api).filter((a) => a.MetricName === 'Errors' && JSON.stringify(dimension(a, 'FunctionName')) === JSON.stringify({ Ref: fnId }));
      expect(watching, key).toHaveLength(1);
      expect(watching[0].Namespace).toBe('AWS/Lambda');
      expect(watching[0].Statistic).toBe('Sum');
      fires(watching[0], 0);
      notifiesTopic(watching[0]);
    }
    expect(alarms(api).filter((a) => a.MetricName === 'Errors')).toHaveLength(watched.length);
  });
});

describe('HTTP API', () => {
  const apiRef = () => ({ Ref: logicalId(synth.api.api.node.defaultChild as CfnResource) });

  it('alarms on any 5xx', () => {
    const [alarm, ...more] = alarms(api).filter((a) => a.MetricName === '5xx');
    expect(more).toEqual([]);
    expect(alarm).toMatchObject({ Namespace: 'AWS/ApiGateway', Statistic: 'Sum', Dimensions: [{ Name: 'ApiId', Value: apiRef() }] });
    fires(alarm, 0);
    notifiesTopic(alarm);
  });

  it('alarms when a quarter of the requests answer 4xx (429 included) for three periods, once there is traffic', () => {
    const rates = alarms(api).filter((a) => JSON.stringify(a.Metrics ?? []).includes('"4xx"'));
    expect(rates).toHaveLength(1);
    const [alarm] = rates;
    const expression = alarm.Metrics.find((m: any) => m.Expression).Expression as string;
    expect(expression).toContain(`requests >= ${ALARM_THRESHOLDS.clientErrorMinRequests}`);
    expect(expression).toContain('100 * clientErrors / requests');
    for (const m of alarm.Metrics.filter((m: any) => m.MetricStat)) expect(m.MetricStat.Metric.Dimensions).toEqual([{ Name: 'ApiId', Value: apiRef() }]);
    expect(alarm.EvaluationPeriods).toBe(3);
    fires(alarm, ALARM_THRESHOLDS.clientErrorPercent);
    notifiesTopic(alarm);
  });
});

describe('stateful stack: table and SES', () => {
  it('alarms on throttled requests and system errors of the table, every operation counted even when others have no data', () => {
    const tableRef = { Ref: logicalId(synth.stateful.table.node.defaultChild as CfnResource) };
    for (const metricName of ['ThrottledRequests', 'SystemErrors']) {
      const [alarm, ...more] = alarms(stateful).filter((a) => JSON.stringify(a.Metrics ?? []).includes(`"${metricName}"`));
      expect(more, metricName).toEqual([]);
      const stats = alarm.Metrics.filter((m: any) => m.MetricStat);
      const operations = stats.map((m: any) => m.MetricStat.Metric.Dimensions.find((d: any) => d.Name === 'Operation').Value);
      expect(operations).toEqual(expect.arrayContaining(['GetItem', 'Query', 'PutItem', 'UpdateItem', 'TransactWriteItems']));
      for (const m of stats) expect(m.MetricStat.Metric.Dimensions).toContainEqual({ Name: 'TableName', Value: tableRef });
      const expression = alarm.Metrics.find((m: any) => m.Expression).Expression as string;
      for (const m of stats) expect(expression).toContain(`FILL(${m.Id}, 0)`);
      fires(alarm, 0);
      notifiesTopic(alarm);
    }
  });

  it('alarms on the SES bounce and complaint rates at the levels SES reviews an account', () => {
    for (const [metricName, threshold] of [['Reputation.BounceRate', ALARM_THRESHOLDS.sesBounceRate], ['Reputation.ComplaintRate', ALARM_THRESHOLDS.sesComplaintRate]] as const) {
      const [alarm, ...more] = alarms(stateful).filter((a) => a.MetricName === metricName);
      expect(more).toEqual([]);
      expect(alarm.Namespace).toBe('AWS/SES');
      fires(alarm, threshold);
      notifiesTopic(alarm);
    }
    expect(ALARM_THRESHOLDS.sesBounceRate).toBe(0.05);
  });
});

describe('the alarm topic', () => {
  it('is encrypted with a rotating key CloudWatch and SES may use, takes TLS only, and lets only CloudWatch and the configuration set publish', () => {
    const [, topic] = ofType(stateful, 'AWS::SNS::Topic')[0]!;
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
    expect(stateful[keyId]!.Properties.EnableKeyRotation).toBe(true);
    const keyStatements = stateful[keyId]!.Properties.KeyPolicy.Statement as any[];
    for (const service of ['cloudwatch.amazonaws.com', 'ses.amazonaws.com']) {
      expect(keyStatements.find((s) => s.Principal?.Service === service)?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    }
    const [, policy] = ofType(stateful, 'AWS::SNS::TopicPolicy')[0]!;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows.map((s) => s.Principal.Service).sort()).toEqual(['cloudwatch.amazonaws.com', 'ses.amazonaws.com']);
    for (const allow of allows) {
      expect(allow.Action).toBe('sns:Publish');
      expect(JSON.stringify(allow.Condition.StringEquals), allow.Principal.Service).toMatch(/"aws:SourceAccount"/i);
    }
    // SES only for the deployment's configuration set (its bounce, complaint and reject events: test/infra/deploy-settings.test.ts).
    const ses = allows.find((s) => s.Principal.Service === 'ses.amazonaws.com');
    expect(JSON.stringify(ses.Condition.StringEquals['AWS:SourceArn'])).toContain(':configuration-set/');
  });

  it('has no subscriber unless alarmEmail is set', () => {
    expect(ofType(stateful, 'AWS::SNS::Subscription')).toEqual([]);
  });

  it('emails the alarmEmail address when it is set', () => {
    const small = synthesizeApp({ routes: [], jobs: [], queues: [], context: { alarmEmail: 'ops@trust.example' } });
    try {
      small.statefulTemplate.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@trust.example',
        TopicArn: { Ref: logicalId(small.stateful.monitoring.topic.node.defaultChild as CfnResource) },
      });
    } finally {
      small.cleanup();
    }
  });

  it('delivers SES\'s bounce and complaint events, and no alarm, raw to the email-events queue, which only the topic may send to', () => {
    const worker = queues.find((q) => q.sesEvents)!;
    expect(worker.name).toBe('email-events');
    const subscriptions = ofType(api, 'AWS::SNS::Subscription');
    expect(subscriptions).toHaveLength(1);
    const [, subscription] = subscriptions[0]!;
    expect(subscription.Properties).toMatchObject({
      Protocol: 'sqs',
      RawMessageDelivery: true,
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { eventType: ['Bounce', 'Complaint'] },
    });
    expect(JSON.stringify(subscription.Properties.TopicArn)).toContain(topicId);
    const queueId = (subscription.Properties.Endpoint as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(api[queueId]!.Type).toBe('AWS::SQS::Queue');
    // SNS may send to the queue only from the alarm topic (its worker is wired like every queue's: stacks.test.ts).
    const policy = ofType(api, 'AWS::SQS::QueuePolicy').find(([, p]) => JSON.stringify(p.Properties.Queues).includes(queueId))![1];
    const fromSns = (policy.Properties.PolicyDocument.Statement as any[]).filter((st) => st.Effect === 'Allow' && st.Principal?.Service === 'sns.amazonaws.com');
    expect(fromSns).toHaveLength(1);
    expect(fromSns[0].Action).toBe('sqs:SendMessage');
    expect(JSON.stringify(fromSns[0].Condition)).toContain(topicId);
  });
});
