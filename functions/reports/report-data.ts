import type { Reach } from '../../domain/access/reach';
import type { AuditRecord } from '../../domain/audit/audit-record';
import type { DirectoryEntry } from '../../domain/directory/directory-index';
import type { DirectoryRole } from '../../domain/directory/summary';
import { grantKey, type GrantStamp } from '../../domain/audit/grant';
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
import { allInDirectory, visibleInDirectory } from '../users/directory';

/** Parallel reads of one report (person Queries, audit Queries, managers index Queries). */
const READ_CONCURRENCY = 16;

/** Audit records read per page of a person's trail when access-review must look a grant up there (an assignment stored before grant stamps). */
const GRANT_TRAIL_PAGE = 500;
const DAY_MS = 86_400_000;

/** What access-review read beyond the directory, summed over requests: read by the bench and the e2e tests' assertions on cost. */
export const accessReviewReads = { fromSummary: 0, people: 0, trails: 0 };

export interface ReportContext {
  trust: Trust;
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
}

/**
 * A directory entry as the reports read a person: memberships from the
 * summary (the primary carries the job title; isManager comes from the
 * managers index, see `managers`), role assignments from the summary: in
 * its full form (SUMMARY_DETAIL_MAX_ROLES) with their real ids and validFrom,
 * else with an id made of role and node and no validFrom (reports that
 * print those read the person's own items instead: fullPerson).
 */
export function entryPerson(entry: DirectoryEntry): ReportPerson {
  return {
    id: entry.id, status: entry.status, userType: entry.userType, mfaEnabled: entry.mfaEnabled,
    firstName: entry.firstName, lastName: entry.lastName, email: entry.email,
    ...(entry.mobile ? { mobile: entry.mobile } : {}),
    source: entry.source, edited: entry.edited, createdAt: entry.createdAt ?? entry.updatedAt,
    ...(entry.lockedAt ? { lockedAt: entry.lockedAt } : {}),
    ...(entry.emailDelivery ? { emailDelivery: entry.emailDelivery } : {}),
    ...(entry.acceptedAt ? { acceptedAt: entry.acceptedAt } : {}),
    ...(entry.lastSignInAt ? { lastSignInAt: entry.lastSignInAt } : {}),
    memberships: entry.memberOf.map((nodeId) => ({
      nodeId, primary: nodeId === entry.primaryNodeId, isManager: false,
      ...(nodeId === entry.primaryNodeId && entry.jobTitle ? { jobTitle: entry.jobTitle } : {}),
    })),
    assignments: entry.roles.map((role) => ({
      id: role.id ?? `${role.roleId}@${role.nodeId}`, roleId: role.roleId, nodeId: role.nodeId,
      ...(role.validFrom ? { validFrom: role.validFrom } : {}), ...(role.validUntil ? { validUntil: role.validUntil } : {}),
    })),
    blocks: [],
    children: [],
  };
}

/** The person from their own items (one Query): real assignment ids, validFrom, grant stamps, memberships with their dates. */
async function fullPerson(trustId: string, entry: DirectoryEntry): Promise<(ReportPerson & { grants: ReadonlyMap<string, GrantStamp> }) | undefined> {
  const record = await loadPerson(trustId, entry.id);
  if (!record) return undefined;
  const base = entryPerson(entry);
  return {
    ...base,
    status: record.person.status,
    mfaEnabled: record.person.mfaEnabled,
    assignments: record.person.assignments,
    memberships: record.person.memberships.map((m) => ({ ...m, since: record.membershipsSince.get(m.nodeId) })),
    grants: record.grants ?? new Map(),
  };
}

/** Whether access-review can print this entry's roles in scope from the summary alone: full form, each with its grant stamp. */
const reviewableFromSummary = (roles: readonly DirectoryRole[]) => roles.every((role) => role.id !== undefined && role.grantRecord !== undefined);

/** A person's whole `role.assigned` trail (gsi2 by target, every page): only for assignments stored before grant stamps. */
async function grantTrail(trustId: string, personId: string): Promise<GrantRecord[]> {
  const records: GrantRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await listAudit(trustId, { targetId: personId, limit: GRANT_TRAIL_PAGE, ...(cursor ? { cursor } : {}) });
    records.push(...page.items.filter((r: AuditRecord) => r.action === 'role.assigned').map((r) => ({ action: r.action, actorId: r.actorId, targetId: r.targetId, at: r.at, after: r.after })));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return records;
}

/**
 * What a report reads, loaded for the scope only (README "Reports"): the
 * people come from the per-container directory (in memory, cut to the
 * scope there, so a school's report never reads the trust). The summary's
 * full form (domain/directory/summary.ts) carries every assignment's id,
 * validFrom and grant stamp, so access-review, sensitive-access and
 * expiring-access are computed from the directory alone; only a person whose
 * summary is in short form (more than SUMMARY_DETAIL_MAX_ROLES roles, or
 * written before v3 and not yet backfilled) costs a Query of their items,
 * and for access-review an assignment item without a stamp their
 * `role.assigned` trail too;
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
  // A summary in full form gives real assignment ids and validFrom: only the others cost a Query (their own items).
  const loadFull = async (chosen: DirectoryEntry[]) => {
    const full = chosen.filter((entry) => entry.roles.every((role) => role.id !== undefined));
    const rest = chosen.filter((entry) => !entry.roles.every((role) => role.id !== undefined));
    const read = (await mapConcurrently(rest, READ_CONCURRENCY, (entry) => fullPerson(trust.id, entry))).filter((p) => p !== undefined);
    return [...full.map(entryPerson), ...read.map(({ grants: _grants, ...person }): ReportPerson => person)];
  };

  switch (name) {
    case 'access-review': {
      // Every role holder of the scope from the directory: the summary's full form carries each assignment's id, validFrom and grant stamp.
      const holders = entries.filter((entry) => rolesInScope(entry).length > 0);
      const stamps = new Map<string, GrantStamp>();
      const people: ReportPerson[] = [];
      const toRead: DirectoryEntry[] = [];
      for (const entry of holders) {
        if (!reviewableFromSummary(rolesInScope(entry))) {
          toRead.push(entry);
          continue;
        }
        people.push(entryPerson(entry));
        for (const role of rolesInScope(entry)) stamps.set(grantKey(entry.id, role.id!), { grantRecord: role.grantRecord!, ...(role.grantedBy ? { grantedBy: role.grantedBy } : {}), ...(role.grantedAt ? { grantedAt: role.grantedAt } : {}) });
      }
      // The rest (more roles than the summary describes in full, or a summary from before grant stamps): their items, one Query each;
      // an assignment item without a stamp (not yet backfilled) also costs the person's role.assigned trail.
      const read = (await mapConcurrently(toRead, READ_CONCURRENCY, (entry) => fullPerson(trust.id, entry))).filter((p) => p !== undefined);
      const unstamped = read.filter((person) => person.assignments.some((a) => scope.has(a.nodeId) && !person.grants.has(a.id)));
      const grants = (await mapConcurrently(unstamped, READ_CONCURRENCY, (person) => grantTrail(trust.id, person.id))).flat();
      for (const { grants: own, ...person } of read) {
        people.push(person);
        for (const [assignmentId, stamp] of own) stamps.set(grantKey(person.id, assignmentId), stamp);
      }
      accessReviewReads.fromSummary += people.length - read.length;
      accessReviewReads.people += read.length;
      accessReviewReads.trails += unstamped.length;
      // Granters by name when the reader may see them (anywhere in their reach, not only the report's node), else by id.
      const granterIds = [...stamps.values()].flatMap((stamp) => (stamp.grantedBy ? [stamp.grantedBy] : [])).concat(grants.map((g) => g.actorId));
      const granters = await visibleInDirectory(trust.id, reach, granterIds);
      const names = new Map(granters.map((entry) => [entry.id, `${entry.firstName} ${entry.lastName}`.trim()]));
      return done({ ...base, people, stamps, grants, actorNames: names });
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
