import { DomainError, UnauthenticatedError } from '../errors';
import type { Account } from './account';

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
 * asking Cognito. The lockout counter slots in here.
 */
export function loginGate(account: Account | undefined): 'attempt' | 'decoy' | AccountLockedError {
  if (!account) return 'decoy';
  if (account.status === 'locked') return new AccountLockedError();
  if (account.status !== 'active') return 'decoy';
  return 'attempt';
}

export const invalidCredentials = () => new UnauthenticatedError('invalid_credentials', 'The email or password is not right');
