/**
 * The directory summary of a person (API.md "User summary"): where they are
 * placed and what they hold, denormalised onto their profile item in the
 * same transaction as every change to their memberships or roles, so a list
 * reads one item per person. Computed only here, from the person as they are
 * after the change.
 */
import type { Assignment, Membership } from '../access/resolve';

/** Bumped whenever the summary's shape changes: stored summaries of an older shape need the backfill again. */
export const DIRECTORY_SUMMARY_VERSION = 2;

export interface DirectoryRole {
  roleId: string;
  nodeId: string;
  validUntil?: string;
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
}

export function directorySummary(person: Holdings): DirectorySummary {
  const nodeIds = [...new Set([...person.memberships.map((m) => m.nodeId), ...person.assignments.map((a) => a.nodeId)])].sort();
  const primary = person.memberships.find((m) => m.primary) ?? [...person.memberships].sort((a, b) => a.nodeId.localeCompare(b.nodeId))[0];
  const roles = person.assignments
    .map((a): DirectoryRole => ({ roleId: a.roleId, nodeId: a.nodeId, ...(a.validUntil ? { validUntil: a.validUntil } : {}) }))
    .sort((a, b) => a.roleId.localeCompare(b.roleId) || a.nodeId.localeCompare(b.nodeId) || (a.validUntil ?? '').localeCompare(b.validUntil ?? ''));
  const memberOf = person.memberships.map((m) => m.nodeId).sort((a, b) => Number(b === primary?.nodeId) - Number(a === primary?.nodeId) || a.localeCompare(b));
  return {
    nodeIds,
    memberOf,
    primaryNodeId: primary?.nodeId ?? null,
    ...(primary?.jobTitle ? { jobTitle: primary.jobTitle } : {}),
    roles,
  };
}

/** A change to what a person holds, as the person writes describe it (structurally PersonOp's membership and assignment ops). */
export type HoldingChange =
  | { type: 'putMembership'; membership: Membership }
  | { type: 'deleteMembership'; nodeId: string }
  | { type: 'putAssignment'; assignment: Assignment }
  | { type: 'deleteAssignment'; assignment: Pick<Assignment, 'id'> }
  | { type: string };

/** The holdings after a set of changes: what the write's version condition guarantees the stored person will be. */
export function holdingsAfter(before: Holdings, changes: readonly HoldingChange[]): Holdings {
  const memberships = new Map(before.memberships.map((m) => [m.nodeId, m]));
  const assignments = new Map(before.assignments.map((a) => [a.id, a]));
  for (const change of changes) {
    if (change.type === 'putMembership' && 'membership' in change) memberships.set(change.membership.nodeId, change.membership);
    else if (change.type === 'deleteMembership' && 'nodeId' in change) memberships.delete(change.nodeId);
    else if (change.type === 'putAssignment' && 'assignment' in change) assignments.set(change.assignment.id, change.assignment as Assignment);
    else if (change.type === 'deleteAssignment' && 'assignment' in change) assignments.delete(change.assignment.id);
  }
  return { memberships: [...memberships.values()], assignments: [...assignments.values()] };
}

/**
 * Search text as the directory compares it: Unicode-decomposed, combining
 * marks removed, lower case, inner white space collapsed. "Zoë" and "ZOE"
 * both become "zoe".
 */
export function normaliseSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
