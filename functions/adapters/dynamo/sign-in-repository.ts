import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import type { Account } from '../../../domain/identity/account';
import { emailHash, type DecoyCounter } from '../../../domain/identity/decoy-lockout';
import { limitOf, type LockoutPolicy } from '../../../domain/identity/lockout';
import type { Trust } from '../../../domain/org/trust';
import { auditPut } from './audit-repository';
import { documentClient, tableName } from './client';
import { decoyRead, findDecoyCounter } from './decoy-repository';
import { cancellationCodes, isConditionFailure, rethrowStoreError } from './errors';
import { isPendingClaim } from './email-claims';
import { keys } from './keys';
import type { TransactItem } from './transaction';
import { loadPerson, type PersonRecord } from './person-repository';
import { getTrust } from './trust-repository';

/**
 * The sign-in state of an account: the failed-login counter and the lock on
 * its profile item, and the pending TOTP step. Every change to the counter is
 * atomic (ADD, or a SET under a condition on the stored value), because many
 * sign-ins for one account can run at once.
 */

export interface SignInRecord extends PersonRecord {
  trust: Trust;
}

export type SignInLookup = { record: SignInRecord } | { record?: undefined; counter: DecoyCounter | undefined };

// Account by email, with its placements (for audit) and its trust's lockout policy: GetItem, then Query ‖ GetItem
/** For an unknown email the second step reads that email's decoy failure counter instead, at the same cost. */
export async function findSignInRecord(email: string): Promise<SignInLookup> {
  let ref: Record<string, unknown> | undefined;
  try {
    ({ Item: ref } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.email(email), ConsistentRead: true })));
  } catch (error) {
    return rethrowStoreError(error);
  }
  if (!ref || isPendingClaim(ref)) return { counter: await decoyRead(emailHash(email)) };
  const [record, trust] = await Promise.all([loadPerson(String(ref.trustId), String(ref.userId)), getTrust(String(ref.trustId))]);
  return record && trust ? { record: { ...record, trust } } : { counter: await findDecoyCounter(emailHash(email)) };
}

const profileKey = (account: Pick<Account, 'trustId' | 'id'>) => keys.userProfile(account.trustId, account.id);

// One more failed sign-in: atomic ADD, returns the new count
export async function countFailedLogin(account: Account): Promise<number> {
  try {
    const result = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: profileKey(account),
        UpdateExpression: 'ADD failedLogins :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result?.Attributes?.failedLogins ?? 0);
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** An audit record on its own, for events that change no other item in a way a transaction could carry (see countFailedLogin). */
export async function putAudit(trustId: string, record: AuditRecord): Promise<void> {
  try {
    await documentClient().send(new PutCommand(auditPut(trustId, record).Put));
  } catch (error) {
    rethrowStoreError(error);
  }
}

/**
 * Locks the account with its audit record, on the condition that it is still
 * active and its counter reached the limit: of many concurrent failures that
 * reach it, exactly one locks (and so exactly one email goes). False when the
 * condition failed (someone else locked it, or a success or unlock reset it).
 */
export async function lockAccount(account: Account, policy: LockoutPolicy, lockedAt: string, audit: AuditRecord, outbox: TransactItem[] = []): Promise<boolean> {
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName(),
              Key: profileKey(account),
              UpdateExpression: 'SET #status = :locked, lockedAt = :at, updatedAt = :at, version = version + :one, gsi3sk = :changed',
              ConditionExpression: '#status = :active AND failedLogins >= :max',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':locked': 'locked', ':active': 'active', ':at': lockedAt, ':one': 1, ':max': limitOf(policy), ':changed': new Date().toISOString() },
            },
          },
          auditPut(account.trustId, audit),
          ...outbox,
        ],
      }),
    );
    return true;
  } catch (error) {
    if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return false;
    return rethrowStoreError(error);
  }
}

/**
 * After Cognito accepted the credentials: the counter goes back to zero, the
 * reserved attempts are released (domain/identity/lockout.ts), and
 * the sign-in time is recorded (`lastSignInAt`, shown in the directory; the
 * version stays, so nobody holding If-Match gets a 412 because someone signed
 * in), on the condition that the account is still active and below the
 * limit. Null means failures locked it meanwhile, and the tokens must not be
 * handed out; otherwise whether TOTP is on as the write found it.
 */
export async function resetFailedLogins(account: Account, policy: LockoutPolicy, signedInAt: string): Promise<{ mfaEnabled: boolean } | null> {
  try {
    const written = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: profileKey(account),
        UpdateExpression: 'SET failedLogins = :zero, lastSignInAt = :at, gsi3sk = :at REMOVE reservedUntil',
        ConditionExpression: '#status = :active AND (attribute_not_exists(failedLogins) OR failedLogins < :max)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':zero': 0, ':active': 'active', ':max': limitOf(policy), ':at': signedInAt },
        // The profile as this sign-in left it: whether TOTP is on now, read in the same round trip.
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { mfaEnabled: written?.Attributes?.mfaEnabled === true };
  } catch (error) {
    if (isConditionFailure(error)) return null;
    return rethrowStoreError(error);
  }
}

/**
 * The trust's auto-unlock: back to active with a fresh counter, on the
 * condition that it is still the lock that was read (an admin may have
 * unlocked it, or it may have locked again since). False when it was not.
 */
export async function autoUnlockAccount(account: Account, at: string, audit: AuditRecord): Promise<boolean> {
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName(),
              Key: profileKey(account),
              UpdateExpression: 'SET #status = :active, failedLogins = :zero, updatedAt = :at, version = version + :one, gsi3sk = :changed REMOVE lockedAt, reservedUntil',
              ConditionExpression: '#status = :locked AND lockedAt = :lockedAt',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':active': 'active', ':locked': 'locked', ':zero': 0, ':at': at, ':one': 1, ':lockedAt': account.lockedAt ?? '', ':changed': new Date().toISOString(),
              },
            },
          },
          auditPut(account.trustId, audit),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return false;
    return rethrowStoreError(error);
  }
}

/** A sign-in in the second TOTP was turned on can record only this many sessions (a bound, not a limit anyone meets). */
const MAX_MFA_SESSION_IDS = 20;

/**
 * Records that a sign-in answered the TOTP challenge (see sessionPassedMfa),
 * on the condition that TOTP is still on since the same time: a sign-in that
 * races TOTP being turned off or reset records nothing. False when not recorded.
 */
export async function recordMfaSession(account: Account, sessionId: string): Promise<boolean> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: profileKey(account),
        UpdateExpression: 'SET mfaSessionIds = list_append(if_not_exists(mfaSessionIds, :empty), :id)',
        ConditionExpression: 'mfaEnabled = :true AND mfaEnabledAt = :at AND (attribute_not_exists(mfaSessionIds) OR size(mfaSessionIds) < :max)',
        ExpressionAttributeValues: { ':empty': [], ':id': [sessionId], ':true': true, ':at': account.mfaEnabledAt ?? -1, ':max': MAX_MFA_SESSION_IDS },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}

export interface MfaSessionRecord {
  trustId: string;
  userId: string;
}

// Pending TOTP step by session hash → account; expires with Cognito's session (3 minutes)
export async function saveMfaSession(sessionHash: string, account: Account, expiresAt: number): Promise<void> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.mfaSession(sessionHash), entity: 'mfa-session', trustId: account.trustId, userId: account.id, expiresAt },
      }),
    );
  } catch (error) {
    rethrowStoreError(error);
  }
}

export async function findMfaSession(sessionHash: string): Promise<MfaSessionRecord | undefined> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.mfaSession(sessionHash), ConsistentRead: true }));
    // TTL deletion lags by up to days: the expiry is checked here.
    if (!Item || typeof Item.expiresAt !== 'number' || Item.expiresAt * 1000 < Date.now()) return undefined;
    return { trustId: String(Item.trustId), userId: String(Item.userId) };
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** Uses the pending step up (conditional delete): false when another request already did. */
export async function consumeMfaSession(sessionHash: string): Promise<boolean> {
  try {
    await documentClient().send(
      new DeleteCommand({ TableName: tableName(), Key: keys.mfaSession(sessionHash), ConditionExpression: 'attribute_exists(pk)' }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}
