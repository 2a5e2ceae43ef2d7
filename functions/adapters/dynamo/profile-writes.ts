import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import type { Account } from '../../../domain/identity/account';
import { ConflictError, VersionConflictError } from '../../../domain/errors';
import { auditPut } from './audit-repository';
import { documentClient, tableName } from './client';
import { cancellationCodes, rethrowStoreError } from './errors';
import { keys } from './keys';
import type { TransactItem } from './transaction';


export interface ProfileFields {
  firstName: string;
  lastName: string;
  email: string;
  mobile?: string;
  edited: boolean;
}

/** The profile Update of an edit: the fields, the version bumped on the condition that it is `expectedVersion`. */
function profileEditItem(account: Account, expectedVersion: number, next: ProfileFields, now: string): TransactItem {
  const removes = [...(next.mobile ? [] : ['mobile']), ...voidedByEmailMove(account, next.email)];
  return {
    Update: {
      TableName: tableName(),
      Key: keys.userProfile(account.trustId, account.id),
      // gsi3sk: the directory's change time, so warm directory caches pick the edit up (functions/users/directory.ts).
      UpdateExpression: `SET firstName = :first, lastName = :last, email = :email, edited = :edited, version = version + :one, updatedAt = :now, gsi3sk = :changed${next.mobile ? ', mobile = :mobile' : ''}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: {
        ':first': next.firstName, ':last': next.lastName, ':email': next.email, ':edited': next.edited,
        ':one': 1, ':now': now, ':changed': new Date().toISOString(), ':expected': expectedVersion, ...(next.mobile ? { ':mobile': next.mobile } : {}),
      },
    },
  };
}

/** The profile attributes naming an account's live emailed links (invitation, password reset): see token-repository.ts. */
export const LINK_HASH_FIELDS = ['invitationTokenHash', 'resetTokenHash'] as const;

/**
 * The profile attributes an email change removes, in the same write as the
 * change: the live link hashes, since a link emailed to the old address (a
 * mistyped one, someone else's) must never sign anyone in as the account once
 * it has a new address; and SES's report that the old address was
 * undeliverable (domain/identity/email-delivery.ts), which says nothing of the
 * new one. None when the address stays. Every email move (PATCH, CSV import,
 * MIS sync) writes these with emailMove's items.
 */
export function voidedByEmailMove(account: Pick<Account, 'email'>, email: string): readonly string[] {
  return email === account.email ? [] : [...LINK_HASH_FIELDS, 'emailDelivery'];
}

/** An email change's uniqueness items: the old one released (only if still this person's), the new one claimed; none when unchanged. */
export function emailMove(account: Account, email: string): TransactItem[] {
  if (email === account.email) return [];
  const table = tableName();
  return [
    { Delete: { TableName: table, Key: keys.email(account.email), ConditionExpression: 'userId = :user', ExpressionAttributeValues: { ':user': account.id } } },
    {
      Put: {
        TableName: table,
        Item: { ...keys.email(email), entity: 'email', trustId: account.trustId, userId: account.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
}

/**
 * A profile edit as one transaction: the profile on the condition that its
 * version is the one the client saw (If-Match), and on an email change the old
 * uniqueness item released and the new one claimed (409 when taken), and
 * the account's emailed links and undeliverable report voided (voidedByEmailMove).
 */
export async function writeProfileEdit(account: Account, expectedVersion: number, next: ProfileFields, audit: AuditRecord, now: string): Promise<void> {
  const items: TransactItem[] = [profileEditItem(account, expectedVersion, next, now), ...emailMove(account, next.email), auditPut(account.trustId, audit)];
  try {
    await documentClient().send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes?.[0] === 'ConditionalCheckFailed' || codes?.[1] === 'ConditionalCheckFailed') throw new VersionConflictError();
    if (codes?.[2] === 'ConditionalCheckFailed') throw new ConflictError('email_taken', 'This email already has an account');
    rethrowStoreError(error);
  }
}
