import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

// Review H, H-2: one alarm topic for the deployment, and the alarms that watch what fails silently otherwise.
// The topic sits in the stateful stack (its email subscription, once confirmed, survives a rebuild of the API
// stack, and the SES event destination of the stateful stack's configuration set can publish to it); the API
// stack gets it as a prop and puts each alarm beside what it watches (alarmOnDeadLetters, alarmOnErrors,
// alarmOnHttpApi below), so no alarm needs a reference out of a nested stack.

/** Every alarm looks at five-minute periods unless it says otherwise. */
export const ALARM_PERIOD = Duration.minutes(5);

/**
 * The thresholds, in one place for the README ("Alarms") and the tests.
 * - clientErrorPercent: 4xx share of all requests, only once a period has at least clientErrorMinRequests requests,
 *   three periods running: a client or a script stuck on 401/403/429, or a throttle set too low.
 * - sesBounceRate/sesComplaintRate: SES reviews an account at 5 % bounces and 0.1 % complaints and may pause sending
 *   at 10 % / 0.5 %; the alarms fire at the review level, with time to act before the pause.
 */
export const ALARM_THRESHOLDS = {
  clientErrorPercent: 25,
  clientErrorMinRequests: 100,
  sesBounceRate: 0.05,
  sesComplaintRate: 0.001,
} as const;

export interface MonitoringProps {
  stage: string;
  /** An address subscribed to the topic (context `alarmEmail`); AWS emails it a confirmation link first. */
  alarmEmail?: string;
}

/** The alarm topic (encrypted with its own key, TLS only) and the stateful stack's own alarms (table, SES). */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the trust-access-${props.stage} alarm topic (alarms, SES bounce and complaint events carry addresses)`,
      enableKeyRotation: true,
    });
    // CloudWatch (alarm actions) and SES (configuration-set events) publish to the encrypted topic.
    for (const service of ['cloudwatch.amazonaws.com', 'ses.amazonaws.com']) {
      this.key.addToResourcePolicy(new iam.PolicyStatement({
        sid: `PublishFrom${service.split('.')[0]}`,
        principals: [new iam.ServicePrincipal(service)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }));
    }
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `trust-access ${props.stage} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // The topic's own policy replaces SNS's default one, so the publishers are named, from this account only: CloudWatch
    // here; SES when the stateful stack adds the configuration set's event destination (CDK names that configuration set).
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'PublishFromCloudWatch',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
  }

  /**
   * ThrottledRequests and SystemErrors summed over the operations the functions use (tableActions in service-function.ts, and the transactions).
   * DynamoDB publishes these only when they happen, so each operation's series is FILLed with 0: a sum of series with
   * gaps would keep only the timestamps every operation has, and never fire.
   */
  alarmOnTable(table: dynamodb.ITable): void {
    const operations = ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems', 'TransactGetItems'];
    const sumOverOperations = (metricName: string) => new cloudwatch.MathExpression({
      expression: operations.map((op) => `FILL(${op.toLowerCase()}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(operations.map((op) => [
        op.toLowerCase(),
        table.metric(metricName, { dimensionsMap: { TableName: table.tableName, Operation: op }, statistic: 'Sum', period: ALARM_PERIOD }),
      ])),
      label: `${metricName}, all operations`,
      period: ALARM_PERIOD,
    });
    alarm(this, 'TableThrottles', this.topic, {
      metric: sumOverOperations('ThrottledRequests'),
      description: 'DynamoDB throttled requests on the table (any operation): on-demand capacity or a hot partition; requests failed or were retried.',
    });
    alarm(this, 'TableSystemErrors', this.topic, {
      metric: sumOverOperations('SystemErrors'),
      description: 'DynamoDB answered 500 to requests on the table (any operation): check the AWS Health Dashboard.',
    });
  }

  /** The account's SES reputation (the figures SES reviews and pauses sending on). */
  alarmOnSes(): void {
    const reputation = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    alarm(this, 'SesBounceRate', this.topic, {
      metric: reputation('Reputation.BounceRate'),
      threshold: ALARM_THRESHOLDS.sesBounceRate,
      description: 'SES bounce rate at the level where SES puts the account under review (5 %): find the bad addresses (bounce events on this topic).',
    });
    alarm(this, 'SesComplaintRate', this.topic, {
      metric: reputation('Reputation.ComplaintRate'),
      threshold: ALARM_THRESHOLDS.sesComplaintRate,
      description: 'SES complaint rate at the level where SES puts the account under review (0.1 %).',
    });
  }
}

interface AlarmSpec {
  metric: cloudwatch.IMetric;
  description: string;
  /** @default 0: any occurrence (compared with >) */
  threshold?: number;
  /** @default 1 */
  evaluationPeriods?: number;
}

/** One alarm (> threshold, missing data is fine) whose alarm action notifies `topic`. */
export function alarm(scope: Construct, id: string, topic: sns.ITopic, spec: AlarmSpec): cloudwatch.Alarm {
  const created = new cloudwatch.Alarm(scope, id, {
    metric: spec.metric,
    threshold: spec.threshold ?? 0,
    evaluationPeriods: spec.evaluationPeriods ?? 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: spec.description,
  });
  created.addAlarmAction(new SnsAction(topic));
  return created;
}

/** A dead-letter queue holds a message: a job, import chunk, MIS run or notification was given up. In the queue's scope. */
export function alarmOnDeadLetters(deadLetters: sqs.IQueue, topic: sns.ITopic, what: string): cloudwatch.Alarm {
  return alarm(deadLetters as unknown as Construct, 'Alarm', topic, {
    metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
    description: `${what}: a message was given up and parked in the dead-letter queue. Read it, fix the cause, then redrive or delete it (README "Alarms").`,
  });
}

/** A function reported an error (an invocation that threw or timed out). In the function's scope. */
export function alarmOnErrors(fn: IFunction, topic: sns.ITopic, what: string): cloudwatch.Alarm {
  return alarm(fn as unknown as Construct, 'ErrorsAlarm', topic, {
    metric: fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
    description: `${what} failed (threw or timed out); its logs say why (README "Alarms").`,
  });
}

/** The HTTP API: any 5xx (a 500 is a bug), and a high share of 4xx (stuck clients, or a throttle too low). */
export function alarmOnHttpApi(scope: Construct, api: IHttpApi, topic: sns.ITopic): void {
  alarm(scope, 'ServerErrorsAlarm', topic, {
    metric: api.metricServerError({ period: ALARM_PERIOD, statistic: 'Sum' }),
    description: 'The HTTP API answered 5xx: a handler threw (a bug), timed out, or could not be invoked. The access log has the route and request id.',
  });
  const { clientErrorMinRequests: min, clientErrorPercent } = ALARM_THRESHOLDS;
  alarm(scope, 'ClientErrorRateAlarm', topic, {
    metric: new cloudwatch.MathExpression({
      expression: `IF(requests >= ${min}, 100 * clientErrors / requests, 0)`,
      usingMetrics: {
        requests: api.metricCount({ period: ALARM_PERIOD, statistic: 'Sum' }),
        clientErrors: api.metricClientError({ period: ALARM_PERIOD, statistic: 'Sum' }),
      },
      label: '4xx % of requests',
      period: ALARM_PERIOD,
    }),
    threshold: clientErrorPercent,
    evaluationPeriods: 3,
    description: `Over ${clientErrorPercent} % of requests answered 4xx for 15 minutes (429 throttling included): a client stuck on 401/403, an attack, or a throttle too low.`,
  });
}
