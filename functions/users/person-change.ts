import { canSee } from '../../domain/access/reach';
import { auditRecord } from '../../domain/audit/audit-record';
import { NotFoundError } from '../../domain/errors';
import { loadPerson, type PersonRecord } from '../adapters/dynamo/person-repository';
import { personConflict, PersonWriteConflictError, writePersonChange, type PersonChangeOptions, type PersonOp } from '../adapters/dynamo/person-writes';
import { getTrust, loadTrustContext, type TrustContext } from '../adapters/dynamo/trust-repository';
import { actingAs, answerCallerChanged, CallerChangedError, type Caller } from '../http/caller';
import { reach } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { backoff, retryOnConflict } from '../shared/retry';
import type { PermissionCode } from '../../domain/access/permissions';

/**
 * Another person as the caller may see them: outside the caller's reach of
 * `permission` (or of any of `permissions`) they do not exist (404).
 */
export async function loadVisiblePerson(caller: Caller, userId: string, permissions: PermissionCode[] = ['users.view']): Promise<PersonRecord> {
  const record = userId === caller.account.id
    ? { account: caller.account, person: caller.person, membershipsSince: new Map(), ...(caller.grants ? { grants: caller.grants } : {}) }
    : await loadPerson(caller.trust.id, userId);
  if (!record) throw new NotFoundError('User');
  if (userId !== caller.account.id && !permissions.some((p) => canSee(reach(caller, p), record.person))) throw new NotFoundError('User');
  return record;
}

export interface PersonPlan<T> {
  ops: PersonOp[];
  audit: { action: string; nodeId: string | null; before?: unknown; after?: unknown }[];
  result: T;
  /** Name and email written with the change (writePersonChange's options.profile). */
  profile?: PersonChangeOptions['profile'];
  /** Items that land with the change or not at all (the MIS sync's link); the change is written even when they are all it has. */
  extra?: PersonChangeOptions['extra'];
}

export interface ChangePersonOptions<T> {
  /** Plan and check everything, write nothing (POST /users/bulk `dryRun`). */
  dryRun?: boolean;
  /** Filed on every audit record of the change (POST /users/bulk). */
  bulkId?: string;
  /** Runs after the plan passed every check and before its write (e.g. enabling the Cognito user an activation needs); not on a dry run or an empty plan. */
  beforeWrite?: (result: T) => Promise<void>;
  /** Plans and writes before 409 `concurrent_change` (default retry.ts's ATTEMPTS): a bulk edit's people share node counters. */
  attempts?: number;
  /**
   * A person outside the caller's reach who still counts as visible (the MIS
   * sync: a leaver of the saver's school, placed nowhere now, coming back);
   * the plan's own guards still judge every action.
   */
  alsoVisible?: (record: PersonRecord) => boolean;
  /** Others whose authority the change is also made with (an MIS run's saver): their profiles are checked in the transaction as the caller's is. */
  alsoActing?: readonly Caller[];
  /**
   * What happens when the write found the caller (or one of `alsoActing`)
   * changed since they were resolved (deactivated, a role taken, 2FA reset,
   * signed out everywhere; person-writes.ts ActingAs):
   * - a function (a long request: POST /users/bulk): it returns the caller as
   *   they are now (or throws their 401), and the plan is made again for them;
   * - `'throw'` (a job's worker): CallerChangedError, for the worker to
   *   resolve its callers again and redo the person;
   * - absent (a single request): answerCallerChanged, 401 or 409.
   */
  callerChanged?: ((stale: Caller) => Promise<Caller>) | 'throw';
}

async function loadVisibleOr(caller: Caller, userId: string, permissions: PermissionCode[] | undefined, alsoVisible: ChangePersonOptions<unknown>['alsoVisible']): Promise<PersonRecord> {
  try {
    return await loadVisiblePerson(caller, userId, permissions);
  } catch (error) {
    if (!(error instanceof NotFoundError) || !alsoVisible) throw error;
    const record = await loadPerson(caller.trust.id, userId);
    if (!record || !alsoVisible(record)) throw error;
    return record;
  }
}

/** A short random pause before planning again after a transaction lost an item to another one, so the two do not collide again. */

/**
 * Plans a change to one person against their current record and stores it in
 * one transaction that checks their version; a concurrent change to the same
 * person makes the plan run again on the new record, so rules that span
 * items (one primary membership) hold. A plan that grants also checks the
 * trust version its roles came from, and runs again on the new roles when a
 * role or the tree changed meanwhile. A transaction that met another on a
 * shared item (a node counter: many people placed at one school at once) is
 * planned again after a short random pause. A plan with no ops and no audit
 * writes nothing.
 */
export async function changePerson<T>(
  caller: Caller,
  userId: string,
  /** `caller`: the caller the plan is made for (as resolved again after `callerChanged`, else the one given). */
  plan: (record: PersonRecord, context: TrustContext, caller: Caller) => PersonPlan<T> | Promise<PersonPlan<T>>,
  permissions?: PermissionCode[],
  options: ChangePersonOptions<T> = {},
): Promise<T> {
  let trust = caller.trust;
  let current = caller;
  let attempts = 0;
  return retryOnConflict(
    async (attempt) => {
      attempts = attempt;
      // Every attempt checks visibility again: a concurrent change may have moved the person out of the caller's reach meanwhile.
      const record = await loadVisibleOr(current, userId, permissions, options.alsoVisible);
      const context = await loadTrustContext(trust);
      const planned = await plan(record, context, current);
      if (options.dryRun || (planned.ops.length === 0 && planned.audit.length === 0 && !planned.profile && !planned.extra?.length)) return planned.result;
      await options.beforeWrite?.(planned.result);
      const at = nowIso();
      const audit = planned.audit.map((entry) =>
        auditRecord({ id: newId(), at, actorId: current.account.id, targetType: 'user', targetId: userId, ...entry, ...(options.bulkId ? { bulkId: options.bulkId } : {}) }),
      );
      await writePersonChange(record, planned.ops, audit, at, context.version, {
        ...(planned.profile ? { profile: planned.profile } : {}),
        ...(planned.extra?.length ? { extra: planned.extra } : {}),
        acting: [current, ...(options.alsoActing ?? [])].map(actingAs),
      });
      return planned.result;
    },
    async (error) => {
      if (!(error instanceof PersonWriteConflictError)) throw error;
      if (error.reason === 'busy') return backoff(attempts);
      if (error.reason === 'caller_changed') {
        if (options.callerChanged === 'throw') throw new CallerChangedError();
        if (!options.callerChanged) return answerCallerChanged(current);
        current = await options.callerChanged(current);
        trust = current.trust;
        return;
      }
      if (error.reason !== 'person_changed' && error.reason !== 'trust_changed') throw personConflict(error);
      if (error.reason === 'trust_changed') trust = (await getTrust(trust.id)) ?? trust;
    },
    'This person is being changed by someone else; try again',
    options.attempts,
  );
}
