import { UnauthenticatedError } from '../../domain/errors';
import { sessionIsValid, type Account } from '../../domain/identity/account';
import type { Trust } from '../../domain/org/trust';
import { findIdentity, loadCaller } from '../adapters/dynamo/account-repository';

export interface Caller {
  account: Account;
  trust: Trust;
}

/** The claims the gateway's JWT authorizer verified and passed on. */
export type VerifiedClaims = Record<string, string | number | boolean | string[] | undefined>;

/**
 * The caller's account, loaded once per request and refused unless it is
 * active and the token comes from a sign-in after its last sign-out.
 */
export async function resolveCaller(claims: VerifiedClaims | undefined): Promise<Caller> {
  const sub = typeof claims?.sub === 'string' ? claims.sub : undefined;
  if (!sub) throw new UnauthenticatedError();
  const ref = await findIdentity(sub);
  if (!ref) throw new UnauthenticatedError('unknown_account', 'No account belongs to this token');
  const { account, trust } = await loadCaller(ref);
  const authTime = Number(claims?.auth_time ?? claims?.iat ?? 0);
  if (!trust || !sessionIsValid(account, { authTime })) {
    throw new UnauthenticatedError('session_revoked', 'This session is no longer valid; sign in again');
  }
  return { account, trust };
}
