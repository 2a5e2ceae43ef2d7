/**
 * The directory summary of a person (API.md "User summary"): where they are
 * placed and what they hold, denormalised onto their profile item in the
 * same transaction as every change to their memberships or roles, so a list
 * reads one item per person. Computed only here, from the person as they are
 * after the change.
 */
import type { Assignment, Membership } from '../access/resolve';
import type { GrantStamp } from '../audit/grant';

/** Bumped whenever the summary's shape changes: stored summaries of an older shape need the backfill again. */
export const DIRECTORY_SUMMARY_VERSION = 3;

/**
 * The most role assignments a summary describes in full (id, validFrom and
 * the grant stamp, what access-review prints): at most ~270 bytes each, so
 * ~27 KB of the profile's 400 KB. A person holding more gets the short form
 * for every role (roleId, nodeId, validUntil: ~110 bytes each, as before
 * v3) and access-review reads their own items instead (one Query).
 */
export const SUMMARY_DETAIL_MAX_ROLES = 100;

export interface DirectoryRole {
  roleId: string;
  nodeId: string;
  validUntil?: string;
  /** The assignment's id: present iff the summary describes this role in full (the fields below then are the assignment's). */
  id?: string;
  validFrom?: string;
  /** Who granted it and when (domain/audit/grant.ts); absent in full form only when the writer did not know (then read the items). */
  grantRecord?: GrantStamp['grantRecord'];
  grantedBy?: string;
  grantedAt?: string;
}

export interface DirectorySummary {
  /** Every node the person is placed at: memberships and role assignments, sorted, no repeats. */
  nodeIds: string[];
  /** The nodes of their memberships (the export's `schools`), the primary first. */
  memberOf: string[];
  /** The primary membership's node (null when the person belongs nowhere). */
  primaryNodeId: string | null;
  /** The primary membership's job title. */
  jobTitle?: string;
  roles: DirectoryRole[];
}

export interface Holdings {
  memberships: readonly Membership[];
  assignments: readonly Assignment[];
  /** The grant stamp of each assignment, by id, when the writer knows it (the summary copies it). */
  grants?: ReadonlyMap<string, GrantStamp>;
}

export function directorySummary(person: Holdings): DirectorySummary {
  const nodeIds = [...new Set([...person.memberships.map((m) => m.nodeId), ...person.assignments.map((a) => a.nodeId)])].sort();
  const primary = person.memberships.find((m) => m.primary) ?? [...person.memberships].sort((a, b) => a.nodeId.localeCompare(b.nodeId))[0];
  const full = person.assignments.length <= SUMMARY_DETAIL_MAX_ROLES;
  const roles = person.assignments
    .map((a): DirectoryRole => {
      const short: DirectoryRole = { roleId: a.roleId, nodeId: a.nodeId, ...(a.validUntil ? { validUntil: a.validUntil } : {}) };
      if (!full) return short;
      const grant = person.grants?.get(a.id);
      return { ...short, id: a.id, ...(a.validFrom ? { validFrom: a.validFrom } : {}), ...(grant ? grantFields(grant) : {}) };
    })
    .sort((a, b) => a.roleId.localeCompare(b.roleId) || a.nodeId.localeCompare(b.nodeId) || (a.validUntil ?? '').localeCompare(b.validUntil ?? '') || (a.id ?? '').localeCompare(b.id ?? ''));
  const memberOf = person.memberships.map((m) => m.nodeId).sort((a, b) => Number(b === primary?.nodeId) - Number(a === primary?.nodeId) || a.localeCompare(b));
  return {
    nodeIds,
    memberOf,
    primaryNodeId: primary?.nodeId ?? null,
    ...(primary?.jobTitle ? { jobTitle: primary.jobTitle } : {}),
    roles,
  };
}

const grantFields = (grant: GrantStamp): Pick<DirectoryRole, 'grantRecord' | 'grantedBy' | 'grantedAt'> => ({
  grantRecord: grant.grantRecord,
  ...(grant.grantedBy ? { grantedBy: grant.grantedBy } : {}),
  ...(grant.grantedAt ? { grantedAt: grant.grantedAt } : {}),
});

/** A change to what a person holds, as the person writes describe it (structurally PersonOp's membership and assignment ops). */
export type HoldingChange =
  | { type: 'putMembership'; membership: Membership }
  | { type: 'deleteMembership'; nodeId: string }
  | { type: 'putAssignment'; assignment: Assignment }
  | { type: 'deleteAssignment'; assignment: Pick<Assignment, 'id'> }
  | { type: string };

/**
 * The holdings after a set of changes: what the write's version condition
 * guarantees the stored person will be. `stamps` are the grant stamps of the
 * assignments the changes put (they join the ones `before` carries).
 */
export function holdingsAfter(before: Holdings, changes: readonly HoldingChange[], stamps?: ReadonlyMap<string, GrantStamp>): Holdings {
  const memberships = new Map(before.memberships.map((m) => [m.nodeId, m]));
  const assignments = new Map(before.assignments.map((a) => [a.id, a]));
  for (const change of changes) {
    if (change.type === 'putMembership' && 'membership' in change) memberships.set(change.membership.nodeId, change.membership);
    else if (change.type === 'deleteMembership' && 'nodeId' in change) memberships.delete(change.nodeId);
    else if (change.type === 'putAssignment' && 'assignment' in change) assignments.set(change.assignment.id, change.assignment as Assignment);
    else if (change.type === 'deleteAssignment' && 'assignment' in change) assignments.delete(change.assignment.id);
  }
  const grants = before.grants || stamps ? new Map([...(before.grants ?? []), ...(stamps ?? [])]) : undefined;
  return { memberships: [...memberships.values()], assignments: [...assignments.values()], ...(grants ? { grants } : {}) };
}

/**
 * Search text as the directory compares it: Unicode-decomposed, combining
 * marks removed, lower case, inner white space collapsed. "Zoë" and "ZOE"
 * both become "zoe".
 */
export function normaliseSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
