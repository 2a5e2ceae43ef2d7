import type { PermissionCode } from '../../domain/access/permissions';
import { ForbiddenError } from '../../domain/errors';
import type { PersonRecord } from '../adapters/dynamo/person-repository';
import type { Caller } from '../http/caller';
import { reach } from '../shared/authorize';
import { assertDominates } from '../shared/identity-guard';
import { loadVisiblePerson } from './person-change';

/**
 * The person an account action (unlock, deactivate, activate, password
 * reset, invitation, email change) is aimed at: 403 when the caller holds
 * `permission` nowhere, 404 when the person is outside the caller's reach of
 * it (nobody learns who works elsewhere), then the identity guard, since each
 * of these changes how the person signs in or whether they can. Only an edit
 * that leaves sign-in alone (a name) opts out with `identityGuard: false`.
 */
export async function loadAccountTarget(
  caller: Caller,
  userId: string,
  permission: PermissionCode,
  options: { identityGuard?: boolean } = {},
): Promise<PersonRecord> {
  if (reach(caller, permission).size === 0) throw new ForbiddenError(`You need ${permission}`);
  const record = await loadVisiblePerson(caller, userId, [permission]);
  if (options.identityGuard ?? true) assertDominates(caller, record.person);
  return record;
}
