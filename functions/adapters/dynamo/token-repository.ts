import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import type { Account, AccountStatus } from '../../../domain/identity/account';
import { LinkGoneError, type StoredToken, type TokenPurpose } from '../../../domain/identity/tokens';
import { ConflictError } from '../../../domain/errors';
import { AccountChangedError } from './account-writes';
import { auditPut } from './audit-repository';
import { documentClient, tableName } from './client';
import { cancellationCodes, rethrowStoreError } from './errors';
import { keys } from './keys';
import type { TransactItem } from './transaction';

/**
 * Which profile attribute holds the one live link of each purpose, and the
 * statuses it works for. A reset works for a locked account too (API.md: any
 * account that is not inactive; review F, F-1) and leaves the lock in place:
 * the claim sets no status. Never for `inactive` (it would bring back a
 * deactivated account) nor `invited` (it would activate the account around
 * its invitation).
 */
const LIVE = {
  // `claimed`: the statuses a claim leaves the account in (acceptance makes it active; a reset keeps its status).
  invitation: { field: 'invitationTokenHash', statuses: ['invited'], claimed: ['active'] },
  password_reset: { field: 'resetTokenHash', statuses: ['active', 'locked'], claimed: ['active', 'locked'] },
} as const satisfies Record<TokenPurpose, { field: string; statuses: readonly AccountStatus[]; claimed: readonly AccountStatus[] }>;

/** `<name> IN (…)` over a list of statuses, with its values (`:s0`, `:s1`, …). */
function statusIn(statuses: readonly AccountStatus[], name = '#status'): { expression: string; values: Record<string, string> } {
  const values = Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status]));
  return { expression: `${name} IN (${Object.keys(values).join(', ')})`, values };
}

/** Used tokens stay as tombstones this long after they expire, so an old link still gets a clear answer. */
const TOMBSTONE_SECONDS = 30 * 86_400;

/** The profile attribute that names the account's one live link of this purpose (a newer link voids the older). */
export const liveLinkField = (purpose: TokenPurpose) => LIVE[purpose].field;

/** A new link token item, as a transaction item (also part of a bulk edit's person transaction). */
export function linkTokenPut(token: StoredToken): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...keys.linkToken(token.hash), entity: 'link-token', purpose: token.purpose, trustId: token.trustId, userId: token.userId,
        validUntil: token.validUntil, ...(token.sentTo ? { sentTo: token.sentTo } : {}), expiresAt: Math.floor(new Date(token.validUntil).getTime() / 1000) + TOMBSTONE_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

// Link token by hash
export async function getLinkToken(hash: string): Promise<StoredToken | undefined> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.linkToken(hash), ConsistentRead: true }));
    if (!Item) return undefined;
    const { purpose, trustId, userId, validUntil, usedAt, sentTo } = Item as unknown as StoredToken;
    return { hash, purpose, trustId, userId, validUntil, ...(usedAt ? { usedAt } : {}), ...(sentTo ? { sentTo } : {}) };
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/**
 * Stores a new link token and makes it the account's only live link of its
 * purpose (older links stop working), with its audit record, in one transaction.
 */
export async function issueLinkToken(account: Account, token: StoredToken, audit: AuditRecord, options: { sameVersion?: boolean } = {}): Promise<void> {
  const live = LIVE[token.purpose];
  const table = tableName();
  // An admin's link (sameVersion) lands only on the profile the identity guard judged: any change since is re-read and judged again.
  const sameVersion = options.sameVersion === true;
  const status = statusIn(LIVE[token.purpose].statuses);
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          linkTokenPut(token),
          {
            Update: {
              TableName: table,
              Key: keys.userProfile(account.trustId, account.id),
              UpdateExpression: `SET ${live.field} = :hash`,
              ConditionExpression: sameVersion ? `${status.expression} AND version = :seen` : status.expression,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':hash': token.hash, ...status.values, ...(sameVersion ? { ':seen': account.version } : {}) },
            },
          },
          auditPut(account.trustId, audit),
        ],
      }),
    );
  } catch (error) {
    if (cancellationCodes(error)?.[1] === 'ConditionalCheckFailed') {
      if (sameVersion) throw new AccountChangedError();
      throw token.purpose === 'invitation'
        ? new ConflictError('not_invited', 'The account is no longer invited')
        : new ConflictError('not_active', 'The account is no longer active or locked');
    }
    rethrowStoreError(error);
  }
}

/**
 * Uses a link once: marks the token used and applies `profile` (SET clauses,
 * the version bumped) on the condition that the token was unused and is still
 * the account's live link and the account still has the status the link is
 * for and the address it was checked against. Of two concurrent uses exactly one succeeds; the other is told the link
 * was used.
 */
export async function claimLinkToken(
  account: Account,
  token: StoredToken,
  profile: { set: Record<string, unknown> },
  audit: AuditRecord,
  now: string,
): Promise<void> {
  const live = LIVE[token.purpose];
  const table = tableName();
  const status = statusIn(LIVE[token.purpose].statuses);
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':hash': token.hash, ...status.values, ':email': account.email, ':one': 1, ':now': now, ':changed': new Date().toISOString() };
  const sets = Object.entries(profile.set).map(([field, value], i) => {
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    return `#f${i} = :v${i}`;
  });
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: keys.linkToken(token.hash),
              UpdateExpression: 'SET usedAt = :now',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
              ExpressionAttributeValues: { ':now': now },
            },
          },
          {
            Update: {
              TableName: table,
              Key: keys.userProfile(account.trustId, account.id),
              UpdateExpression: `SET ${[...sets, 'version = version + :one', 'updatedAt = :now', 'gsi3sk = :changed'].join(', ')} REMOVE ${live.field}`,
              // The address too: the link was checked against this one (an email change also voids the hash).
              // The status as it is now (a deactivation after the link was sent voids it; a lock does not and stays).
              ConditionExpression: `${live.field} = :hash AND ${status.expression} AND email = :email`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          auditPut(account.trustId, audit),
        ],
      }),
    );
  } catch (error) {
    if (cancellationCodes(error)?.some((code) => code === 'ConditionalCheckFailed')) {
      throw new LinkGoneError('token_used', 'This link was already used or replaced by a newer one');
    }
    rethrowStoreError(error);
  }
}

/**
 * Undoes a claim when the step after it (setting the password in Cognito)
 * failed, so the person can use the same link again.
 */
export async function releaseLinkToken(account: Account, token: StoredToken, profile: { set: Record<string, unknown> }): Promise<void> {
  const live = LIVE[token.purpose];
  const status = statusIn(live.claimed, '#claimStatus');
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':hash': token.hash, ':changed': new Date().toISOString() };
  const sets = Object.entries(profile.set).map(([field, value], i) => {
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    return `#f${i} = :v${i}`;
  });
  await documentClient().send(
    new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: tableName(), Key: keys.linkToken(token.hash), UpdateExpression: 'REMOVE usedAt' } },
        {
          Update: {
            TableName: tableName(),
            Key: keys.userProfile(account.trustId, account.id),
            UpdateExpression: `SET ${[...sets, `${live.field} = :hash`, 'gsi3sk = :changed'].join(', ')}`,
            // Only undo the claim while the account is as the claim left it (active; for a reset, locked too):
            // a deactivation (or, after an acceptance, a lock) that landed meanwhile stands, and the link stays
            // used (review A, L3). A lock does not void a reset link (review F, F-1), so undoing a reset's
            // claim on a locked account gives back no more than it had.
            ConditionExpression: status.expression,
            ExpressionAttributeNames: { ...names, '#claimStatus': 'status' },
            ExpressionAttributeValues: { ...values, ...status.values },
          },
        },
      ],
    }),
  );
}
