import { auditRecord } from '../../domain/audit/audit-record';
import type { Account } from '../../domain/identity/account';
import { hashToken } from '../../domain/identity/token-hash';
import { assertUsable, type StoredToken, type TokenPurpose } from '../../domain/identity/tokens';
import { getAccount } from '../adapters/dynamo/account-repository';
import { getLinkToken } from '../adapters/dynamo/token-repository';
import { newId, nowIso } from '../shared/ids';

/**
 * What sending a link (link-sending.ts: SES) and following one
 * (invitation-acceptance.ts, password-reset-confirmation.ts: Cognito) share,
 * in a module of their own so that each function bundles only the AWS
 * clients it calls.
 */
export const linkAudit = (account: Account, actorId: string, action: string, after?: unknown) =>
  auditRecord({ id: newId(), at: nowIso(), actorId, action, targetType: 'user', targetId: account.id, nodeId: null, after });

/** The stored link a raw token names, and its account, if the link may still be used for `purpose` (domain/identity/tokens.ts). */
export async function usableLink(rawToken: string, purpose: TokenPurpose): Promise<{ token: StoredToken; account: Account }> {
  const stored = await getLinkToken(hashToken(rawToken));
  const account = stored && (await getAccount({ trustId: stored.trustId, userId: stored.userId }));
  const current = purpose === 'invitation' ? account?.invitationTokenHash : account?.resetTokenHash;
  const token = assertUsable(account ? stored : undefined, purpose, current, new Date(), account?.email);
  return { token, account: account! };
}

