import { assertStrongPassword } from '../../domain/identity/password-policy';
import { commonPasswords } from '../adapters/common-passwords';
import { claimLinkToken, releaseLinkToken } from '../adapters/dynamo/token-repository';
import { setPermanentPassword } from '../adapters/cognito/user-pool';
import { logger } from '../http/logger';
import { nowIso } from '../shared/ids';
import { linkAudit as audit, usableLink } from './links';

/**
 * Sets the first password and turns the account active. The link is claimed
 * first (exactly one of two concurrent accepts wins), then the password is set
 * in Cognito; if that fails the claim is undone so the link works again.
 */
export async function acceptInvitation(rawToken: string, password: string): Promise<{ email: string }> {
  const { token, account } = await usableLink(rawToken, 'invitation');
  assertStrongPassword(password, await commonPasswords(), { email: account.email });
  const now = nowIso();
  const change = { set: { status: 'active', acceptedAt: now, failedLogins: 0 } };
  await claimLinkToken(account, token, change, audit(account, account.id, 'invitation.accepted'), now);
  try {
    await setPermanentPassword(account.cognitoUsername, password);
  } catch (error) {
    await releaseLinkToken(account, token, { set: { status: 'invited' } }).catch((e: unknown) => logger.error('could not release invitation', e as Error));
    throw error;
  }
  return { email: account.email };
}

