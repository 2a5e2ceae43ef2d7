import { randomBytes } from 'node:crypto';
import { DomainError, InvalidInputError } from '../errors';
import { hashToken } from './token-hash';

export type TokenPurpose = 'invitation' | 'password_reset';

/** A link token as stored: only its hash is ever kept. */
export interface StoredToken {
  hash: string;
  purpose: TokenPurpose;
  trustId: string;
  userId: string;
  /** ISO time after which the link no longer works. */
  validUntil: string;
  usedAt?: string;
}

/** A fresh 256-bit token and its hash; the token goes into the link, the hash into the table. */
export function newLinkToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export class LinkGoneError extends DomainError {
  readonly code: string;
  constructor(code: 'invitation_expired' | 'token_expired' | 'token_used', message: string) {
    super(message);
    this.name = 'LinkGoneError';
    this.code = code;
  }
}

/**
 * Why a link no longer works, in the words the person needs: unknown (never
 * issued, or for something else), expired, or used. A link replaced by a
 * newer one counts as used: only the newest link of an account works.
 */
export function assertUsable(token: StoredToken | undefined, purpose: TokenPurpose, currentHash: string | undefined, now: Date): StoredToken {
  if (!token || token.purpose !== purpose) {
    throw new InvalidInputError('invalid_token', 'This link is not valid; check that you copied all of it', [{ path: 'token', message: 'unknown token' }]);
  }
  if (token.usedAt || currentHash !== token.hash) {
    throw new LinkGoneError('token_used', 'This link was already used or replaced by a newer one');
  }
  if (new Date(token.validUntil).getTime() <= now.getTime()) {
    throw purpose === 'invitation'
      ? new LinkGoneError('invitation_expired', 'This invitation has expired; ask your administrator to send a new one')
      : new LinkGoneError('token_expired', 'This link has expired; ask for a new one');
  }
  return token;
}
