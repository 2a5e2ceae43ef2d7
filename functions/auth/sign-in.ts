import { decodeJwt } from 'jose';
import { auditRecord } from '../../domain/audit/audit-record';
import { UnauthenticatedError } from '../../domain/errors';
import { accountLockedEmail } from '../../domain/identity/emails';
import { accountSecurityEvent, outboxItems } from '../shared/account-security';
import { auditNodeOf, planMfaDisabled } from '../../domain/identity/lifecycle';
import { mfaSignInNeedsRecord, sessionIdOf } from '../../domain/identity/account';
import { afterFailure, limitOf, reachedLimit, type LockoutPolicy } from '../../domain/identity/lockout';
import { decoyLocked, emailHash, type DecoyCounter } from '../../domain/identity/decoy-lockout';
import { AccountLockedError, invalidCredentials, loginGate } from '../../domain/identity/login';
import { hashToken } from '../../domain/identity/token-hash';
import { TOTP_CHALLENGE } from '../../domain/identity/totp';
import { defaultPolicies } from '../../domain/org/trust';
import { getAccount, saveRefreshToken } from '../adapters/dynamo/account-repository';
import { countDecoyFailure, findDecoyCounter, reserveDecoyAttempt } from '../adapters/dynamo/decoy-repository';
import { releaseSignInAttempt, reserveSignInAttempt } from '../adapters/dynamo/account-writes';
import {
  autoUnlockAccount, countFailedLogin, findSignInRecord, lockAccount, putAudit, recordMfaSession, resetFailedLogins, saveMfaSession, type SignInRecord,
} from '../adapters/dynamo/sign-in-repository';
import { decoyPasswordAuth, type PasswordAuthOutcome, type Tokens } from '../adapters/cognito/user-pool';
import { sendEmail } from '../adapters/ses/mailer';
import { config } from '../config';
import { logger } from '../http/logger';
import { changeAccount } from '../shared/account-change';
import { newId, nowIso } from '../shared/ids';

/**
 * The steps /auth/login and /auth/mfa share: the lockout gate and the
 * attempt's reservation before Cognito, counting failures, and handing out
 * tokens only while the account is still active and below the limit.
 */

const SYSTEM = 'system';
/** Cognito's sign-in session lasts 3 minutes; the pending TOTP step lives as long. */
const MFA_STEP_SECONDS = 180;

function audit(record: SignInRecord, actorId: string, action: string, after: Record<string, unknown>) {
  return auditRecord({
    id: newId(), at: nowIso(), actorId, action, targetType: 'user', targetId: record.account.id, nodeId: auditNodeOf(record.person), after,
  });
}

/** An email that may not sign in (unknown, invited, inactive): it gets decoy attempts, counted so it locks like an account. */
export interface Decoy {
  decoy: true;
  emailHash: string;
  counter: DecoyCounter | undefined;
  policy: LockoutPolicy;
}

export const isDecoy = (admitted: SignInRecord | Decoy): admitted is Decoy => 'decoy' in admitted;

/**
 * The account an email signs in to, once the lockout gate let it through and
 * the attempt reserved its place (domain/identity/lockout.ts), or the decoy
 * for an email that may not sign in (unknown, invited, inactive), its attempt
 * reserved the same way. A locked account, a decoy that reached the limit, or
 * an attempt that finds no place left (failures + attempts in flight at the
 * limit) is refused here with 423, before anyone asks Cognito: so however
 * many attempts run at once, at most the limit reach Cognito, and a right
 * password among the rest is refused exactly as they are.
 */
export async function admit(email: string): Promise<SignInRecord | Decoy> {
  return reserveAttempt(await gate(email));
}

/** Reserves the attempt's place (see admit); no place left answers 423 as a locked account does. */
export async function reserveAttempt<T extends SignInRecord | Decoy>(admitted: T): Promise<T> {
  const reserved = isDecoy(admitted)
    ? await reserveDecoyAttempt(admitted.emailHash, admitted.counter, admitted.policy)
    : await reserveSignInAttempt(admitted.account, admitted.trust.policies);
  if (!reserved) throw new AccountLockedError();
  return admitted;
}

/** The lockout gate alone, without reserving a place: for the TOTP step, which first checks its session (see functions/auth/mfa.ts). */
export async function gate(email: string): Promise<SignInRecord | Decoy> {
  const found = await findSignInRecord(email);
  const record = found.record;
  const policy = record?.trust.policies ?? defaultPolicies;
  switch (loginGate(record?.account, policy, new Date())) {
    case 'decoy': {
      const hash = emailHash(email);
      const counter = found.record ? await findDecoyCounter(hash) : found.counter;
      if (decoyLocked(counter, policy, new Date())) throw new AccountLockedError();
      return { decoy: true, emailHash: hash, counter, policy };
    }
    case 'locked':
      throw new AccountLockedError();
    case 'complete_lock':
      await lock(record!);
      throw new AccountLockedError();
    case 'auto_unlock': {
      const { account } = record!;
      const unlocked = await autoUnlockAccount(account, nowIso(), audit(record!, SYSTEM, 'user.unlocked', { status: 'active', reason: 'auto_unlock' }));
      // Not unlocked here: someone else changed the lock meanwhile; the attempt's own checks still hold.
      return unlocked ? { ...record!, account: { ...account, status: 'active', failedLogins: 0, lockedAt: undefined, reservedUntil: undefined } } : record!;
    }
    case 'attempt':
      return record!;
  }
}

/**
 * The answer for an email that may not sign in: the same
 * `invalid_credentials` as a wrong password, after the same work (a Cognito
 * attempt, and the writes a counted failure costs), and counted, so that
 * after the policy's number of failures it answers 423 as an account would.
 */
export async function decoySignIn(decoy: Decoy, password: string, sourceIp: string | undefined): Promise<never> {
  const refusal = await decoyPasswordAuth(password, sourceIp).catch((error: unknown) => error);
  // Only a refused password counts, as for an account (throttling does not).
  if (refusal instanceof UnauthenticatedError) await countDecoyFailure(decoy.emailHash, decoy.policy);
  throw refusal;
}

/**
 * Locks the account (if it still is active and at the limit) and, when this
 * request is the one that locked it, emails the person. A mail failure is
 * logged, never undone: the lock is what matters.
 */
async function lock(record: SignInRecord): Promise<void> {
  const { account, trust } = record;
  const policy = trust.policies;
  const at = nowIso();
  // The account_security event goes in the lock's own transaction (the outbox): the notify job raises it.
  const events = outboxItems(trust.id, [accountSecurityEvent(account, auditNodeOf(record.person), `account locked after ${limitOf(policy)} failed sign-ins`)], at);
  const locked = await lockAccount(account, policy, at, audit(record, SYSTEM, 'user.locked', { status: 'locked', lockedAt: at, maxFailedLogins: limitOf(policy) }), events);
  if (!locked) return;
  try {
    await sendEmail(
      account.email,
      accountLockedEmail({ trustName: trust.name, firstName: account.firstName, attempts: limitOf(policy), autoUnlockMinutes: policy.autoUnlockMinutes }),
    );
  } catch (error) {
    logger.error('account-locked email not sent', error as Error);
  }
}

/** One more failure (a wrong password or TOTP code): counted atomically and audited; the one that reaches the limit locks. */
export async function recordFailure(record: SignInRecord, reason: 'password' | 'mfa_code'): Promise<void> {
  const failedLogins = await countFailedLogin(record.account);
  // The counter's ADD returns the new count, which a transaction cannot: its audit record is a write of its own.
  await Promise.all([
    putAudit(record.trust.id, audit(record, record.account.id, 'login.failed', { reason, failedLogins })),
    afterFailure(failedLogins, record.trust.policies) === 'lock' ? lock(record) : undefined,
  ]);
}

/** Counts the failure when Cognito refused the credentials, then passes the refusal on. */
export const countRefusal = (record: SignInRecord, reason: 'password' | 'mfa_code', refusal: string) => async (error: unknown): Promise<never> => {
  if (error instanceof UnauthenticatedError && error.code === refusal) await recordFailure(record, reason);
  throw error;
};

/**
 * The password was right and TOTP is on: remember which account this
 * Cognito session belongs to, so the code step cannot be answered for
 * another account, or without the password (cognito-local does not check
 * the session at all).
 */
export async function startTotpStep(record: SignInRecord, outcome: Extract<PasswordAuthOutcome, { kind: 'challenge' }>) {
  if (outcome.challenge !== 'SOFTWARE_TOKEN_MFA' || !outcome.session) {
    throw new Error(`Unexpected Cognito challenge ${outcome.challenge}`);
  }
  await Promise.all([
    saveMfaSession(hashToken(outcome.session), record.account, Math.floor(Date.now() / 1000) + MFA_STEP_SECONDS),
    // The password was right: its place goes back, the code step reserves its own.
    releaseSignInAttempt(record.account),
  ]);
  return { challenge: TOTP_CHALLENGE, session: outcome.session };
}

/**
 * Cognito accepted: the counter goes back to zero and `lastSignInAt` is
 * recorded, on the condition that the account is still active and below the
 * limit (a conditional update). If failures locked it while Cognito was
 * answering, the tokens are dropped and the answer is 423; if it was
 * deactivated meanwhile, `invalid_credentials`. (Every sign-in writes the
 * profile now, for lastSignInAt; it used to skip the write when the counter
 * was already zero.) The refresh mapping is written alongside (a dropped
 * token's mapping is harmless: nobody holds the token).
 */
export async function completeSignIn(record: SignInRecord, tokens: Tokens, how: 'password_only' | 'totp' = 'totp'): Promise<Tokens> {
  const { account } = record;
  const policy = record.trust.policies;
  const [admitted] = await Promise.all([resetFailedLogins(account, policy, nowIso()), saveRefreshMapping(record, tokens)]);
  if (admitted) {
    // No code was asked for, yet the profile (as this very write found it) says TOTP is on: it follows Cognito first.
    if (how === 'password_only' && admitted.mfaEnabled) await lowerTotpFoundOff({ ...record, account: { ...account, mfaEnabled: true } });
    return tokens;
  }
  const now = await getAccount({ trustId: account.trustId, userId: account.id });
  if (now && (now.status === 'locked' || (now.status === 'active' && reachedLimit(now.failedLogins ?? 0, policy)))) {
    throw new AccountLockedError();
  }
  throw invalidCredentials();
}


/** Refresh token (by hash) → account and sign-in time, so a refresh can honour sign-out and deactivation. */
async function saveRefreshMapping({ account }: SignInRecord, tokens: Tokens): Promise<void> {
  if (!tokens.refreshToken) return;
  const authTime = Number(decodeJwt(tokens.accessToken).auth_time ?? Math.floor(Date.now() / 1000));
  const expiresAt = Math.floor(Date.now() / 1000) + config().REFRESH_TOKEN_VALIDITY_DAYS * 86_400;
  await saveRefreshToken(
    hashToken(tokens.refreshToken),
    { trustId: account.trustId, userId: account.id, cognitoUsername: account.cognitoUsername, authTime },
    expiresAt,
  );
}

/**
 * A sign-in that answered the TOTP challenge counts as 2FA from the moment
 * TOTP is on. Token times are whole seconds, so one made in the very second
 * TOTP was turned on looks, by time alone, like the password-only sign-ins of
 * that second; it is recorded by its session id before the tokens are handed
 * out. Not recorded (TOTP went off meanwhile): the session simply does not
 * count as 2FA, which errs on the safe side.
 */
export async function markTotpSignIn(record: SignInRecord, tokens: Tokens): Promise<void> {
  const claims = decodeJwt(tokens.accessToken);
  const authTime = Number(claims.auth_time ?? claims.iat ?? 0);
  const sessionId = sessionIdOf(claims);
  if (!sessionId || !mfaSignInNeedsRecord(record.account, authTime)) return;
  await recordMfaSession(record.account, sessionId);
}

/**
 * Cognito handed out tokens for the password alone while the table says TOTP
 * is on (in AWS: a TOTP set-up started and never verified, or a race between
 * turning it off and on). Cognito decides what a sign-in asks for, so the
 * table follows it, in one transaction with its audit record and an
 * `account_security` event for the person's admins, before these tokens go
 * out: no session that skipped the code may ever count as 2FA.
 */
async function lowerTotpFoundOff(record: SignInRecord): Promise<void> {
  const { account, trust, person } = record;
  const at = nowIso();
  const events = outboxItems(trust.id, [accountSecurityEvent(account, auditNodeOf(person), 'signed in without a two-factor code: two-factor sign-in is off until set up again')], at);
  await changeAccount({
    account, actorId: SYSTEM, nodeId: auditNodeOf(person), extraItems: events,
    plan: (current) => planMfaDisabled(current, { by: 'sign_in', now: new Date() }),
  });
}
