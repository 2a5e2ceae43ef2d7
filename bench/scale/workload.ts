import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { presetIds } from '../../domain/access/roles';
import { auditRecord } from '../../domain/audit/audit-record';
import type { Account } from '../../domain/identity/account';
import type { OrgNode } from '../../domain/org/tree';
import type { LocalStack } from '../../infra/local/stack';

/**
 * The trust-scale workload (DESIGN.md "Scale"): 1 trust > 10 clusters > 100
 * schools, 12,000 staff and 50,000 parents, with memberships, roles and child
 * links, seeded through the write paths the API uses (createTrust as the CLI
 * does, writeTreeChange as POST /nodes does, writeNewPerson as POST /users
 * does, one transaction per person with its audit record). Only the two people
 * the bench signs in as get Cognito users: cognito-local keeps a pool in one
 * JSON file, so 62,000 of them would measure the emulator, not the service.
 *
 * Seeding takes minutes, so the data is kept under bench/.scale-state and
 * reused while WORKLOAD_VERSION and the shape are unchanged. Other benches
 * (the directory's) reuse `ensureScaleWorkload`.
 */
/** 2: re-seeded after the managers index key changed (a state seeded before it had empty managers indexes). */
export const WORKLOAD_VERSION = 2;
export const SCALE = { clusters: 10, schoolsPerCluster: 10, staffPerSchool: 120, parentsPerSchool: 500 } as const;
export const SCALE_PASSWORD = 'Scale-Bench-Password-1';

export interface ScaleWorkload {
  version: number;
  trustId: string;
  rootId: string;
  clusters: { id: string; name: string; schools: string[] }[];
  trustAdmin: { email: string; id: string };
  clusterAdmin: { email: string; id: string; clusterId: string };
  /** A deterministic sample of people for random questions, with the cluster each belongs to. */
  sample: { id: string; clusterId: string; schoolId: string; userType: 'staff' | 'parent' }[];
  people: number;
  seededInSeconds: number;
}

/** mulberry32, so the workload is the same on every run. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STAFF_ROLES: [string, number][] = [
  [presetIds.teacher, 0.6], [presetIds.teachingAssistant, 0.25], [presetIds.staff, 0.1], [presetIds.schoolAdmin, 0.03],
  [presetIds.designatedSafeguardingLead, 0.01], [presetIds.headTeacher, 0.01],
];

function weighted(random: () => number, table: [string, number][]): string {
  let r = random();
  for (const [value, weight] of table) {
    if (r < weight) return value;
    r -= weight;
  }
  return table[0]![0];
}

/** Runs `task` over `items` with `concurrency` workers. */
async function pool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  }));
}

/** Transaction conflicts on the shared node counters are retried, as a client of the API would. */
async function withRetry(fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const name = (error as Error).name ?? '';
      if (attempt >= 8 || !/TransactionConflict|TransactionCanceled|Throttl|concurrent_change/.test(`${name} ${(error as Error).message}`)) throw error;
      await new Promise((r) => setTimeout(r, 5 * attempt));
    }
  }
}

/** The workload in `stateDir`, seeding it into the running stack when it is not there yet. */
export async function ensureScaleWorkload(stack: LocalStack, stateDir: string, log = (line: string) => console.log(line)): Promise<ScaleWorkload> {
  const file = join(stateDir, 'scale-workload.json');
  if (existsSync(file)) {
    const existing = JSON.parse(readFileSync(file, 'utf8')) as ScaleWorkload;
    if (existing.version === WORKLOAD_VERSION) return existing;
  }
  const started = performance.now();
  const { createTrust } = await import('../../functions/trusts/create-trust');
  const { getTrust, writeTreeChange } = await import('../../functions/adapters/dynamo/trust-repository');
  const { writeNewPerson } = await import('../../functions/adapters/dynamo/person-writes');
  const { createCognitoUser, setPermanentPassword } = await import('../../functions/adapters/cognito/user-pool');
  const random = seeded(0x5ca1e);
  const newId = () => crypto.randomUUID();

  const adminEmail = `scale-admin-${newId()}@scale.example`;
  const plan = await createTrust({
    name: 'Scale Trust', adminEmail, adminFirstName: 'Scale', adminLastName: 'Admin', adminPassword: SCALE_PASSWORD,
    tree: Array.from({ length: SCALE.clusters }, (_, c) => ({ kind: 'cluster' as const, name: `Cluster ${c}` })),
  });
  const trustId = plan.trust.id;
  const clusters = plan.children.map((cluster) => ({ id: cluster.id, name: cluster.name, schools: [] as string[] }));
  log(`scale workload: trust ${trustId}, adding ${SCALE.clusters * SCALE.schoolsPerCluster} schools`);
  for (const cluster of clusters) {
    for (let s = 0; s < SCALE.schoolsPerCluster; s++) {
      const node: OrgNode = { id: newId(), kind: 'school', name: `${cluster.name} School ${s}`, parentId: cluster.id, version: 1, ...(s % 5 === 4 ? { label: 'Nursery' } : {}) };
      const at = new Date().toISOString();
      await writeTreeChange((await getTrust(trustId))!, { type: 'put', node }, auditRecord({ id: newId(), at, actorId: plan.admin.id, action: 'node.created', targetType: 'node', targetId: node.id, nodeId: node.id, after: node }));
      cluster.schools.push(node.id);
    }
  }

  interface Planned { account: Account; schoolId: string; clusterId: string; ops: Parameters<typeof writeNewPerson>[1] }
  const people: Planned[] = [];
  const now = new Date().toISOString();
  const account = (userType: 'staff' | 'parent', i: number, id = newId(), cognitoUsername = `not-in-cognito-${id}`): Account => ({
    id, trustId, email: `${userType}-${i}-${id.slice(0, 8)}@scale.example`, firstName: `${userType === 'staff' ? 'Staff' : 'Parent'}${i}`, lastName: `Surname${i % 977}`,
    userType, status: 'active', source: i % 3 === 0 ? 'mis' : 'manual', cognitoUsername, sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 1, createdAt: now, updatedAt: now,
  });
  let staffNo = 0;
  let parentNo = 0;
  for (const cluster of clusters) {
    for (const schoolId of cluster.schools) {
      for (let k = 0; k < SCALE.staffPerSchool; k++) {
        const a = account('staff', staffNo++);
        const ops: Planned['ops'] = [
          { type: 'putMembership', membership: { nodeId: schoolId, primary: true, isManager: k < 2, jobTitle: k < 2 ? 'Manager' : 'Teacher' }, createdAt: now, isNew: true },
          { type: 'putAssignment', assignment: { id: newId(), roleId: weighted(random, STAFF_ROLES), nodeId: schoolId }, customRole: false },
        ];
        // One in twenty also works at a second school of the same cluster.
        if (random() < 0.05) {
          const other = cluster.schools[Math.floor(random() * cluster.schools.length)]!;
          if (other !== schoolId) {
            ops.push({ type: 'putMembership', membership: { nodeId: other, primary: false, isManager: false }, createdAt: now, isNew: true });
            ops.push({ type: 'putAssignment', assignment: { id: newId(), roleId: presetIds.teacher, nodeId: other }, customRole: false });
          }
        }
        people.push({ account: a, schoolId, clusterId: cluster.id, ops });
      }
      for (let k = 0; k < SCALE.parentsPerSchool; k++) {
        const a = account('parent', parentNo++);
        const ops: Planned['ops'] = [
          { type: 'putMembership', membership: { nodeId: schoolId, primary: true, isManager: false }, createdAt: now, isNew: true },
          { type: 'putAssignment', assignment: { id: newId(), roleId: presetIds.parent, nodeId: schoolId }, customRole: false },
          { type: 'putChild', link: { subjectId: `pupil-${schoolId.slice(0, 8)}-${k}`, schoolId }, createdAt: now, replaces: null },
        ];
        if (k % 3 === 0) ops.push({ type: 'putChild', link: { subjectId: `pupil-${schoolId.slice(0, 8)}-${k + 1}`, schoolId }, createdAt: now, replaces: null });
        people.push({ account: a, schoolId, clusterId: cluster.id, ops });
      }
    }
  }

  // The cluster admin the bench signs in as: a real Cognito user, Cluster Administrator at cluster 0.
  const clusterAdminEmail = `scale-cluster-admin-${newId()}@scale.example`;
  const cognitoUsername = await createCognitoUser(clusterAdminEmail);
  await setPermanentPassword(cognitoUsername, SCALE_PASSWORD);
  const clusterAdmin: Planned = {
    account: { ...account('staff', staffNo++, newId(), cognitoUsername), email: clusterAdminEmail },
    schoolId: clusters[0]!.schools[0]!, clusterId: clusters[0]!.id,
    ops: [
      { type: 'putMembership', membership: { nodeId: clusters[0]!.id, primary: true, isManager: false, jobTitle: 'Cluster Lead' }, createdAt: now, isNew: true },
      { type: 'putAssignment', assignment: { id: newId(), roleId: presetIds.clusterAdministrator, nodeId: clusters[0]!.id }, customRole: false },
    ],
  };
  people.push(clusterAdmin);

  log(`scale workload: writing ${people.length} people (one transaction each)`);
  let done = 0;
  await pool(people, 4, async (person) => {
    const audit = auditRecord({ id: newId(), at: now, actorId: plan.admin.id, action: 'user.created', targetType: 'user', targetId: person.account.id, nodeId: person.schoolId, after: { email: person.account.email } });
    await withRetry(() => writeNewPerson(person.account, person.ops, [audit]));
    if (++done % 5000 === 0) log(`  ${done} / ${people.length} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  });

  const sample = Array.from({ length: 2000 }, () => people[Math.floor(random() * people.length)]!).map((p) => ({
    id: p.account.id, clusterId: p.clusterId, schoolId: p.schoolId, userType: p.account.userType,
  }));
  const workload: ScaleWorkload = {
    version: WORKLOAD_VERSION, trustId, rootId: plan.root.id, clusters,
    trustAdmin: { email: adminEmail, id: plan.admin.id },
    clusterAdmin: { email: clusterAdminEmail, id: clusterAdmin.account.id, clusterId: clusters[0]!.id },
    sample, people: people.length + 1, seededInSeconds: (performance.now() - started) / 1000,
  };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, JSON.stringify(workload));
  log(`scale workload: seeded ${workload.people} people in ${workload.seededInSeconds.toFixed(0)} s`);
  return workload;
}

/** Drops a kept workload whose stack state no longer matches (e.g. the version moved on). */
export function discardScaleState(stateDir: string): void {
  rmSync(stateDir, { recursive: true, force: true });
}
