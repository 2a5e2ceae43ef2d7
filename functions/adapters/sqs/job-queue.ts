import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { config, localCredentials } from '../../config';

/**
 * Background work goes through a queue: SQS in AWS, and on the local stack an
 * in-process queue that calls the same worker handler with an SQS-shaped
 * event (infra/local/queues.ts). A queue URL `local:<name>` selects the local
 * one, which the local stack registers on `globalThis` before any handler runs.
 */
export type QueueName = 'imports' | 'notifications' | 'mis-runs' | 'mis-rosters' | 'email-events';

/** What infra/local/queues.ts registers: the functions only ever send. */
export interface LocalQueues {
  send(queue: string, body: string): void;
}

export const LOCAL_QUEUES = Symbol.for('trust-access.local-queues');

const urls: Record<QueueName, () => string | undefined> = {
  imports: () => config().IMPORT_QUEUE_URL,
  notifications: () => config().NOTIFY_QUEUE_URL,
  'mis-runs': () => config().MIS_RUN_QUEUE_URL,
  'mis-rosters': () => config().MIS_ROSTER_QUEUE_URL,
  'email-events': () => config().EMAIL_EVENTS_QUEUE_URL,
};

let client: SQSClient | undefined;

export async function enqueue(queue: QueueName, message: unknown): Promise<void> {
  const url = urls[queue]();
  if (!url) throw new Error(`Missing configuration: the ${queue} queue URL`);
  const body = JSON.stringify(message);
  if (url.startsWith('local:')) {
    const local = (globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES];
    if (!local) throw new Error('The local queues are not running');
    local.send(url.slice('local:'.length), body);
    return;
  }
  const { AWS_REGION, SQS_ENDPOINT } = config();
  client ??= new SQSClient({ region: AWS_REGION, endpoint: SQS_ENDPOINT, credentials: localCredentials(SQS_ENDPOINT) });
  await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
}
