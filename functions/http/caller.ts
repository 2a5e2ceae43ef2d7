import { compiledFor, compilePerson, type CompiledPerson, type Person } from '../../domain/access/resolve';
import { ConflictError, ForbiddenError, UnauthenticatedError } from '../../domain/errors';
import { sessionIdOf, sessionIsValid, sessionPassedMfa, type Account, type SessionClaims } from '../../domain/identity/account';
import type { Trust } from '../../domain/org/trust';
import { findIdentity } from '../adapters/dynamo/account-repository';
import { loadPerson, type PersonRecord } from '../adapters/dynamo/person-repository';
import type { ActingAs } from '../adapters/dynamo/person-writes';
import { getTrust, loadTrustContext, type TrustContext } from '../adapters/dynamo/trust-repository';

export interface Caller {
  account: Account;
  trust: Trust;
  person: Person;
  /** Who granted each of the caller's assignments (PersonRecord.grants), so a change to themselves keeps the stamps in their summary. */
  grants?: PersonRecord['grants'];
  /** The caller indexed for many questions in one request. */
  compiled: CompiledPerson;
  /** The trust's tree and roles. */
  context: TrustContext;
  /** Whether this session passed TOTP (requiresMfa permissions count only then). */
  mfa: boolean;
  /** When this session's sign-in happened (the token's auth_time, kept by refreshes), epoch seconds; absent for a job's caller without a session. */
  signedInAt?: number;
  /** The sign-in this session descends from (sessionIdOf), when the token names one: a job acting for the session keeps it (callerOf). */
  sessionId?: string;
  /**
   * The same caller resolved again, as they are now (resolveCaller with the
   * same token, or callerOf): throws their 401 when they can no longer act.
   * Asked when a write refused the caller as resolved (`caller_changed`).
   */
  again?: () => Promise<Caller>;
}

/** The claims the gateway's JWT authorizer verified and passed on. */
export type VerifiedClaims = Record<string, string | number | boolean | string[] | undefined>;

/**
 * Only an access token is a bearer token. API Gateway's JWT authorizer checks
 * `aud` or `client_id` against the app client, so it lets a Cognito ID token
 * through too; an ID token is meant for the client to read (and is handed to
 * front ends and logged far more freely), never to authorise calls, and
 * Cognito's revocation and global sign-out do not apply to it.
 */
function isAccessToken(claims: VerifiedClaims | undefined): boolean {
  return claims?.token_use === 'access';
}

/**
 * The caller's account, loaded once per request (one Query for the person,
 * one GetItem for the trust, in parallel; the tree and roles from the
 * container cache) and refused unless it is active and the token comes from a
 * sign-in after its last sign-out.
 */
export async function resolveCaller(claims: VerifiedClaims | undefined): Promise<Caller> {
  const sub = typeof claims?.sub === 'string' ? claims.sub : undefined;
  if (!sub || !isAccessToken(claims)) throw new UnauthenticatedError();
  // An integration client's token (client credentials: no username) on a route that takes none; the authorizer's scopes refuse it first.
  if (claims?.username === undefined && claims?.client_id === sub) throw new ForbiddenError('Integration clients may not call this route');
  const ref = await findIdentity(sub);
  if (!ref) throw new UnauthenticatedError('unknown_account', 'No account belongs to this token');
  const [record, trust] = await Promise.all([loadPerson(ref.trustId, ref.userId), getTrust(ref.trustId)]);
  const authTime = Number(claims?.auth_time ?? claims?.iat ?? 0);
  const account = record?.account;
  if (!trust || !record || !sessionIsValid(account, { authTime })) {
    throw new UnauthenticatedError('session_revoked', 'This session is no longer valid; sign in again');
  }
  const context = await loadTrustContext(trust);
  return {
    account: record.account,
    trust,
    person: record.person,
    ...(record.grants ? { grants: record.grants } : {}),
    compiled: compilePerson(record.person, context.roles, context.tree),
    context,
    mfa: sessionPassedMfa(record.account, { authTime, sessionId: sessionIdOf(claims) }),
    signedInAt: authTime,
    ...(sessionIdOf(claims) ? { sessionId: sessionIdOf(claims) } : {}),
    again: () => resolveCaller(claims),
  };
}

/**
 * Whom a queued job acts as: the session that asked for it (the CSV import:
 * the session that applied the plan), or, for a job without one (an MIS run's
 * actor and saver), the person's standing alone, with 2FA never counted.
 * `mfa`: whether that session had passed 2FA when it asked; 2FA counts only
 * when it had and the session still passes it now.
 */
export interface JobActing {
  session?: SessionClaims;
  mfa?: boolean;
}

/** What a job records to act for `caller` later (callerOf): their session, when they have one, and its 2FA now. */
export function jobActing(caller: Caller): { session?: SessionClaims; mfa: boolean } {
  if (caller.signedInAt === undefined) return { mfa: caller.mfa };
  return { session: { authTime: caller.signedInAt, ...(caller.sessionId ? { sessionId: caller.sessionId } : {}) }, mfa: caller.mfa };
}

/**
 * The caller a queued job acts for: the account as it is now, refused unless
 * still active and, for a job that acts for a session, unless that session is
 * still valid (a sign-out everywhere ends it) ; its 2FA counted only while the
 * session still passes it now (a 2FA reset withdraws it), as a request with
 * that session's token would be judged. Every guard then judges the
 * importer's rights at the time of the write, not those they had when they asked.
 */
export async function callerOf(trustId: string, userId: string, acting: JobActing = {}): Promise<Caller> {
  const [record, trust] = await Promise.all([loadPerson(trustId, userId), getTrust(trustId)]);
  const { session } = acting;
  const canAct = record?.account.status === 'active' && (!session || sessionIsValid(record.account, session));
  if (!trust || !record || !canAct) throw new UnauthenticatedError('session_revoked', 'The account this job acts for can no longer act');
  const context = await loadTrustContext(trust);
  return {
    account: record.account, trust, person: record.person, compiled: compilePerson(record.person, context.roles, context.tree), context,
    mfa: session !== undefined && acting.mfa !== false && sessionPassedMfa(record.account, session),
    ...(session ? { signedInAt: session.authTime, ...(session.sessionId ? { sessionId: session.sessionId } : {}) } : {}),
    again: () => callerOf(trustId, userId, acting),
  };
}

/** The caller as a write checks them (person-writes.ts ActingAs): their profile's version as resolved, and the session's sign-in. */
export function actingAs(caller: Caller): ActingAs {
  return { userId: caller.account.id, version: caller.account.version, ...(caller.signedInAt === undefined ? {} : { signedInAt: caller.signedInAt }) };
}

/**
 * A write refused the caller as resolved (`caller_changed`), in a use case
 * that does not plan again with the caller resolved anew (a job's worker
 * catches it, resolves its callers again and redoes the row).
 */
export class CallerChangedError extends Error {
  constructor() {
    super('The caller changed since they were resolved');
    this.name = 'CallerChangedError';
  }
}

/**
 * The answer of a single request whose caller changed under its write: the
 * caller resolved again; one who can no longer act (deactivated, signed out
 * everywhere) gets their 401, anyone else 409 `concurrent_change` (the
 * request is sent again and judged on the caller as they are now).
 */
export async function answerCallerChanged(caller: Caller): Promise<never> {
  await (caller.again ?? (() => callerOf(caller.trust.id, caller.account.id, jobActing(caller))))();
  throw new ConflictError('concurrent_change', 'Your own account changed while this was being done; send the request again');
}

/**
 * The caller judged on a later load of the trust: its tree, roles and
 * policies as a plan made again after a conflict sees them (changeTree), so
 * `authorize`, `reach` and the guards ask about the tree the change lands on,
 * not the one of the request's start (review I, I6). The caller's own
 * assignments stay as read at the start.
 */
export function callerOn(caller: Caller, trust: Trust, context: TrustContext): Caller {
  if (caller.context === context && caller.trust === trust) return caller;
  return { ...caller, trust, context, compiled: compiledFor(caller.compiled, context.roles, context.tree) };
}
