import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client';
import { isConditionFailure, rethrowStoreError } from './errors';
import { keys } from './keys';
import type { TransactItem } from './transaction';

/**
 * Email claims: the `EMAIL#<email>` uniqueness item is taken in the table
 * *before* a Cognito user is made for a new account, so of many concurrent
 * creates with one email exactly one ever reaches Cognito. Until the
 * account's transaction replaces it with the real email item, the item is a
 * pending claim (`entity: 'email-claim'`) with its owner's `claimId` and an
 * expiry.
 */

/**
 * How long a pending claim holds an email. Twenty times a function's timeout
 * (15 s): whoever made a claim that has expired is certainly no longer
 * running, so taking the claim over (and adopting a Cognito user the crashed
 * owner left behind) cannot race its owner.
 */
export const EMAIL_CLAIM_SECONDS = 300;

const CLAIM = 'email-claim';

// Email claim (pending account creation): conditional put on `EMAIL#<email>`
/** False when the email belongs to an account, or to another creation whose claim has not expired. */
export async function claimEmail(email: string, claimId: string, now = Date.now()): Promise<boolean> {
  const nowSeconds = Math.floor(now / 1000);
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.email(email), entity: CLAIM, claimId, expiresAt: nowSeconds + EMAIL_CLAIM_SECONDS },
        // TTL deletion lags by up to days: an expired claim is taken over here, never waited for.
        ConditionExpression: 'attribute_not_exists(pk) OR (#entity = :claim AND expiresAt < :now)',
        ExpressionAttributeNames: { '#entity': 'entity' },
        ExpressionAttributeValues: { ':claim': CLAIM, ':now': nowSeconds },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}

/** The condition that turns this claim, and only this one, into the account's email item (in the account's transaction). */
export function claimHeld(claimId: string): Pick<NonNullable<TransactItem['Put']>, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  return {
    ConditionExpression: '#entity = :claim AND claimId = :claimId',
    ExpressionAttributeNames: { '#entity': 'entity' },
    ExpressionAttributeValues: { ':claim': CLAIM, ':claimId': claimId },
  };
}

/** Gives the email back after a failed creation; a claim that is no longer this one (or already an account) is left alone. */
export async function releaseEmailClaim(email: string, claimId: string): Promise<void> {
  try {
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: keys.email(email), ...claimHeld(claimId) }));
  } catch (error) {
    if (isConditionFailure(error)) return;
    rethrowStoreError(error);
  }
}

/** Whether an `EMAIL#` item is a pending claim rather than an account's email (readers treat a claim as "no account"). */
export const isPendingClaim = (item: Record<string, unknown> | undefined): boolean => item?.entity === CLAIM;

// Cognito subject → account, strongly consistent: is this Cognito user some account's login?
export async function identityInUse(cognitoUsername: string): Promise<boolean> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.identity(cognitoUsername), ConsistentRead: true }));
    return Item !== undefined;
  } catch (error) {
    return rethrowStoreError(error);
  }
}
