import type { Person } from '../../domain/access/resolve';
import { displayName, type Account } from '../../domain/identity/account';

/** The user as the API shows it (API.md "User"); internal fields stay inside. */
export function userView(account: Account, person: Person) {
  return {
    id: account.id,
    firstName: account.firstName,
    lastName: account.lastName,
    displayName: displayName(account),
    email: account.email,
    ...(account.mobile ? { mobile: account.mobile } : {}),
    userType: account.userType,
    status: account.status,
    source: account.source,
    edited: account.edited,
    mfaEnabled: account.mfaEnabled,
    memberships: [...person.memberships].sort((a, b) => Number(b.primary) - Number(a.primary) || a.nodeId.localeCompare(b.nodeId)),
    roles: person.assignments,
    version: account.version,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
  };
}
