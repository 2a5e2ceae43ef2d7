import type { Caller } from '../http/caller';
import { raiseRoleWidening } from '../notifications/service-events';
import type { RolePlan } from './role-change';

/**
 * After PATCH /roles/{id} or PUT /access-matrix stored their change: every
 * updated role that gained sensitive permissions while someone holds it
 * raises one account_security event (service-events.ts `raiseRoleWidening`).
 * The holders counted are those the stored update was conditioned on.
 */
export async function raiseRoleWidenings(caller: Caller, planned: RolePlan): Promise<void> {
  for (const write of planned.writes) {
    if (write.type !== 'update' || !write.holders?.count) continue;
    const before = planned.changes.find((change) => change.after?.id === write.role.id)?.before;
    if (before) await raiseRoleWidening(caller.trust, caller.account, before, write.role, write.holders.count, caller.context.roles);
  }
}
