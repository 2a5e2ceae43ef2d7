import { randomInt } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DECOY_FAILURE_SECONDS, decoyLockSeconds, type DecoyCounter } from '../../../domain/identity/decoy-lockout';
import { reachedLimit, type LockoutPolicy } from '../../../domain/identity/lockout';
import { documentClient, tableName } from './client';
import { isConditionFailure, rethrowStoreError } from './errors';
import { keys } from './keys';

/*
 * Decoys: the store round trips of a sign-in for an email that may not sign
 * in (unknown, invited, inactive), so it takes as long as a wrong password
 * for a real account — the same reads, and the same writes — and locks as a
 * real account does (domain/identity/decoy-lockout.ts). The reads and writes
 * an account's profile would take land on the email's own failure counter
 * and on sixteen fixed decoy items (overwritten, so nothing piles up and no
 * one key runs hot).
 */
const decoyKey = () => keys.decoy(String(randomInt(16)));

/** A decoy's own failure changes nothing: the answer is the same either way. */
async function quietly(send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch {
    // ignored on purpose
  }
}

// Failed sign-ins of an email that may not sign in: GetItem `SIGNIN#<sha256 of the email>`
export async function findDecoyCounter(emailHash: string): Promise<DecoyCounter | undefined> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.signInFailures(emailHash), ConsistentRead: true }));
    if (!Item) return undefined;
    return { failures: Number(Item.failures ?? 0), expiresAt: Number(Item.expiresAt ?? 0), ...(Item.lockedAt ? { lockedAt: String(Item.lockedAt) } : {}) };
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** The reads of a known email (the person's partition ‖ the trust), the second being this email's failure counter. */
export async function decoyRead(emailHash: string): Promise<DecoyCounter | undefined> {
  const [, counter] = await Promise.all([
    quietly(() =>
      documentClient().send(new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': decoyKey().pk }, ConsistentRead: true })),
    ),
    findDecoyCounter(emailHash),
  ]);
  return counter;
}

/**
 * One more failure for the email, with the writes an account's counted
 * failure costs (the atomic ADD, then the audit write ‖ the lock at the
 * limit). `seen` is the counter the gate read: an expired one (TTL deletion
 * lags) is replaced rather than added to. A failure racing a lock is not
 * counted, as it would not matter to a locked account either.
 */
export async function countDecoyFailure(emailHash: string, seen: DecoyCounter | undefined, policy: LockoutPolicy, now = new Date()): Promise<void> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const Key = keys.signInFailures(emailHash);
  const until = nowSeconds + DECOY_FAILURE_SECONDS;
  let failures = 0;
  try {
    if (seen && seen.expiresAt <= nowSeconds) {
      await documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...Key, entity: 'sign-in-failures', failures: 1, expiresAt: until },
          ConditionExpression: 'expiresAt = :seen',
          ExpressionAttributeValues: { ':seen': seen.expiresAt },
        }),
      );
      failures = 1;
    } else {
      const result = await documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key,
          UpdateExpression: 'ADD failures :one SET entity = :entity, expiresAt = :until',
          ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(lockedAt) AND expiresAt > :now)',
          ExpressionAttributeValues: { ':one': 1, ':entity': 'sign-in-failures', ':until': until, ':now': nowSeconds },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      failures = Number(result?.Attributes?.failures ?? 0);
    }
  } catch (error) {
    if (!isConditionFailure(error)) rethrowStoreError(error);
  }
  await Promise.all([
    quietly(() => documentClient().send(new PutCommand({ TableName: tableName(), Item: { ...decoyKey(), entity: 'decoy', at: now.toISOString() } }))),
    failures > 0 && reachedLimit(failures, policy) ? lockDecoy(emailHash, now, nowSeconds + decoyLockSeconds(policy)) : undefined,
  ]);
}

/** The lock at the limit: exactly one of many concurrent failures sets it, as with an account. */
async function lockDecoy(emailHash: string, now: Date, until: number): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.signInFailures(emailHash),
        UpdateExpression: 'SET lockedAt = :at, expiresAt = :until',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(lockedAt)',
        ExpressionAttributeValues: { ':at': now.toISOString(), ':until': until },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) rethrowStoreError(error);
  }
}
