import type { Role } from '../../domain/access/roles';
import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError, VersionConflictError } from '../../domain/errors';
import type { Trust } from '../../domain/org/trust';
import { TransactionConflictError } from '../adapters/dynamo/errors';
import { getTrust, loadTrustContext, RoleWriteConflictError, TreeVersionChangedError, writeRoleChange, type RoleWrite, type TrustContext } from '../adapters/dynamo/trust-repository';
import type { Caller } from '../http/caller';
import { newId, nowIso } from '../shared/ids';
import { keepAdminOnRoleEdit } from '../shared/last-admin';
import { backoff, retryOnConflict } from '../shared/retry';
import { outboxItems } from '../shared/account-security';
import { roleWideningEvents } from '../shared/security-events';
import type { OutboxEvent } from '../adapters/dynamo/outbox-repository';

export interface RolePlan {
  writes: RoleWrite[];
  changes: { action: string; before: Role | null; after: Role | null }[];
}

/**
 * Plans role changes against the trust's current roles and stores them as one
 * transaction with an audit record each; if the trust changed in between, or
 * a role's holders did (the holders counter an update was planned on), the
 * plan is made again, so every check sees the roles and holders the change
 * lands on.
 */
export async function changeRoles(caller: Caller, plan: (context: TrustContext) => RolePlan | Promise<RolePlan>): Promise<RolePlan> {
  let trust: Trust = caller.trust;
  return retryOnConflict(
    async () => {
      const context = await loadTrustContext(trust);
      const planned = await plan(context);
      const at = nowIso();
      const audit = planned.changes.map((change) =>
        auditRecord({
          id: newId(), at, actorId: caller.account.id, action: change.action, targetType: 'role',
          targetId: (change.after ?? change.before)!.id, nodeId: trust.rootNodeId, before: change.before, after: change.after,
        }),
      );
      const witness = await keepAdminOnRoleEdit(caller, context.roles, planned.writes);
      await writeRoleChange(trust, planned.writes, audit, witness ?? undefined, outboxItems(trust.id, wideningEvents(caller, trust, planned, context), at));
      return planned;
    },
    async (error) => {
      // Another transaction on the trust's version item or a role at that instant (TransactionConflict): pause, then plan again.
      if (error instanceof TransactionConflictError) {
        await backoff(Math.ceil(Math.random() * 3));
        trust = (await getTrust(trust.id)) ?? trust;
        return;
      }
      // With the trust version unchanged the role's version is too, so a failed update that checked
      // the holders counter means someone was given or lost the role meanwhile: plan again with them.
      const holdersMoved = error instanceof RoleWriteConflictError && error.write.type === 'update' && error.write.holders !== undefined;
      if (error instanceof RoleWriteConflictError && !holdersMoved) {
        if (error.write.type === 'delete') throw new ConflictError('in_use', 'People still hold this role');
        throw new VersionConflictError();
      }
      if (!(error instanceof TreeVersionChangedError) && !holdersMoved) throw error;
      trust = (await getTrust(trust.id)) ?? trust;
    },
    'The roles are busy; try again',
  );
}

/**
 * Every updated role that gains sensitive permissions while someone holds it
 * tells the trust's admins, from the change's own transaction (the outbox).
 * The holders counted are those the update is conditioned on.
 */
function wideningEvents(caller: Caller, trust: Trust, planned: RolePlan, context: TrustContext): OutboxEvent[] {
  return planned.writes.flatMap((write) => {
    if (write.type !== 'update' || !write.holders?.count) return [];
    const before = planned.changes.find((change) => change.after?.id === write.role.id)?.before;
    return before ? roleWideningEvents(trust.rootNodeId, caller.account, before, write.role, write.holders.count, context.roles) : [];
  });
}

export function assertNameFree(context: TrustContext, name: string, exceptId?: string): void {
  const taken = [...context.roles.values()].some((role) => role.id !== exceptId && role.name.toLowerCase() === name.toLowerCase());
  if (taken) throw new ConflictError('name_taken', 'Another role has this name');
}

export function assertEditable(role: Role): void {
  if (role.builtIn) throw new ConflictError('built_in_role', 'Built-in roles are read-only; create a custom role instead');
}
