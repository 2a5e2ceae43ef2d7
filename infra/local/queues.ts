import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import { LOCAL_QUEUES, type LocalQueues } from '../../functions/adapters/sqs/job-queue';
import type { QueueDef } from '../../functions/routes';

type QueueHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

interface Message {
  id: string;
  body: string;
  deliveries: number;
}

/**
 * The local stand-in for SQS + its Lambda trigger: every queue of the route
 * table's `queues` gets an in-process FIFO that hands each message, as an
 * SQS event of one record, to the very handler module the queue's Lambda
 * runs, one message at a time. A message the handler reports failed (or
 * throws on) is delivered again, with `ApproximateReceiveCount` counting up,
 * until `maxReceiveCount`; then it goes to the queue's dead letters (kept in
 * memory, and logged). The functions send through
 * functions/adapters/sqs/job-queue.ts with a `local:<name>` URL; any later
 * queue (notifications…) is one more entry in `queues`.
 */
export function startLocalQueues(root: string, defs: readonly QueueDef[]) {
  const pending = new Map<string, Message[]>(defs.map((d) => [d.name, []]));
  const deadLetters = new Map<string, Message[]>(defs.map((d) => [d.name, []]));
  const running = new Map<string, Promise<void>>();
  const handlers = new Map<string, Promise<QueueHandler>>();
  let stopped = false;

  const handlerOf = (def: QueueDef) => {
    let handler = handlers.get(def.name);
    if (!handler) {
      handler = import(pathToFileURL(resolve(root, def.handler)).href).then((m: { handler: QueueHandler }) => m.handler);
      handlers.set(def.name, handler);
    }
    return handler;
  };

  async function deliver(def: QueueDef, message: Message): Promise<boolean> {
    message.deliveries++;
    const event: SQSEvent = {
      Records: [{
        messageId: message.id, receiptHandle: message.id, body: message.body, md5OfBody: '', eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:local:000000000000:${def.name}`, awsRegion: 'local', messageAttributes: {},
        attributes: {
          ApproximateReceiveCount: String(message.deliveries), SentTimestamp: String(Date.now()), SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
      }],
    };
    const requestId = randomUUID();
    const context = {
      awsRequestId: requestId, functionName: `queue-${def.name}`, functionVersion: '$LATEST', memoryLimitInMB: '1024',
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:queue-${def.name}`, logGroupName: `/aws/lambda/queue-${def.name}`,
      logStreamName: 'local', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => def.timeoutSeconds * 1000,
      done: () => undefined, fail: () => undefined, succeed: () => undefined,
    } as Context;
    try {
      process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';
      const store = await InvokeStore.getInstanceAsync(true);
      const handler = await handlerOf(def);
      const result = await store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, () => handler(event, context));
      return !(result && result.batchItemFailures.length > 0);
    } catch (error) {
      console.error(`local queue ${def.name}: the handler threw`, error);
      return false;
    }
  }

  function drain(def: QueueDef): void {
    if (running.has(def.name) || stopped) return;
    const work = (async () => {
      const queue = pending.get(def.name)!;
      while (queue.length > 0 && !stopped) {
        const message = queue.shift()!;
        const ok = await deliver(def, message);
        if (ok) continue;
        if (message.deliveries >= def.maxReceiveCount) {
          console.error(`local queue ${def.name}: message ${message.id} moved to the dead letters after ${message.deliveries} deliveries`);
          deadLetters.get(def.name)!.push(message);
        } else {
          await new Promise((r) => setTimeout(r, 200 * message.deliveries));
          queue.push(message);
        }
      }
    })().finally(() => running.delete(def.name));
    running.set(def.name, work);
  }

  const local: LocalQueues = {
    send(name, body) {
      const def = defs.find((d) => d.name === name);
      if (!def) throw new Error(`No local queue ${name}`);
      pending.get(name)!.push({ id: randomUUID(), body, deliveries: 0 });
      // Asynchronous, like SQS: the sender's request finishes first.
      setImmediate(() => drain(def));
    },
  };
  (globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES] = local;

  return {
    /** Dead letters by queue (what SQS would have moved to the DLQ). */
    deadLetters,
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all(running.values());
      delete (globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES];
    },
  };
}
