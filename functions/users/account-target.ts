import type { PermissionCode } from '../../domain/access/permissions';
import { ForbiddenError } from '../../domain/errors';
import type { PersonRecord } from '../adapters/dynamo/person-repository';
import type { Caller } from '../http/caller';
import { reach } from '../shared/authorize';
import { loadVisiblePerson } from './person-change';

/**
 * The person an account action (unlock, deactivate, activate) is aimed at:
 * 403 when the caller holds `permission` nowhere, 404 when the person is
 * outside the caller's reach of it (nobody learns who works elsewhere).
 */
export async function loadAccountTarget(caller: Caller, userId: string, permission: PermissionCode): Promise<PersonRecord> {
  if (reach(caller, permission).size === 0) throw new ForbiddenError(`You need ${permission}`);
  return loadVisiblePerson(caller, userId, [permission]);
}
