import { reachOf } from '../../domain/access/reach';
import type { NotificationCategory } from '../../domain/notifications/categories';
import type { Caller } from '../http/caller';

/**
 * Whether the caller holds a category's permission anywhere, as a recipient
 * would be checked: a requiresMfa permission counts when their 2FA is on, so
 * a DSL without 2FA is not offered child protection (they would receive none).
 */
export function holdsCategory(caller: Caller): (category: NotificationCategory) => boolean {
  const now = new Date();
  return (category) =>
    reachOf({ tree: caller.context.tree, roles: caller.context.roles, person: caller.compiled, permission: category.permission, mfa: caller.account.mfaEnabled, now }).size > 0;
}
