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
  /**
   * The hash of the address the link was emailed to (sentToHash): the link
   * works only while the account still has that address. Links stored before
   * this binding have none and rely on an email change voiding the account's
   * live link hashes (functions/adapters/dynamo/profile-writes.ts).
   */
  sentTo?: string;
}

/** The stored form of the address a link went to: its SHA-256, so a tombstone keeps no address after the account is gone. */
export const sentToHash = (email: string): string => hashToken(`email:${email.trim().toLowerCase()}`);

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
 * newer one counts as used: only the newest link of an account works, and
 * only while the account still has the address the link was sent to.
 */
export function assertUsable(token: StoredToken | undefined, purpose: TokenPurpose, currentHash: string | undefined, now: Date, currentEmail: string | undefined): StoredToken {
  if (!token || token.purpose !== purpose) {
    throw new InvalidInputError('invalid_token', 'This link is not valid; check that you copied all of it', [{ path: 'token', message: 'unknown token' }]);
  }
  // A link sent to an address the account no longer has is void like a replaced one (the email change
  // already removed the live hash; this holds even if a path forgot to).
  const movedAway = token.sentTo !== undefined && (currentEmail === undefined || sentToHash(currentEmail) !== token.sentTo);
  if (token.usedAt || currentHash !== token.hash || movedAway) {
    throw new LinkGoneError('token_used', 'This link was already used or replaced by a newer one');
  }
  if (new Date(token.validUntil).getTime() <= now.getTime()) {
    throw purpose === 'invitation'
      ? new LinkGoneError('invitation_expired', 'This invitation has expired; ask your administrator to send a new one')
      : new LinkGoneError('token_expired', 'This link has expired; ask for a new one');
  }
  return token;
}
