import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client';
import { isConditionFailure, rethrowStoreError } from './errors';
import { keys, type Key } from './keys';

/** How long a stored answer is replayed (the TTL attribute `expiresAt` removes it afterwards). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export interface StoredAnswer {
  statusCode: number;
  body: string;
}

export type IdempotencyClaim =
  | { state: 'claimed'; leaseId: string }
  | { state: 'replay'; answer: StoredAnswer }
  | { state: 'other_body' }
  | { state: 'in_progress' };

export const idempotencyKey = (trustId: string, callerId: string, keyHash: string): Key => keys.idempotency(trustId, callerId, keyHash);

const epoch = () => Math.floor(Date.now() / 1000);

/**
 * Request by Idempotency-Key (per trust, caller and key): claims the key for
 * this request with a conditional Put, or says what the first request with
 * it left: its answer to replay, another body (refused), or still running.
 * A claim whose lease ran out (its function died) or whose record expired
 * may be taken over by the same body.
 */
export async function claimIdempotencyKey(key: Key, fingerprint: string, leaseId: string, leaseSeconds: number): Promise<IdempotencyClaim> {
  const now = epoch();
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key, entity: 'idempotency', state: 'pending', fingerprint, leaseId, leaseUntil: now + leaseSeconds, expiresAt: now + IDEMPOTENCY_TTL_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR (#state = :pending AND leaseUntil < :now AND fingerprint = :fingerprint)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':now': now, ':pending': 'pending', ':fingerprint': fingerprint },
      }),
    );
    return { state: 'claimed', leaseId };
  } catch (error) {
    if (!isConditionFailure(error)) return rethrowStoreError(error);
  }
  const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true })).catch(rethrowStoreError);
  if (!Item) return claimIdempotencyKey(key, fingerprint, leaseId, leaseSeconds); // removed in between (released): try again
  if (Item.fingerprint !== fingerprint) return { state: 'other_body' };
  if (Item.state !== 'done') return { state: 'in_progress' };
  return { state: 'replay', answer: JSON.parse(gunzipSync(Buffer.from(Item.answer as Uint8Array)).toString('utf8')) as StoredAnswer };
}

/** Stores the answer under the key this request claimed (gzipped: 500 results stay far below the 400 KB item limit). */
export async function storeIdempotentAnswer(key: Key, leaseId: string, answer: StoredAnswer): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET #state = :done, answer = :answer REMOVE leaseUntil',
        ConditionExpression: 'leaseId = :lease',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':done': 'done', ':answer': gzipSync(JSON.stringify(answer)), ':lease': leaseId },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return; // another request took the lease over; its answer stands
    rethrowStoreError(error);
  }
}

/** Gives the key up after a request that failed as a whole (nothing to replay), so a retry runs it. */
export async function releaseIdempotencyKey(key: Key, leaseId: string): Promise<void> {
  try {
    await documentClient().send(
      new DeleteCommand({ TableName: tableName(), Key: key, ConditionExpression: 'leaseId = :lease AND #state = :pending', ExpressionAttributeNames: { '#state': 'state' }, ExpressionAttributeValues: { ':lease': leaseId, ':pending': 'pending' } }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) rethrowStoreError(error);
  }
}
