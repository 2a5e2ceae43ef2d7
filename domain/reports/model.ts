import type { Membership, Person } from '../access/model';
import { canSee, Reach } from '../access/reach';
import type { Role } from '../access/roles';
import type { AuditRecord } from '../audit/audit-record';
import type { GrantStamp } from '../audit/grant';
import type { Account } from '../identity/account';
import type { LockoutPolicy } from '../identity/lockout';
import { listNodes, subtreeIds, type OrgTree } from '../org/tree';
import { REPORT_COLUMNS, type ReportName } from './catalogue';

/** One cell of a report row; null is an empty cell in CSV. */
export type Cell = string | number | boolean | null;

export interface ReportResult {
  columns: string[];
  rows: Cell[][];
  /** ISO time the report was computed for (the `now` it was given). */
  generatedAt: string;
}

/** A membership with when the person was placed there (ISO), which orders a school's managers. */
export interface ReportMembership extends Membership {
  since?: string;
}

/**
 * A person as the reports read them: the access model's Person (one Query
 * per person, or the items a node index lists) plus the account fields the
 * reports print.
 */
export interface ReportPerson
  extends Person,
    Pick<Account, 'firstName' | 'lastName' | 'email' | 'mobile' | 'source' | 'edited' | 'createdAt' | 'lockedAt' | 'acceptedAt' | 'emailDelivery'> {
  memberships: ReportMembership[];
  /** The last successful sign-in (ISO); absent when the person never signed in. */
  lastSignInAt?: string;
}

/** What every report reads: the trust's tree and roles (the per-container cache) and the people the handler loaded. */
export interface ReportData {
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  /**
   * The people to report on. The handler may load more than the reader may
   * see (a cluster's node index, the whole trust for a trust admin): every
   * report cuts them again to the reach, so loading too much never shows too
   * much. Someone listed twice (loaded per node) counts once, as listed first.
   */
  people: readonly ReportPerson[];
}

/** The part of an audit record `access-review` reads: the `role.assigned` records of the people reported on. */
export type GrantRecord = Pick<AuditRecord, 'action' | 'actorId' | 'targetId' | 'at' | 'after'>;

export interface AccessReviewData extends ReportData {
  /** Who granted each assignment, by grantKey(person, assignment id), as stamped on the assignment (domain/audit/grant.ts). */
  stamps?: ReadonlyMap<string, GrantStamp>;
  /** `role.assigned` records, for assignments without a stamp (stored before stamps, not yet backfilled). */
  grants: readonly GrantRecord[];
  /** Display names of the grantors, by id, for those not among `people`; an unknown grantor shows as their id. */
  actorNames?: ReadonlyMap<string, string>;
}

export interface LockedAccountsData extends ReportData {
  /** The trust's lockout policy, for `unlocksAt`; without it the column is empty. */
  lockout?: LockoutPolicy;
}

/**
 * The nodes a report may show: the reader's reach of `reports.view`
 * intersected with the subtree of the report's nodeId. It is a Reach, so
 * `canSee(scope, person)` (the rule of the directory and GET /users/{id})
 * decides which people appear: someone placed at a node of the scope. A
 * person placed nowhere appears only when the scope holds the trust root,
 * i.e. the reader holds reports.view at the root and asked for the whole
 * trust.
 */
export function reportScope(tree: OrgTree, reach: Reach, nodeId: string): Reach {
  return new Reach(reach.rootId, [...subtreeIds(tree, nodeId)].filter((id) => reach.has(id)));
}

/**
 * The nodes in both reaches: a report's reader needs several permissions at
 * once (reportPermissions: reports.view and users.view, users.export for the
 * users CSV), so their reach is the intersection of each one's. Still a
 * Reach of the same trust, so a person placed nowhere stays visible only
 * when every reach holds the root.
 */
export function intersectReach(a: Reach, b: Reach): Reach {
  return new Reach(a.rootId, [...a].filter((id) => b.has(id)));
}

/**
 * The people of the scope, by canSee against it (so also inside the reader's
 * whole reach: the scope is a part of it), each once: a handler that loads
 * people node by node meets someone placed at two schools twice.
 */
export function visiblePeople<P extends ReportPerson>(people: readonly P[], scope: Reach): P[] {
  const seen = new Set<string>();
  return people.filter((person) => {
    if (seen.has(person.id) || !canSee(scope, person)) return false;
    seen.add(person.id);
    return true;
  });
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** Text order used by every report: case- and accent-insensitive, numbers by value. */
export function compareText(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Last name, first name, then id, so two namesakes always come out the same way. */
export function compareByName(a: Pick<ReportPerson, 'id' | 'firstName' | 'lastName'>, b: Pick<ReportPerson, 'id' | 'firstName' | 'lastName'>): number {
  return compareText(a.lastName, b.lastName) || compareText(a.firstName, b.firstName) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Node position in tree order (parents before children, siblings by name: listNodes). */
export function treeOrder(tree: OrgTree): (nodeId: string) => number {
  const index = new Map(listNodes(tree).map((node, i) => [node.id, i]));
  return (nodeId) => index.get(nodeId) ?? Number.MAX_SAFE_INTEGER;
}

export const nodeName = (tree: OrgTree, nodeId: string): string => tree.nodes.get(nodeId)?.name ?? nodeId;
export const roleName = (roles: ReadonlyMap<string, Role>, roleId: string): string => roles.get(roleId)?.name ?? roleId;

export const DAY_MS = 86_400_000;

/** A report's answer: its catalogue columns, the rows, and the time it was computed for. */
export const reportResult = (name: ReportName, rows: Cell[][], now: Date): ReportResult => ({
  columns: [...REPORT_COLUMNS[name]],
  rows,
  generatedAt: now.toISOString(),
});

/** The person columns that open every person-level report. */
export const personCells = (person: ReportPerson): Cell[] => [person.id, person.lastName, person.firstName, person.email];
