import type { AdminWitness } from '../../domain/access/last-admin';
import { auditRecord } from '../../domain/audit/audit-record';
import { NotFoundError } from '../../domain/errors';
import type { Account } from '../../domain/identity/account';
import { UNCHANGED, type AccountChange, type Transition } from '../../domain/identity/lifecycle';
import { getAccount } from '../adapters/dynamo/account-repository';
import { AccountChangedError, writeAccountChange } from '../adapters/dynamo/account-writes';
import type { TransactItem } from '../adapters/dynamo/transaction';
import { newId, nowIso } from './ids';
import { retryOnConflict } from './retry';

/** The account as it is after the change was stored. */
function applied(account: Account, change: AccountChange, at: string): Account {
  const next: Account = { ...account, ...change.set, version: account.version + 1, updatedAt: at };
  for (const field of change.remove) delete next[field];
  return next;
}

/**
 * Plans a change to one account against its current profile and stores it
 * with its audit record in one transaction that checks the version; when the
 * profile moved meanwhile (a failed sign-in locked it, an admin edited it,
 * someone granted the person a role) the plan runs again on the fresh
 * profile, after `reload` checked again that the caller may act on it. Returns the account as stored.
 */
export async function changeAccount(input: {
  account: Account;
  actorId: string;
  /** Where the audit record is filed (see auditNodeOf). */
  nodeId: string | null;
  plan: (account: Account) => Transition;
  /** Another admin holding that must stay for this change to go through (see shared/last-admin.ts). */
  witness?: AdminWitness | null;
  /**
   * Reads the account again after a conflict, through the checks that let the
   * caller act on it (reach, identity guard: `loadAccountTarget`), so a change
   * racing a grant to the target is judged on the target as it is now. Without
   * it (a person acting on their own account) the account is simply re-read.
   */
  reload?: () => Promise<Account>;
  /** Written in the change's own transaction, only when there is a change (an outbox event: unconditional puts only). */
  extraItems?: readonly TransactItem[];
}): Promise<Account> {
  let account: Account | undefined = input.account;
  return retryOnConflict(
    async () => {
      if (!account) throw new NotFoundError('User');
      const current = account;
      const change = input.plan(current);
      if (change === UNCHANGED) return current;
      const at = nowIso();
      const audit = auditRecord({
        id: newId(), at, actorId: input.actorId, action: change.action, targetType: 'user', targetId: current.id,
        nodeId: input.nodeId, before: change.before, after: change.after,
      });
      await writeAccountChange(current, change, audit, at, input.witness ?? undefined, input.extraItems);
      return applied(current, change, at);
    },
    async (error) => {
      if (!(error instanceof AccountChangedError) || !account) throw error;
      account = input.reload ? await input.reload() : await getAccount({ trustId: account.trustId, userId: account.id });
    },
    'This account is being changed by someone else; try again',
  );
}
