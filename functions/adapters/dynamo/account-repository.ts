import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Account } from '../../../domain/identity/account';
import { directorySummary, type Holdings } from '../../../domain/directory/summary';
import { documentClient, tableName } from './client';
import { isPendingClaim } from './email-claims';
import { rethrowStoreError } from './errors';
import { keys } from './keys';

export interface AccountRef {
  trustId: string;
  userId: string;
}

const ACCOUNT_FIELDS = [
  'id', 'trustId', 'email', 'firstName', 'lastName', 'userType', 'status', 'source',
  'cognitoUsername', 'sessionsValidAfter', 'mobile', 'mfaEnabled', 'mfaEnabledAt', 'mfaSessionIds', 'cognitoTotpOffPending', 'edited', 'deactivatedBy', 'failedLogins', 'lockedAt',
  'acceptedAt', 'invitationTokenHash', 'resetTokenHash', 'version', 'createdAt', 'updatedAt',
  'reservedUntil', 'emailDelivery',
] as const;

export function toAccount(item: Record<string, unknown>): Account {
  const account = Object.fromEntries(ACCOUNT_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]]));
  return { mfaEnabled: false, edited: false, ...account } as unknown as Account;
}

/**
 * The directory attributes of a profile: the summary of what the person
 * holds (domain/directory/summary.ts) and the gsi3 keys the directory cache
 * reads it by (`gsi3sk` = when the profile last changed).
 */
export function directoryAttributes(trustId: string, holdings: Holdings, changedAt: string) {
  return { directory: directorySummary(holdings), gsi3pk: keys.directoryIndex(trustId), gsi3sk: changedAt };
}

/** The items that make an account: profile (with its directory summary), email uniqueness, Cognito subject lookup. */
export function accountItems(account: Account, holdings: Holdings = { memberships: [], assignments: [] }): Record<string, unknown>[] {
  const ref = { trustId: account.trustId, userId: account.id };
  return [
    { ...keys.userProfile(account.trustId, account.id), entity: 'user', ...account, ...directoryAttributes(account.trustId, holdings, new Date().toISOString()) },
    { ...keys.email(account.email), entity: 'email', ...ref },
    { ...keys.identity(account.cognitoUsername), entity: 'identity', ...ref },
  ];
}

async function get(key: { pk: string; sk: string }, consistent = true) {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: consistent }));
    return Item;
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** Subjects never change owner, so the lookup is cached for the container's life. */
const identityCache = new Map<string, AccountRef>();

// Cognito subject → account
export async function findIdentity(sub: string): Promise<AccountRef | undefined> {
  const cached = identityCache.get(sub);
  if (cached) return cached;
  const item = await get(keys.identity(sub), false);
  if (!item) return undefined;
  const ref = { trustId: item.trustId as string, userId: item.userId as string };
  if (identityCache.size > 10_000) identityCache.clear();
  identityCache.set(sub, ref);
  return ref;
}

/** Whose an email is: one GetItem of its uniqueness item; a pending claim (an account being created) is nobody's yet. */
export async function findEmailOwner(email: string): Promise<AccountRef | undefined> {
  const ref = await get(keys.email(email));
  if (!ref || isPendingClaim(ref)) return undefined;
  return { trustId: ref.trustId as string, userId: ref.userId as string };
}

// Account by email (login)
export async function findAccountByEmail(email: string): Promise<Account | undefined> {
  const ref = await findEmailOwner(email);
  return ref && getAccount(ref);
}

export async function getAccount(ref: AccountRef): Promise<Account | undefined> {
  const profile = await get(keys.userProfile(ref.trustId, ref.userId));
  return profile && toAccount(profile);
}

export interface RefreshTokenRecord extends AccountRef {
  cognitoUsername: string;
  /** Epoch seconds of the sign-in that issued it. */
  authTime: number;
}

// Refresh token (by hash) → account; expires with the token
export async function saveRefreshToken(tokenHash: string, record: RefreshTokenRecord, expiresAt: number): Promise<void> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.refreshToken(tokenHash), entity: 'refresh-token', ...record, expiresAt },
      }),
    );
  } catch (error) {
    rethrowStoreError(error);
  }
}

export async function findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const item = await get(keys.refreshToken(tokenHash));
  if (!item || (typeof item.expiresAt === 'number' && item.expiresAt * 1000 < Date.now())) return undefined;
  const { trustId, userId, cognitoUsername, authTime } = item as unknown as RefreshTokenRecord;
  return { trustId, userId, cognitoUsername, authTime };
}
