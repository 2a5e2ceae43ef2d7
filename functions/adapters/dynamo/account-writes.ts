import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { lastAdmin, type AdminWitness } from '../../../domain/access/last-admin';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import type { Account } from '../../../domain/identity/account';
import type { AccountChange } from '../../../domain/identity/lifecycle';
import { ATTEMPT_RESERVATION_SECONDS, limitOf, reservationsLive, type LockoutPolicy } from '../../../domain/identity/lockout';
import { adminWitnessChecks } from './admin-repository';
import { auditPut } from './audit-repository';
import { documentClient, tableName } from './client';
import { cancellationCodes, isConditionFailure, rethrowStoreError } from './errors';
import { keys } from './keys';
import type { TransactItem } from './transaction';

/** The profile changed since it was read (its version moved): re-read and plan again. */
export class AccountChangedError extends Error {
  constructor() {
    super('The account changed since it was read');
    this.name = 'AccountChangedError';
  }
}

/**
 * One change to an account's profile (status, lockout, sessions, TOTP) with
 * its audit record, as one transaction that bumps the version on the
 * condition that nobody changed the profile since it was read; with a
 * witness, also on the condition that another admin holding stays (409
 * `last_admin` otherwise).
 */
export async function writeAccountChange(account: Account, change: AccountChange, audit: AuditRecord, now: string, witness?: AdminWitness, extra: readonly TransactItem[] = []): Promise<void> {
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          profileUpdate(account, change, now),
          auditPut(account.trustId, audit),
          ...(witness ? adminWitnessChecks(account.trustId, witness, { userIds: new Set([account.id]) }) : []),
          // Unconditional puts (an outbox event) only: a cancellation past the witness checks is read as lastAdmin.
          ...extra,
        ],
      }),
    );
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes?.[0] === 'ConditionalCheckFailed') throw new AccountChangedError();
    if (codes?.slice(2).includes('ConditionalCheckFailed')) throw lastAdmin();
    rethrowStoreError(error);
  }
}

/** Profile fields a change sets and removes (status, sessions cut-off, TOTP, a live link's hash). */
export interface ProfileFields {
  set: Record<string, unknown>;
  remove: readonly string[];
}

/**
 * The profile's update in a transaction: the fields, the version bumped and
 * `updatedAt`, on the condition that the version is still the one the change
 * was planned on. The one builder of this item, for account changes and
 * person changes (writePersonChange) alike.
 */
export function profileUpdate(account: Account, change: ProfileFields, now: string): TransactItem {
  const names: Record<string, string> = {};
  // gsi3sk: when the profile changed, for the directory cache (functions/users/directory.ts).
  const values: Record<string, unknown> = { ':one': 1, ':seen': account.version, ':now': now, ':changed': new Date().toISOString() };
  const sets = ['version = version + :one', 'updatedAt = :now', 'gsi3sk = :changed'];
  for (const [field, value] of Object.entries(change.set)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  const removes = change.remove.map((field) => {
    names[`#${field}`] = field;
    return `#${field}`;
  });
  return {
    Update: {
      TableName: tableName(),
      Key: keys.userProfile(account.trustId, account.id),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'version = :seen',
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * Signs every session of the account out: tokens from sign-ins before
 * `validAfter` are refused from now on (refresh too). The time only ever
 * moves forward; the version stays, since no admin-visible field changes.
 */
export async function revokeSessions(account: Account, validAfter: number, audit: AuditRecord): Promise<void> {
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName(),
              Key: keys.userProfile(account.trustId, account.id),
              UpdateExpression: 'SET sessionsValidAfter = :t',
              ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(sessionsValidAfter) OR sessionsValidAfter < :t)',
              ExpressionAttributeValues: { ':t': validAfter },
            },
          },
          auditPut(account.trustId, audit),
        ],
      }),
    );
  } catch (error) {
    // Already signed out at least this far (a second sign-out in the same second): nothing to do.
    if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return;
    rethrowStoreError(error);
  }
}

/**
 * Emulator only (see adminStopRequiringTotp): marks, or clears, that Cognito
 * still requires the TOTP the table already turned off, on the condition that
 * TOTP is off in the table, so a sign-in finishes the reset only for an
 * account an admin reset and never for one whose TOTP is being turned on.
 */
export async function setCognitoTotpOffPending(account: Account, pending: boolean): Promise<boolean> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.userProfile(account.trustId, account.id),
        UpdateExpression: pending ? 'SET cognitoTotpOffPending = :true' : 'REMOVE cognitoTotpOffPending',
        ConditionExpression: pending ? 'mfaEnabled = :false' : 'mfaEnabled = :false AND cognitoTotpOffPending = :true',
        ExpressionAttributeValues: pending ? { ':true': true, ':false': false } : { ':true': true, ':false': false },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}

/**
 * Reserves one sign-in attempt (a password, or a TOTP code) before Cognito is
 * asked: one conditional write on the profile, taken only while the account
 * is active and failures counted + attempts in flight (`reservedAttempts`)
 * stay below the limit; false when no place is left (the caller answers 423).
 * Two forms, because a condition cannot add two attributes up:
 * - reservations live (`reservedUntil` ahead): one more place;
 * - none live (never any, all expired, or cleared by a success or an unlock):
 *   the places start again from the counted failures, so a request that died
 *   after its reservation is forgotten rather than counted.
 * The one the profile as read suggests goes first, the other only when its
 * condition failed (another attempt changed the state meanwhile).
 */
export async function reserveSignInAttempt(account: Account, policy: LockoutPolicy, now = new Date()): Promise<boolean> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const common = {
    TableName: tableName(),
    Key: keys.userProfile(account.trustId, account.id),
    ExpressionAttributeNames: { '#status': 'status' },
  };
  const belowLimit = '#status = :active AND (attribute_not_exists(failedLogins) OR failedLogins < :limit)';
  const { onePlaceMore, fromFailures } = reservationWrites(common, { ':active': 'active' }, belowLimit, 'failedLogins', policy, nowSeconds);
  const [first, second] = reservationsLive(account.reservedUntil, nowSeconds) ? [onePlaceMore, fromFailures] : [fromFailures, onePlaceMore];
  return (await first()) || second();
}

/**
 * The two forms of a reservation write on a counter item (a profile, or an
 * email's decoy counter), each one conditional UpdateItem: `onePlaceMore`
 * while reservations are live and fewer than the limit are taken;
 * `fromFailures` when none are live, starting again from the counted
 * failures (`failures`: the item's failure counter). `open` is the item's own
 * condition for taking attempts at all (active, not locked, below the limit).
 */
export function reservationWrites(
  common: Pick<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key' | 'ExpressionAttributeNames'>,
  extraValues: Record<string, unknown>,
  open: string,
  failures: string,
  policy: LockoutPolicy,
  nowSeconds: number,
): { onePlaceMore: () => Promise<boolean>; fromFailures: () => Promise<boolean> } {
  const values = { ...extraValues, ':limit': limitOf(policy), ':now': nowSeconds, ':until': nowSeconds + ATTEMPT_RESERVATION_SECONDS, ':one': 1 };
  return {
    onePlaceMore: () =>
      updateIf({
        ...common,
        UpdateExpression: 'SET reservedAttempts = reservedAttempts + :one, reservedUntil = :until',
        ConditionExpression: `${open} AND reservedUntil > :now AND reservedAttempts < :limit`,
        ExpressionAttributeValues: values,
      }),
    fromFailures: () =>
      updateIf({
        ...common,
        UpdateExpression: `SET reservedAttempts = if_not_exists(${failures}, :zero) + :one, reservedUntil = :until`,
        ConditionExpression: `${open} AND (attribute_not_exists(reservedUntil) OR reservedUntil <= :now)`,
        ExpressionAttributeValues: { ...values, ':zero': 0 },
      }),
  };
}

/**
 * Gives back the place a right password took when Cognito answered with the
 * TOTP challenge: the code step reserves its own, so under a limit of 1 or 2
 * a person with TOTP can still finish signing in. Only while reservations are
 * live and more places are taken than failures counted (never a failure's
 * place); nothing to give back otherwise.
 */
export async function releaseSignInAttempt(account: Account, now = new Date()): Promise<void> {
  await updateIf({
    TableName: tableName(),
    Key: keys.userProfile(account.trustId, account.id),
    UpdateExpression: 'SET reservedAttempts = reservedAttempts - :one',
    ConditionExpression: 'reservedUntil > :now AND reservedAttempts > :zero AND (attribute_not_exists(failedLogins) OR reservedAttempts > failedLogins)',
    ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':now': Math.floor(now.getTime() / 1000) },
  });
}

/** A conditional update: false when its condition failed. */
export async function updateIf(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
  try {
    await documentClient().send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}
