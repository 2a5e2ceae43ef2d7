import { DomainError, UnauthenticatedError } from '../errors';
import type { TrustPolicies } from '../org/trust';
import type { Account } from './account';
import { loginGateFor, type LoginGate } from './lockout';

export class AccountLockedError extends DomainError {
  readonly code = 'account_locked';
  constructor() {
    super('This account is locked; ask your administrator to unlock it');
    this.name = 'AccountLockedError';
  }
}

/**
 * Whether a login may be tried against Cognito at all. Unknown, invited and
 * inactive accounts all get the one `invalid_credentials` answer (after a
 * decoy attempt, so timing matches); a locked account is refused without
 * asking Cognito, unless the trust's auto-unlock time has passed (lockout.ts).
 */
export function loginGate(account: Account | undefined, policy: Pick<TrustPolicies, 'maxFailedLogins' | 'autoUnlockMinutes'>, now: Date): LoginGate {
  return loginGateFor(account, policy, now);
}

export const invalidCredentials = () => new UnauthenticatedError('invalid_credentials', 'The email or password is not right');

/** A wrong or reused TOTP code; it counts as a failed sign-in. */
export const invalidMfaCode = () => new UnauthenticatedError('invalid_mfa_code', 'The code from your authenticator app is not right');

/** The sign-in step the code answers is unknown, used or expired: start again with the password. */
export const invalidMfaSession = () => new UnauthenticatedError('invalid_mfa_session', 'This sign-in has expired; enter your password again');
