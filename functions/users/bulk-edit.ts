import { ActionRefusedError, planPersonEdit, type BulkAction, type PersonEditPlan } from '../../domain/directory/bulk-edit';
import { ConflictError, DomainError, ForbiddenError } from '../../domain/errors';
import { displayName, type Account } from '../../domain/identity/account';
import type { StoredToken } from '../../domain/identity/tokens';
import { disableCognitoUser, enableCognitoUser, signOutEverywhere } from '../adapters/cognito/user-status';
import { personChangeItemCount, type PersonOp } from '../adapters/dynamo/person-writes';
import { MAX_TRANSACTION_ITEMS } from '../adapters/dynamo/transaction';
import { actingAs, type Caller } from '../http/caller';
import { logger } from '../http/logger';
import { emailInvitation, newLink } from '../identity/link-sending';
import { outboxItems } from '../shared/account-security';
import { sensitiveGrantEvents } from '../shared/security-events';
import { mapConcurrently } from '../shared/concurrency';
import { newId } from '../shared/ids';
import { keepAdminOnPersonEdit } from '../shared/last-admin';
import { bulkGuards, reachCache } from './bulk-guards';
import { membershipOps } from './membership-ops';
import { changePerson } from './person-change';

/**
 * People edited at once. Each costs a few round trips (the person's Query,
 * the transaction, Cognito or SES for account actions); 16 in flight keep 500
 * people within a few seconds without flooding one function's connections
 * (bench: `npm run bench -- bulk`).
 */
export const BULK_CONCURRENCY = 16;
/**
 * Plans and writes per person before `concurrent_change`: in AWS, people
 * placed or given a role at one school all touch that school's counter, and
 * transactions meeting on an item are cancelled (TransactionConflict), so a
 * person may need a few goes (with a growing random pause, person-change.ts).
 */
const BULK_ATTEMPTS = 8;
/**
 * People not yet started once the request has run this long are answered
 * `not_attempted` (unchanged; send them again), so the function always
 * answers — and stores its answer under the Idempotency-Key — before its
 * 29 s timeout, leaving the people in flight time to finish.
 */
export const BULK_TIME_BUDGET_MS = 22_000;

const notAttempted = (userId: string): BulkResult => ({
  userId, ok: false, changed: false,
  error: { code: 'not_attempted', message: 'Not attempted: the request ran out of time before this person; send them again' },
});

export interface BulkResult {
  userId: string;
  ok: boolean;
  changed: boolean;
  error?: { code: string; message: string; action?: number };
}

interface Edited {
  plan: PersonEditPlan;
  account: Account;
  link?: { token: StoredToken; link: string; validUntil: string };
}

/**
 * POST /users/bulk: every person planned, checked and written on their own
 * (changePerson: one transaction, version-checked, planned again on a
 * conflict), at most BULK_CONCURRENCY at a time; a refusal or failure of one
 * person is that person's result and never stops the others.
 */
export async function editPeople(caller: Caller, input: { userIds: string[]; actions: BulkAction[]; dryRun: boolean }, options: { deadline?: number } = {}) {
  if (reachCache(caller)('users.bulk').size === 0) throw new ForbiddenError('You need users.bulk');
  const bulkId = newId();
  const deadline = options.deadline ?? Date.now() + BULK_TIME_BUDGET_MS;
  const live = liveCaller(caller);
  const results = await mapConcurrently(input.userIds, BULK_CONCURRENCY, async (userId) =>
    Date.now() < deadline ? editPerson(live, userId, input, bulkId) : notAttempted(userId),
  );
  const applied = results.filter((r) => r.ok).length;
  return { bulkId, dryRun: input.dryRun, results, applied, failed: results.length - applied };
}

/**
 * The caller of a bulk edit, kept current for all its people: each person's
 * transaction checks the caller's own profile as resolved (person-writes.ts
 * ActingAs); when it moved (deactivated, a role taken, 2FA reset, signed out
 * everywhere) the caller is resolved again once for the whole request, and
 * every person still to be written is planned for the caller as they are
 * now: a caller who can no longer act gets their 401 (`session_revoked`) on
 * each remaining person, a demoted one the refusals of their new roles.
 */
interface LiveCaller {
  /** The caller as last resolved (throws their 401 once they could not be resolved again). */
  current(): Caller;
  /** The caller resolved again, unless someone already did since `stale` was current. */
  refresh(stale: Caller): Promise<Caller>;
  /** The caller's reach of a permission, once per resolved caller. */
  reachOf(caller: Caller): ReturnType<typeof reachCache>;
}

function liveCaller(first: Caller): LiveCaller {
  let caller = first;
  let failed: unknown;
  let pending: Promise<Caller> | undefined;
  const reaches = new WeakMap<Caller, ReturnType<typeof reachCache>>();
  return {
    current() {
      if (failed !== undefined) throw failed;
      return caller;
    },
    refresh(stale) {
      if (failed !== undefined) return Promise.reject(failed);
      if (caller !== stale) return Promise.resolve(caller);
      pending ??= (stale.again ? stale.again() : Promise.reject(new Error('a bulk edit\'s caller cannot be resolved again')))
        .then((fresh) => (caller = fresh))
        .catch((error: unknown) => {
          // Their 401 stands for the rest of the request; a store error is only this person's.
          if (error instanceof DomainError) failed = error;
          throw error;
        })
        .finally(() => (pending = undefined));
      return pending;
    },
    reachOf(who) {
      let cached = reaches.get(who);
      if (!cached) reaches.set(who, (cached = reachCache(who)));
      return cached;
    },
  };
}

async function editPerson(live: LiveCaller, userId: string, input: { actions: BulkAction[]; dryRun: boolean }, bulkId: string): Promise<BulkResult> {
  let edited: Edited | undefined;
  let caller: Caller;
  try {
    caller = live.current();
    edited = await changePerson(
      caller, userId,
      async ({ account, person, membershipsSince }, context, who) => {
        caller = who;
        const reachOf = live.reachOf(who);
        const now = new Date();
        const at = now.toISOString();
        const link = input.actions.some((a) => a.op === 'resendInvitation') ? newLink(account, 'invitation') : undefined;
        const plan = planPersonEdit({
          account, person, membershipsSince, actions: input.actions, guards: bulkGuards(caller, context, reachOf),
          actorId: caller.account.id, now, newId, invitationValidUntil: link?.validUntil ?? at,
        });
        const ops: PersonOp[] = [
          ...membershipOps(person.memberships, plan.memberships, at, membershipsSince),
          ...plan.granted.map(({ assignment, role }): PersonOp => ({ type: 'putAssignment', assignment, customRole: !role.builtIn })),
          ...plan.removed.map(({ assignment }): PersonOp => ({ type: 'deleteAssignment', assignment, customRole: !(context.roles.get(assignment.roleId)?.builtIn ?? true) })),
          ...(plan.account ? [{ type: 'setProfile', fields: plan.account } as const] : []),
          ...(plan.invited !== undefined && link ? [{ type: 'issueLink', token: link.token } as const] : []),
        ];
        if (plan.changed) ops.push(...(await keepAdmin(caller, person, plan)));
        // Sensitive grants tell the admins there once per person and place, from this same transaction (the outbox).
        const events = outboxItems(caller.trust.id, sensitiveGrantEvents(context.roles, caller.account, account, plan.granted.map(({ assignment }) => assignment), 'bulk edit'), at);
        if (personChangeItemCount(account.trustId, account.id, ops, plan.audit.length, [actingAs(caller)]) + events.length > MAX_TRANSACTION_ITEMS) {
          throw new ConflictError('too_many_changes', 'These actions change too many records of this person for one transaction; split them over two requests');
        }
        return { ops: plan.changed ? ops : [], audit: plan.audit, ...(plan.changed ? { extra: events } : {}), result: { plan, account, link } };
      },
      ['users.bulk'],
      {
        dryRun: input.dryRun, bulkId, attempts: BULK_ATTEMPTS, callerChanged: (stale) => live.refresh(stale),
        // As POST /users/{id}/activate: Cognito first, so the table never says active for a user Cognito would refuse.
        beforeWrite: async ({ plan, account }) => {
          if (plan.activated !== undefined) await enableCognitoUser(account.cognitoUsername);
        },
      },
    );
  } catch (error) {
    return { userId, ok: false, changed: false, error: describe(error) };
  }
  if (input.dryRun || !edited.plan.changed) return { userId, ok: true, changed: edited.plan.changed };
  try {
    await afterWrite(caller, edited);
  } catch (error) {
    // The person's change is stored; what failed is the step after it, which the single route repeats.
    return { userId, ok: false, changed: true, error: describe(error) };
  }
  return { userId, ok: true, changed: true };
}

/** The last-admin witness for an edit that deactivates an admin or takes an admin holding away; its refusal names that action. */
async function keepAdmin(caller: Caller, person: { id: string; status: string; assignments: Parameters<typeof keepAdminOnPersonEdit>[1]['assignments'] }, plan: PersonEditPlan): Promise<PersonOp[]> {
  try {
    return await keepAdminOnPersonEdit(caller, person, { deactivated: plan.deactivated !== undefined, removed: plan.removed.map((r) => r.assignment) });
  } catch (error) {
    const action = plan.deactivated ?? plan.removed[0]?.action;
    if (error instanceof DomainError && action !== undefined) throw new ActionRefusedError(action, error);
    throw error;
  }
}

/** What the single routes do once the table holds the change: Cognito for a deactivation, the email of a new invitation. */
async function afterWrite(caller: Caller, { plan, account, link }: Edited): Promise<void> {
  if (plan.deactivated !== undefined) {
    await disableCognitoUser(account.cognitoUsername);
    await signOutEverywhere(account.cognitoUsername);
  }
  if (plan.invited !== undefined && link) {
    const { sent } = await emailInvitation(account, { id: caller.account.id, name: displayName(caller.account) }, link.link, link.validUntil);
    if (!sent) throw new ActionRefusedError(plan.invited, new ConflictError('email_not_sent', 'The new link is stored but its email could not be sent; send it again'));
  }
}

function describe(error: unknown): NonNullable<BulkResult['error']> {
  if (error instanceof ActionRefusedError) return { code: error.refusal.code, message: error.refusal.message, action: error.action };
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  logger.error('bulk edit of one person failed', error as Error);
  return { code: 'internal_error', message: 'Something went wrong on our side with this person; repeat the request' };
}

