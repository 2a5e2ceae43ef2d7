/**
 * The access engine (compilePerson + decide) against casbin and CASL, side by
 * side in one run on one seeded workload, every answer cross-checked:
 *
 *   1 trust > 5 clusters > 10 sub-clusters > 50 schools (66 nodes),
 *   40 permissions (the first 40 catalogue codes that do not require 2FA),
 *   8 custom roles × 20 random permissions of those 40,
 *   5,000 active staff with 10,000 assignments (80 % school, 10 % sub-cluster,
 *   7 % cluster, 3 % trust; no validity windows, no blocks),
 *   200,000 random checks (person, permission, node) over all nodes.
 *
 * With no 2FA-only codes, no windows and no blocks the three engines have the
 * same semantics: a person may use P at N iff one of their assignments sits at
 * N or an ancestor of N and its role carries P. Any disagreement throws.
 */
import { AbilityBuilder, createMongoAbility, subject, type MongoAbility } from '@casl/ability';
import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { permissionCatalogue } from '../domain/access/permissions';
import { compilePerson, decide, type Assignment, type CompiledPerson, type Person } from '../domain/access/resolve';
import type { Role } from '../domain/access/roles';
import { buildTree, subtreeIds, type OrgNode, type OrgTree } from '../domain/org/tree';
import type { BenchResult } from './results';

const SEED = 0x5c0015;
const CHECKS = 200_000;
const WARM_UP = 10_000;
const PASSES = 3;
/**
 * casbin evaluates its matcher once per policy line per check, so it runs on
 * the first CASBIN_CHECKS of the same seeded checks (the whole set would take
 * minutes); its checks/s and the three-way comparison cover that prefix.
 */
const CASBIN_CHECKS = 20_000;

/** mulberry32: a tiny seeded PRNG, so the workload is identical on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export interface AccessWorkload {
  tree: OrgTree;
  nodeIds: string[];
  permissions: string[];
  roles: Role[];
  roleMap: ReadonlyMap<string, Role>;
  people: Person[];
  /** Check i asks whether people[checkPerson[i]] may use permissions[checkPermission[i]] at nodeIds[checkNode[i]]. */
  checkPerson: Uint16Array;
  checkPermission: Uint8Array;
  checkNode: Uint8Array;
}

export function buildAccessWorkload(seed = SEED, checks = CHECKS): AccessWorkload {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  const node = (id: string, kind: OrgNode['kind'], parentId: string | null): OrgNode => ({ id, kind, name: id, parentId, version: 1 });
  const trust = node('trust', 'trust', null);
  const clusters: OrgNode[] = [];
  const subClusters: OrgNode[] = [];
  const schools: OrgNode[] = [];
  for (let c = 0; c < 5; c++) {
    const cluster = node(`cluster-${c}`, 'cluster', trust.id);
    clusters.push(cluster);
    for (let s = 0; s < 2; s++) {
      const sub = node(`${cluster.id}-sub-${s}`, 'cluster', cluster.id);
      subClusters.push(sub);
      for (let k = 0; k < 5; k++) schools.push(node(`${sub.id}-school-${k}`, 'school', sub.id));
    }
  }
  const allNodes = [trust, ...clusters, ...subClusters, ...schools];
  const tree = buildTree(trust.id, 1, allNodes);

  const permissions = permissionCatalogue
    .filter((def) => !def.requiresMfa)
    .slice(0, 40)
    .map((def) => def.code);
  if (permissions.length !== 40) throw new Error('the catalogue has fewer than 40 codes without 2FA');

  const roles: Role[] = Array.from({ length: 8 }, (_, r) => ({
    id: `role-${r}`,
    name: `Bench Role ${r}`,
    description: 'bench',
    scope: 'any',
    permissions: shuffle([...permissions], random).slice(0, 20),
    assignableRoles: [],
    builtIn: false,
    version: 1,
  }));

  const people: Person[] = Array.from({ length: 5_000 }, (_, i) => ({
    id: `person-${String(i).padStart(4, '0')}`,
    status: 'active',
    userType: 'staff',
    mfaEnabled: true,
    assignments: [],
    memberships: [],
    blocks: [],
    children: [],
  }));
  // Exactly 80 / 10 / 7 / 3 % of the 10,000 assignments per level, in seeded random order.
  const levels = shuffle(
    [
      ...Array<readonly OrgNode[]>(8_000).fill(schools),
      ...Array<readonly OrgNode[]>(1_000).fill(subClusters),
      ...Array<readonly OrgNode[]>(700).fill(clusters),
      ...Array<readonly OrgNode[]>(300).fill([trust]),
    ],
    random,
  );
  levels.forEach((level, i) => {
    const assignment: Assignment = { id: `a-${String(i).padStart(5, '0')}`, roleId: pick(roles).id, nodeId: pick(level).id };
    pick(people).assignments.push(assignment);
  });

  const checkPerson = new Uint16Array(checks);
  const checkPermission = new Uint8Array(checks);
  const checkNode = new Uint8Array(checks);
  for (let i = 0; i < checks; i++) {
    checkPerson[i] = Math.floor(random() * people.length);
    checkPermission[i] = Math.floor(random() * permissions.length);
    checkNode[i] = Math.floor(random() * allNodes.length);
  }
  return {
    tree,
    nodeIds: allNodes.map((n) => n.id),
    permissions,
    roles,
    roleMap: new Map(roles.map((role) => [role.id, role])),
    people,
    checkPerson,
    checkPermission,
    checkNode,
  };
}

/** Runs checks [0, count) into `answers` (1 = allowed) and returns how many were allowed. */
type Runner = (answers: Uint8Array, from: number, to: number) => number;

/** Warms up on the first checks, then returns the best of PASSES timed passes over [0, count). */
function measure(run: Runner, answers: Uint8Array, count: number): { checksPerSecond: number; allowed: number } {
  run(answers, 0, Math.min(WARM_UP, count));
  let best = Infinity;
  let allowed = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const start = performance.now();
    allowed = run(answers, 0, count);
    best = Math.min(best, performance.now() - start);
  }
  return { checksPerSecond: count / (best / 1000), allowed };
}

function timedMs<T>(fn: () => T): [number, T] {
  const start = performance.now();
  const value = fn();
  return [performance.now() - start, value];
}

async function timedMsAsync<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

/**
 * casbin, RBAC with domains: a domain is an org node. The hierarchy is
 * expanded into domain role links: an assignment of role R at node A becomes
 * `g, person, R, N` for A and every node N under A. A role's permissions are
 * the same in every domain, so each is one `p, R, *, permission` line (160
 * lines); writing them out per node instead would be 10,560 lines that
 * casbin scans on every check, so this is the faster, charitable model. The
 * cheap string comparison comes first in the matcher so the role-manager
 * look-up runs only for policy lines about the requested permission.
 */
const CASBIN_MODEL = `
[request_definition]
r = sub, dom, obj

[policy_definition]
p = sub, dom, obj

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && (p.dom == "*" || p.dom == r.dom) && g(r.sub, p.sub, r.dom)
`;

async function buildCasbin(w: AccessWorkload): Promise<Enforcer> {
  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL));
  const policies = w.roles.flatMap((role) => role.permissions.map((code) => [role.id, '*', code]));
  const links = new Map<string, string[]>();
  for (const person of w.people) {
    for (const assignment of person.assignments) {
      for (const nodeId of subtreeIds(w.tree, assignment.nodeId)) {
        // addGroupingPolicies refuses a whole batch that repeats an existing line, so de-duplicate first.
        links.set(`${person.id}\u0000${assignment.roleId}\u0000${nodeId}`, [person.id, assignment.roleId, nodeId]);
      }
    }
  }
  await enforcer.addPolicies(policies);
  await enforcer.addGroupingPolicies([...links.values()]);
  return enforcer;
}

/**
 * CASL, one ability per person, prebuilt. Each org node is its own subject
 * type, and an assignment becomes `can(rolePermissions, [its node and every
 * node under it])`, so `ability.can(permission, nodeId)` is an indexed look-up
 * by (subject type, action) with no conditions to evaluate. That is the
 * fastest idiomatic form; the alternative, one 'Node' subject type with
 * `{ nodeId: { $in: coveredNodes } }` conditions, answers the same but must
 * run a condition per candidate rule.
 */
function buildCaslAbility(person: Person, w: AccessWorkload): MongoAbility {
  const { can, build } = new AbilityBuilder<MongoAbility>(createMongoAbility);
  for (const assignment of person.assignments) {
    const role = w.roleMap.get(assignment.roleId);
    if (role) can(role.permissions, [...subtreeIds(w.tree, assignment.nodeId)]);
  }
  return build();
}

/**
 * The conditions form, measured too for reference: one 'Node' subject type,
 * an assignment becomes `can(rolePermissions, 'Node', { nodeId: { $in:
 * [its node and every node under it] } })`, asked with a prebuilt
 * `subject('Node', { nodeId })` per node.
 */
function buildCaslConditionsAbility(person: Person, w: AccessWorkload): MongoAbility {
  const { can, build } = new AbilityBuilder<MongoAbility>(createMongoAbility);
  for (const assignment of person.assignments) {
    const role = w.roleMap.get(assignment.roleId);
    if (role) can(role.permissions, 'Node', { nodeId: { $in: [...subtreeIds(w.tree, assignment.nodeId)] } });
  }
  return build();
}

export async function benchAccessEngine(): Promise<BenchResult[]> {
  const w = buildAccessWorkload();
  const { tree, roleMap, nodeIds, permissions, checkPerson, checkPermission, checkNode } = w;
  const now = new Date('2025-01-15T12:00:00Z');

  // The engine: one compiled person per person, like CASL's prebuilt abilities.
  const [engineBuildMs, compiled] = timedMs(() => w.people.map((person) => compilePerson(person, roleMap, tree)));
  const runEngine: Runner = (answers, from, to) => {
    let allowed = 0;
    for (let i = from; i < to; i++) {
      const ok = decide({
        tree,
        roles: roleMap,
        person: compiled[checkPerson[i]!] as CompiledPerson,
        permission: permissions[checkPermission[i]!]!,
        nodeId: nodeIds[checkNode[i]!]!,
        mfa: true,
        now,
      }).allowed;
      answers[i] = ok ? 1 : 0;
      if (ok) allowed++;
    }
    return allowed;
  };

  const [caslBuildMs, abilities] = timedMs(() => w.people.map((person) => buildCaslAbility(person, w)));
  const runCasl: Runner = (answers, from, to) => {
    let allowed = 0;
    for (let i = from; i < to; i++) {
      const ok = abilities[checkPerson[i]!]!.can(permissions[checkPermission[i]!]!, nodeIds[checkNode[i]!]!);
      answers[i] = ok ? 1 : 0;
      if (ok) allowed++;
    }
    return allowed;
  };

  const [caslConditionsBuildMs, conditionAbilities] = timedMs(() => w.people.map((person) => buildCaslConditionsAbility(person, w)));
  const nodeSubjects = nodeIds.map((nodeId) => subject('Node', { nodeId }));
  const runCaslConditions: Runner = (answers, from, to) => {
    let allowed = 0;
    for (let i = from; i < to; i++) {
      const ok = conditionAbilities[checkPerson[i]!]!.can(permissions[checkPermission[i]!]!, nodeSubjects[checkNode[i]!]!);
      answers[i] = ok ? 1 : 0;
      if (ok) allowed++;
    }
    return allowed;
  };

  const [casbinBuildMs, enforcer] = await timedMsAsync(() => buildCasbin(w));
  const personIds = w.people.map((person) => person.id);
  const runCasbin: Runner = (answers, from, to) => {
    let allowed = 0;
    for (let i = from; i < to; i++) {
      const ok = enforcer.enforceSync(personIds[checkPerson[i]!]!, nodeIds[checkNode[i]!]!, permissions[checkPermission[i]!]!);
      answers[i] = ok ? 1 : 0;
      if (ok) allowed++;
    }
    return allowed;
  };

  const total = checkPerson.length;
  const casbinCount = Math.min(CASBIN_CHECKS, total);
  const engineAnswers = new Uint8Array(total);
  const caslAnswers = new Uint8Array(total);
  const caslConditionsAnswers = new Uint8Array(total);
  const casbinAnswers = new Uint8Array(casbinCount);
  const engine = measure(runEngine, engineAnswers, total);
  const casl = measure(runCasl, caslAnswers, total);
  const caslConditions = measure(runCaslConditions, caslConditionsAnswers, total);
  const casbin = measure(runCasbin, casbinAnswers, casbinCount);

  const mismatches: string[] = [];
  for (let i = 0; i < total; i++) {
    const differs =
      engineAnswers[i] !== caslAnswers[i] ||
      engineAnswers[i] !== caslConditionsAnswers[i] ||
      (i < casbinCount && engineAnswers[i] !== casbinAnswers[i]);
    if (differs && mismatches.length < 10) {
      mismatches.push(
        `check ${i}: ${personIds[checkPerson[i]!]} ${permissions[checkPermission[i]!]} @ ${nodeIds[checkNode[i]!]}: ` +
          `engine=${engineAnswers[i]} casl=${caslAnswers[i]} casl-conditions=${caslConditionsAnswers[i]} casbin=${i < casbinCount ? casbinAnswers[i] : '-'}`,
      );
    }
  }
  if (mismatches.length > 0) throw new Error(`access engines disagree:\n${mismatches.join('\n')}`);

  const engineName = `access engine checks/s (${total.toLocaleString('en')} checks, ${Math.round((100 * engine.allowed) / total)} % allowed)`;
  const caslName = 'CASL checks/s (ability per person, subject type per node)';
  const caslConditionsName = "CASL checks/s (ability per person, 'Node' subject with $in conditions)";
  const casbinName = `casbin checks/s (RBAC with domains, first ${casbinCount.toLocaleString('en')} checks)`;
  const versus = (name: string, baseline: string, value: number): BenchResult => ({
    name,
    unit: 'checks/s',
    value: engine.checksPerSecond,
    baseline: { name: baseline, value },
    ratio: engine.checksPerSecond / value,
  });
  return [
    { name: engineName, unit: 'checks/s', value: engine.checksPerSecond },
    { name: caslName, unit: 'checks/s', value: casl.checksPerSecond },
    { name: caslConditionsName, unit: 'checks/s', value: caslConditions.checksPerSecond },
    { name: casbinName, unit: 'checks/s', value: casbin.checksPerSecond },
    versus('access engine vs CASL, subject type per node (target ≥ 5×)', 'CASL', casl.checksPerSecond),
    versus('access engine vs CASL, $in conditions (reference)', 'CASL conditions', caslConditions.checksPerSecond),
    versus('access engine vs casbin (target ≥ 200×)', 'casbin', casbin.checksPerSecond),
    { name: 'access engine build: compilePerson × 5,000', unit: 'ms', value: engineBuildMs },
    { name: 'CASL build: 5,000 abilities, subject type per node', unit: 'ms', value: caslBuildMs },
    { name: 'CASL build: 5,000 abilities, $in conditions', unit: 'ms', value: caslConditionsBuildMs },
    { name: 'casbin build: load policies and domain role links', unit: 'ms', value: casbinBuildMs },
    {
      name: `answers identical across engines (checks compared; casbin on the first ${casbinCount.toLocaleString('en')})`,
      unit: 'checks',
      value: total,
    },
  ];
}
