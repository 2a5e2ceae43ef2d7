import { canSee } from '../../domain/access/reach';
import { auditRecord } from '../../domain/audit/audit-record';
import { NotFoundError } from '../../domain/errors';
import { loadPerson, type PersonRecord } from '../adapters/dynamo/person-repository';
import { personConflict, PersonWriteConflictError, writePersonChange, type PersonOp } from '../adapters/dynamo/person-writes';
import { getTrust, loadTrustContext, type TrustContext } from '../adapters/dynamo/trust-repository';
import type { Caller } from '../http/caller';
import { reach } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { retryOnConflict } from '../shared/retry';
import type { PermissionCode } from '../../domain/access/permissions';

/**
 * Another person as the caller may see them: outside the caller's reach of
 * `permission` (or of any of `permissions`) they do not exist (404).
 */
export async function loadVisiblePerson(caller: Caller, userId: string, permissions: PermissionCode[] = ['users.view']): Promise<PersonRecord> {
  const record = userId === caller.account.id ? { account: caller.account, person: caller.person, membershipsSince: new Map() } : await loadPerson(caller.trust.id, userId);
  if (!record) throw new NotFoundError('User');
  if (userId !== caller.account.id && !permissions.some((p) => canSee(reach(caller, p), record.person))) throw new NotFoundError('User');
  return record;
}

export interface PersonPlan<T> {
  ops: PersonOp[];
  audit: { action: string; nodeId: string | null; before?: unknown; after?: unknown }[];
  result: T;
}

/**
 * Plans a change to one person against their current record and stores it in
 * one transaction that checks their version; a concurrent change to the same
 * person makes the plan run again on the new record, so rules that span
 * items (one primary membership) hold. A plan that grants also checks the
 * trust version its roles came from, and runs again on the new roles when a
 * role or the tree changed meanwhile.
 */
export async function changePerson<T>(
  caller: Caller,
  userId: string,
  plan: (record: PersonRecord, context: TrustContext) => PersonPlan<T>,
  permissions?: PermissionCode[],
): Promise<T> {
  let trust = caller.trust;
  return retryOnConflict(
    async (attempt) => {
      const record = attempt === 1 ? await loadVisiblePerson(caller, userId, permissions) : await loadPerson(caller.trust.id, userId);
      if (!record) throw new NotFoundError('User');
      const context = await loadTrustContext(trust);
      const planned = plan(record, context);
      const at = nowIso();
      const audit = planned.audit.map((entry) =>
        auditRecord({ id: newId(), at, actorId: caller.account.id, targetType: 'user', targetId: userId, ...entry }),
      );
      await writePersonChange(record, planned.ops, audit, at, context.version);
      return planned.result;
    },
    async (error) => {
      if (!(error instanceof PersonWriteConflictError)) throw error;
      if (error.reason !== 'person_changed' && error.reason !== 'trust_changed') throw personConflict(error);
      if (error.reason === 'trust_changed') trust = (await getTrust(trust.id)) ?? trust;
    },
    'This person is being changed by someone else; try again',
  );
}
