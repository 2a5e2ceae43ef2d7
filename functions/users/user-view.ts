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
    ...(account.emailDelivery ? { emailDelivery: account.emailDelivery } : {}),
    memberships: [...person.memberships].sort((a, b) => Number(b.primary) - Number(a.primary) || a.nodeId.localeCompare(b.nodeId)),
    roles: person.assignments,
    version: account.version,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
  };
}

/**
 * What an integration client is shown of a person: their places and roles at
 * or under its node only ("cut to the client's node"), as its decisions never
 * name an assignment outside it. A person sees a visible person whole (an
 * admin placing someone needs their other schools); a school app does not.
 */
export function cutToNodes<P extends Pick<Person, 'memberships' | 'assignments'>>(person: P, nodes: ReadonlySet<string>): P {
  return { ...person, memberships: person.memberships.filter((m) => nodes.has(m.nodeId)), assignments: person.assignments.filter((a) => nodes.has(a.nodeId)) };
}
