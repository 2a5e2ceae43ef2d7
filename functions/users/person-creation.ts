import type { Person } from '../../domain/access/resolve';
import { auditRecord } from '../../domain/audit/audit-record';
import type { Account } from '../../domain/identity/account';
import { personConflict, PersonWriteConflictError, writeNewPerson, type PersonOp } from '../adapters/dynamo/person-writes';
import { getTrust, loadTrustContext, type TrustContext } from '../adapters/dynamo/trust-repository';
import type { TransactItem } from '../adapters/dynamo/transaction';
import { actingAs, answerCallerChanged, CallerChangedError, type Caller } from '../http/caller';
import { withNewLogin } from '../identity/new-login';
import { outboxItems } from '../shared/account-security';
import { newId, nowIso } from '../shared/ids';
import { retryOnConflict } from '../shared/retry';
import { sensitiveGrantEvents } from '../shared/security-events';
import { checkNewPerson, type NewPersonBody } from './new-person';
import { userView } from './user-view';

/**
 * Creates the person (POST /users, and the CSV import's new rows): the
 * checks above, then the login and one transaction. `id` may be chosen by
 * the caller (the import picks it at preview, so a retried row finds its
 * person); `extra` items join the transaction (the import's row record);
 * `via` names the path in the account_security event of a sensitive grant.
 * The write lands only while the caller (and `alsoActing`: an MIS run's
 * saver) is still as resolved (person-writes.ts ActingAs); otherwise a
 * single request answers 401 or 409 (answerCallerChanged) and a job's worker
 * (`callerChanged: 'throw'`) gets CallerChangedError, resolves its callers
 * again and redoes the row.
 */
export async function createPerson(
  caller: Caller, body: NewPersonBody,
  options: { id?: string; extra?: TransactItem[]; source?: Account['source']; via?: string; alsoActing?: readonly Caller[]; callerChanged?: 'throw' } = {},
) {
  const { places, memberships, grant: grantAt } = checkNewPerson(caller, body);
  const roleIds = body.roles.map((input) => ({ id: newId(), ...input }));
  const grant = (context: TrustContext) => grantAt(roleIds, context);
  let planned = { context: caller.context, assignments: grant(caller.context) };

  const at = nowIso();
  const id = options.id ?? newId();
  const audit = (action: string, nodeId: string | null, after: unknown) =>
    auditRecord({ id: newId(), at, actorId: caller.account.id, action, targetType: 'user', targetId: id, nodeId, after });
  const person: Person = {
    id, status: 'invited', userType: body.userType, mfaEnabled: false,
    memberships, assignments: roleIds, blocks: [], children: [],
  };
  const { account, view } = await withNewLogin(body.email, async ({ cognitoUsername, claimId }) => {
    const account: Account = {
      id, trustId: caller.trust.id, email: body.email, firstName: body.firstName, lastName: body.lastName,
      ...(body.mobile ? { mobile: body.mobile } : {}), userType: body.userType, status: 'invited', source: options.source ?? 'manual',
      cognitoUsername, sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 1, createdAt: at, updatedAt: at,
    };
    const view = userView(account, person);
    const records = [
      audit('user.created', memberships.find((m) => m.primary)?.nodeId ?? places[0]!, view),
      ...roleIds.map((assignment) => audit('role.assigned', assignment.nodeId, assignment)),
    ];
    // A role widened (or the tree changed) since the roles were checked fails the write: check again on the new roles.
    await retryOnConflict(async () => {
      const ops: PersonOp[] = [
        ...memberships.map((membership): PersonOp => ({ type: 'putMembership', membership, createdAt: at, isNew: true })),
        ...planned.assignments.map(({ assignment, customRole }): PersonOp => ({ type: 'putAssignment', assignment, customRole })),
      ];
      // A role with sensitive permissions tells the admins there, from this same transaction (the outbox).
      const events = outboxItems(caller.trust.id, sensitiveGrantEvents(planned.context.roles, caller.account, account, roleIds, options.via ?? 'new account'), at);
      await writeNewPerson(account, ops, records, {
        claimId, plannedOn: planned.context.version, extra: [...(options.extra ?? []), ...events],
        acting: [caller, ...(options.alsoActing ?? [])].map(actingAs),
      });
    }, async (error) => {
      if (!(error instanceof PersonWriteConflictError)) throw error;
      if (error.reason === 'caller_changed') {
        if (options.callerChanged === 'throw') throw new CallerChangedError();
        return answerCallerChanged(caller);
      }
      if (error.reason !== 'trust_changed') throw personConflict(error);
      const context = await loadTrustContext((await getTrust(caller.trust.id)) ?? caller.trust);
      planned = { context, assignments: grant(context) };
    });
    return { account, view };
  });
  return { account, view };
}
