import { randomInt } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DECOY_FAILURE_SECONDS, decoyLockSeconds, type DecoyCounter } from '../../../domain/identity/decoy-lockout';
import { ATTEMPT_RESERVATION_SECONDS, reachedLimit, reservationsLive, type LockoutPolicy } from '../../../domain/identity/lockout';
import { reservationWrites, updateIf } from './account-writes';
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
    return {
      failures: Number(Item.failures ?? 0), expiresAt: Number(Item.expiresAt ?? 0),
      ...(Item.lockedAt ? { lockedAt: String(Item.lockedAt) } : {}),
      ...(typeof Item.reservedUntil === 'number' ? { reservedUntil: Item.reservedUntil } : {}),
    };
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
 * Reserves one attempt for the email before the decoy Cognito call, exactly
 * as an account's attempt is reserved (reserveSignInAttempt): one conditional
 * write, while the counter is live, unlocked, and failures + attempts in
 * flight stay below the limit; false when no place is left (the caller
 * answers 423, as for an account). A counter that is missing or expired
 * (TTL deletion lags) starts afresh with this attempt. `seen` is the counter
 * the gate read: it picks the form that goes first, the other follows only
 * when its condition failed.
 */
export async function reserveDecoyAttempt(emailHash: string, seen: DecoyCounter | undefined, policy: LockoutPolicy, now = new Date()): Promise<boolean> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const common = { TableName: tableName(), Key: keys.signInFailures(emailHash) };
  const open = 'expiresAt > :now AND attribute_not_exists(lockedAt) AND (attribute_not_exists(failures) OR failures < :limit)';
  const afresh = () =>
    updateIf({
      ...common,
      UpdateExpression: 'SET entity = :entity, failures = :zero, reservedAttempts = :one, reservedUntil = :until, expiresAt = :day REMOVE lockedAt',
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
      ExpressionAttributeValues: {
        ':entity': 'sign-in-failures', ':zero': 0, ':one': 1, ':until': nowSeconds + ATTEMPT_RESERVATION_SECONDS, ':day': nowSeconds + DECOY_FAILURE_SECONDS, ':now': nowSeconds,
      },
    });
  const { onePlaceMore, fromFailures } = reservationWrites(common, {}, open, 'failures', policy, nowSeconds);
  // At most two writes, as for an account: a counter created meanwhile by another attempt has live reservations.
  const [first, second] = !seen || seen.expiresAt <= nowSeconds
    ? [afresh, onePlaceMore]
    : reservationsLive(seen.reservedUntil, nowSeconds) ? [onePlaceMore, fromFailures] : [fromFailures, onePlaceMore];
  return (await first()) || second();
}

/**
 * One more failure for the email, with the writes an account's counted
 * failure costs (the atomic ADD, then the audit write ‖ the lock at the
 * limit). The attempt reserved its place first (reserveDecoyAttempt), which
 * also started an expired counter afresh. A failure racing a lock, or
 * outliving the counter, is not counted, as it would not matter to a locked
 * account either.
 */
export async function countDecoyFailure(emailHash: string, policy: LockoutPolicy, now = new Date()): Promise<void> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const until = nowSeconds + DECOY_FAILURE_SECONDS;
  let failures = 0;
  try {
    const result = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.signInFailures(emailHash),
        UpdateExpression: 'ADD failures :one SET entity = :entity, expiresAt = :until',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(lockedAt) AND expiresAt > :now',
        ExpressionAttributeValues: { ':one': 1, ':entity': 'sign-in-failures', ':until': until, ':now': nowSeconds },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    failures = Number(result?.Attributes?.failures ?? 0);
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
