import { ForbiddenError } from '../../domain/errors';
import type { Caller } from '../http/caller';

/** Permission codes the foundation gates on; the access model replaces the check below. */
export type InterimPermission = 'org.manage' | 'audit.view';

/**
 * Until roles exist only the trust's bootstrap admin may change the tree or
 * read the audit. Default deny: any other caller is refused.
 */
export function authorize(caller: Caller, _permission: InterimPermission, _nodeId: string): void {
  if (caller.trust.adminUserId !== caller.account.id) throw new ForbiddenError();
}
