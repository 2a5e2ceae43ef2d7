import { InvalidInputError } from '../../domain/errors';
import type { Reach } from '../../domain/access/reach';
import type { AuditRecord } from '../../domain/audit/audit-record';
import type { DirectoryEntry } from '../../domain/directory/directory-index';
import type { ReportName, ReportParams } from '../../domain/reports/catalogue';
import { reportScope, type AccessReviewData, type GrantRecord, type LockedAccountsData, type ReportData, type ReportPerson } from '../../domain/reports/model';
import type { ReportDataByName } from '../../domain/reports/reports';
import type { Trust } from '../../domain/org/trust';
import { subtreeIds, type OrgTree } from '../../domain/org/tree';
import type { Role } from '../../domain/access/roles';
import { isSensitive } from '../../domain/access/permissions';
import { listAudit } from '../adapters/dynamo/audit-repository';
import { listNodeManagers, loadPerson } from '../adapters/dynamo/person-repository';
import { mapConcurrently } from '../shared/concurrency';
import { allInDirectory } from '../users/directory';

/** Parallel reads of one report (person Queries, audit Queries, managers index Queries). */
const READ_CONCURRENCY = 16;
/** The most role holders one access-review request reads (two Queries each); a larger scope is a 400 naming nodeId. */
export const MAX_ACCESS_REVIEW_PEOPLE = 5_000;

/** Audit records read per person for access-review's "granted by/when" (newest first): a bound on one person's trail. */
export const GRANT_TRAIL_LIMIT = 500;
const DAY_MS = 86_400_000;

export interface ReportContext {
  trust: Trust;
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
}

/**
 * A directory entry as the reports read a person: memberships from the
 * summary (the primary carries the job title; isManager comes from the
 * managers index, see `managers`), role assignments from the summary (an id
 * made of role and node, no validFrom). Reports that print assignment ids,
 * validFrom or grant records read the person's own items instead (fullPerson).
 */
export function entryPerson(entry: DirectoryEntry): ReportPerson {
  return {
    id: entry.id, status: entry.status, userType: entry.userType, mfaEnabled: entry.mfaEnabled,
    firstName: entry.firstName, lastName: entry.lastName, email: entry.email,
    ...(entry.mobile ? { mobile: entry.mobile } : {}),
    source: entry.source, edited: entry.edited, createdAt: entry.createdAt ?? entry.updatedAt,
    ...(entry.lockedAt ? { lockedAt: entry.lockedAt } : {}),
    ...(entry.acceptedAt ? { acceptedAt: entry.acceptedAt } : {}),
    ...(entry.lastSignInAt ? { lastSignInAt: entry.lastSignInAt } : {}),
    memberships: entry.memberOf.map((nodeId) => ({
      nodeId, primary: nodeId === entry.primaryNodeId, isManager: false,
      ...(nodeId === entry.primaryNodeId && entry.jobTitle ? { jobTitle: entry.jobTitle } : {}),
    })),
    assignments: entry.roles.map((role) => ({ id: `${role.roleId}@${role.nodeId}`, roleId: role.roleId, nodeId: role.nodeId, ...(role.validUntil ? { validUntil: role.validUntil } : {}) })),
    blocks: [],
    children: [],
  };
}

/** The person from their own items (one Query): real assignment ids, validFrom, memberships with their dates. */
async function fullPerson(trustId: string, entry: DirectoryEntry): Promise<ReportPerson | undefined> {
  const record = await loadPerson(trustId, entry.id);
  if (!record) return undefined;
  const base = entryPerson(entry);
  return {
    ...base,
    status: record.person.status,
    mfaEnabled: record.person.mfaEnabled,
    assignments: record.person.assignments,
    memberships: record.person.memberships.map((m) => ({ ...m, since: record.membershipsSince.get(m.nodeId) })),
  };
}

/**
 * What a report reads, loaded for the scope only (README "Reports"): the
 * people come from the per-container directory (in memory, cut to the
 * scope there, so a school's report never reads the trust); only the people
 * a report's rows are about are read further, one Query each:
 * - access-review: people holding a role at a node of the scope, plus their
 *   audit by target (the latest GRANT_TRAIL_LIMIT records) for who granted it;
 * - sensitive-access / expiring-access: only people whose summary shows a
 *   sensitive role, or one ending within the window, at a node of the scope;
 * - managers: the managers index (gsi1 `MEMBER#M#`) of each school in scope.
 * users, dormant-accounts and locked-accounts read nothing beyond the directory.
 * The report functions cut every row to the scope again.
 */
export async function loadReportData<N extends ReportName>(
  name: N, ctx: ReportContext, reach: Reach, params: ReportParams<N>, now: Date,
): Promise<ReportDataByName[N]> {
  const { trust, tree, roles } = ctx;
  const scope = reportScope(tree, reach, params.nodeId);
  const subtree = subtreeIds(tree, params.nodeId);
  const entries = [...(await allInDirectory(trust.id, scope, { filters: { subtree, includeInactive: true }, sort: 'lastName', order: 'asc' }))];
  const base = { tree, roles };
  const done = (data: ReportData | AccessReviewData | LockedAccountsData) => data as unknown as ReportDataByName[N];
  const rolesInScope = (entry: DirectoryEntry) => entry.roles.filter((role) => scope.has(role.nodeId));
  const loadFull = async (chosen: DirectoryEntry[]) =>
    (await mapConcurrently(chosen, READ_CONCURRENCY, (entry) => fullPerson(trust.id, entry))).filter((p): p is ReportPerson => p !== undefined);

  switch (name) {
    case 'access-review': {
      const holders = entries.filter((entry) => rolesInScope(entry).length > 0);
      if (holders.length > MAX_ACCESS_REVIEW_PEOPLE) {
        // Each holder costs their partition and their audit trail: beyond this the answer cannot come within API Gateway's 29 s.
        throw new InvalidInputError('report_too_large', `access-review covers at most ${MAX_ACCESS_REVIEW_PEOPLE} people with roles per request; this scope has ${holders.length}`, [
          { path: 'nodeId', message: `narrow it to a cluster or school with at most ${MAX_ACCESS_REVIEW_PEOPLE} role holders` },
        ]);
      }
      const people = await loadFull(holders);
      const trails = await mapConcurrently(people, READ_CONCURRENCY, async (person) =>
        (await listAudit(trust.id, { targetId: person.id, limit: GRANT_TRAIL_LIMIT })).items.filter((record) => record.action === 'role.assigned'),
      );
      const grants: GrantRecord[] = trails.flat().map((r: AuditRecord) => ({ action: r.action, actorId: r.actorId, targetId: r.targetId, at: r.at, after: r.after }));
      const names = new Map(entries.map((entry) => [entry.id, `${entry.firstName} ${entry.lastName}`.trim()]));
      return done({ ...base, people, grants, actorNames: names });
    }
    case 'sensitive-access': {
      const sensitive = (roleId: string) => [...(roles.get(roleId)?.permissions ?? [])].some((code) => isSensitive(code));
      return done({ ...base, people: await loadFull(entries.filter((entry) => rolesInScope(entry).some((role) => sensitive(role.roleId)))) });
    }
    case 'expiring-access': {
      const until = now.getTime() + (params as ReportParams<'expiring-access'>).withinDays * DAY_MS;
      const ending = (validUntil?: string) => validUntil !== undefined && Date.parse(validUntil) > now.getTime() && Date.parse(validUntil) <= until;
      return done({ ...base, people: await loadFull(entries.filter((entry) => rolesInScope(entry).some((role) => ending(role.validUntil)))) });
    }
    case 'managers': {
      const people = new Map(entries.map((entry) => [entry.id, entryPerson(entry)]));
      const schools = [...scope].filter((id) => tree.nodes.get(id)?.kind === 'school');
      const lists = await mapConcurrently(schools, READ_CONCURRENCY, (schoolId) => listNodeManagers(trust.id, schoolId).then((managers) => ({ schoolId, managers })));
      for (const { schoolId, managers } of lists) {
        for (const manager of managers) {
          const person = people.get(manager.userId);
          if (!person) continue;
          person.memberships = person.memberships.filter((m) => m.nodeId !== schoolId);
          person.memberships.push({ nodeId: schoolId, primary: manager.primary, isManager: true, since: manager.since, ...(manager.jobTitle ? { jobTitle: manager.jobTitle } : {}) });
        }
      }
      return done({ ...base, people: [...people.values()] });
    }
    case 'locked-accounts':
      return done({ ...base, people: entries.map(entryPerson), lockout: trust.policies });
    default:
      return done({ ...base, people: entries.map(entryPerson) });
  }
}
