import type { AccountStatus, UserType } from '../identity/account';
import { listNodes, subtreeIds, type OrgTree } from '../org/tree';
import { catalogueIndex, permissionByCode, permissionCatalogue } from './permissions';
import type { Role } from './roles';

/** ISO times; valid iff (!validFrom || validFrom <= now) && (!validUntil || now < validUntil). */
export interface Assignment {
  id: string;
  roleId: string;
  nodeId: string;
  validFrom?: string;
  validUntil?: string;
}

export interface Membership {
  nodeId: string;
  jobTitle?: string;
  primary: boolean;
  isManager: boolean;
}

export interface Block {
  subjectId: string;
  schoolId: string;
  reason?: string;
}

export interface ChildLink {
  subjectId: string;
  schoolId: string;
}

/** Everything a decision about one person needs, as one Query loads it. */
export interface Person {
  id: string;
  status: AccountStatus;
  userType: UserType;
  mfaEnabled: boolean;
  assignments: Assignment[];
  memberships: Membership[];
  blocks: Block[];
  children: ChildLink[];
}

export type Reason = 'granted' | 'no_grant' | 'expired' | 'blocked' | 'mfa_required' | 'inactive' | 'not_linked';

export interface Via {
  readonly assignmentId: string;
  readonly roleId: string;
  readonly nodeId: string;
}

/** Decisions may be shared, frozen objects: treat them as read-only. */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: Reason;
  readonly via?: Via;
}

const deny = (reason: Exclude<Reason, 'granted'>): Decision => Object.freeze({ allowed: false, reason });
const INACTIVE = deny('inactive');
const NO_GRANT = deny('no_grant');
const EXPIRED = deny('expired');
const BLOCKED = deny('blocked');
const NOT_LINKED = deny('not_linked');
const MFA_REQUIRED = deny('mfa_required');

/**
 * The answer table of one node for one compiled person, indexed by catalogue
 * index: the granting Decision, EXPIRED (held on the path but by no valid
 * assignment) or NO_GRANT. It holds for every instant of the window the
 * person's tables were built in (see CompiledPerson).
 */
type AnswerTable = readonly Decision[];

const CATALOGUE_SIZE = permissionCatalogue.length;
/** requiresMfa by catalogue index (catalogueIndex and permissionByCode both come from permissionCatalogue). */
const REQUIRES_MFA: readonly boolean[] = permissionCatalogue.map((def) => def.requiresMfa);
/** The table of every node with no assignment of the person on its path: shared, never written. */
const NOTHING_HELD: AnswerTable = Object.freeze(new Array<Decision>(CATALOGUE_SIZE).fill(NO_GRANT));

/** decide() on a person compiled against the very tree and roles asked about; set in CompiledPerson's static block. */
let answerCompiled: (
  person: CompiledPerson,
  permission: string,
  nodeId: string,
  subjectId: string | undefined,
  mfa: boolean,
  now: Date,
) => Decision;

interface CompiledAssignment {
  readonly assignment: Assignment;
  /**
   * Window bounds in epoch ms. A bound that does not parse becomes NaN, and
   * every comparison with NaN is false, so a malformed window grants nothing
   * (fail closed) instead of granting for ever.
   */
  readonly from: number;
  readonly until: number;
  readonly permissions: ReadonlySet<string>;
  /** The answer this assignment gives when it is the one that grants, built once. */
  readonly granted: Decision;
}

/**
 * A person indexed for repeated decisions against one tree and one role map:
 * assignments by node (lowest id first, so the first valid one met at a node
 * is the tie-break winner), each with its role's permissions as a Set, and
 * blocks and child links as Sets. decide() on a compiled person walks parent
 * pointers and does Map/Set look-ups only: O(depth × assignments on the path),
 * no allocation.
 */
export class CompiledPerson {
  readonly active: boolean;
  readonly isParent: boolean;
  readonly byNode: ReadonlyMap<string, readonly CompiledAssignment[]>;
  readonly all: readonly CompiledAssignment[];
  readonly blocked: ReadonlySet<string>;
  readonly children: ReadonlySet<string>;

  constructor(
    readonly person: Person,
    readonly roles: ReadonlyMap<string, Role>,
    readonly tree: OrgTree,
  ) {
    this.active = person.status === 'active';
    this.isParent = person.userType === 'parent';
    this.blocked = new Set(person.blocks.map((block) => block.subjectId));
    this.children = new Set(person.children.map((link) => link.subjectId));
    const roleSets = new Map<string, ReadonlySet<string>>();
    const byNode = new Map<string, CompiledAssignment[]>();
    const all: CompiledAssignment[] = [];
    const sorted = [...person.assignments].sort((a, b) => compareIds(a.id, b.id));
    for (const assignment of sorted) {
      // Assignments at nodes outside this tree (another trust, a deleted node) can never lie on a path.
      if (!tree.nodes.has(assignment.nodeId)) continue;
      let permissions = roleSets.get(assignment.roleId);
      if (!permissions) {
        // A role that no longer exists grants nothing.
        permissions = new Set(roles.get(assignment.roleId)?.permissions ?? []);
        roleSets.set(assignment.roleId, permissions);
      }
      const compiled: CompiledAssignment = {
        assignment,
        from: assignment.validFrom === undefined ? -Infinity : Date.parse(assignment.validFrom),
        until: assignment.validUntil === undefined ? Infinity : Date.parse(assignment.validUntil),
        permissions,
        granted: Object.freeze({
          allowed: true,
          reason: 'granted' as const,
          via: Object.freeze({ assignmentId: assignment.id, roleId: assignment.roleId, nodeId: assignment.nodeId }),
        }),
      };
      all.push(compiled);
      const here = byNode.get(assignment.nodeId);
      if (here) here.push(compiled);
      else byNode.set(assignment.nodeId, [compiled]);
    }
    this.byNode = byNode;
    this.all = all;
  }
}

/** "Lowest assignment id" means code-unit order, the same on every machine and locale. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isValidAt(assignment: CompiledAssignment, at: number): boolean {
  return assignment.from <= at && at < assignment.until;
}

export function compilePerson(person: Person, roles: ReadonlyMap<string, Role>, tree: OrgTree): CompiledPerson {
  return new CompiledPerson(person, roles, tree);
}

/**
 * Reuses a compiled person only if it was compiled against the very same
 * tree and role map objects; anything else is recompiled, so a stale index can
 * never answer for a changed tree or role.
 */
export function compiledFor(person: Person | CompiledPerson, roles: ReadonlyMap<string, Role>, tree: OrgTree): CompiledPerson {
  if (person instanceof CompiledPerson) {
    return person.roles === roles && person.tree === tree ? person : compilePerson(person.person, roles, tree);
  }
  return compilePerson(person, roles, tree);
}

export interface DecideInput {
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  /** Pass a CompiledPerson (compilePerson) when asking many questions about one person. */
  person: Person | CompiledPerson;
  permission: string;
  nodeId: string;
  subjectId?: string;
  /** Whether this session passed 2FA. */
  mfa: boolean;
  now: Date;
}

/**
 * One access question, answered with a reason. The order of the checks is
 * the contract: an inactive account is refused before anything else; a
 * block on the subject beats every grant; only then do grants count, nearest
 * valid one first.
 */
export function decide(input: DecideInput): Decision {
  const { tree, permission, subjectId } = input;
  const person = compiledFor(input.person, input.roles, tree);
  if (!person.active) return INACTIVE;
  const def = permissionByCode.get(permission);
  let node = tree.nodes.get(input.nodeId);
  if (!node || !def) return NO_GRANT;
  if (subjectId !== undefined && person.blocked.has(subjectId)) return BLOCKED;

  const at = input.now.getTime();
  let held = false;
  let found: CompiledAssignment | undefined;
  // Walks parent pointers instead of pathToRoot to avoid allocating the path;
  // the step bound stands in for pathToRoot's cycle guard.
  let steps = tree.nodes.size;
  walk: while (node && steps-- > 0) {
    const here = person.byNode.get(node.id);
    if (here) {
      for (const assignment of here) {
        if (!assignment.permissions.has(permission)) continue;
        held = true;
        if (isValidAt(assignment, at)) {
          found = assignment;
          break walk;
        }
      }
    }
    node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
  }
  if (!found) return held ? EXPIRED : NO_GRANT;
  if (person.isParent && subjectId !== undefined && !person.children.has(subjectId)) return NOT_LINKED;
  if (def.requiresMfa && !input.mfa) return MFA_REQUIRED;
  return found.granted;
}

export interface EffectivePermissions {
  /** Codes usable now, in catalogue order. */
  permissions: string[];
  /** Codes held but needing a session that passed 2FA (empty when mfa is true). */
  withheldForMfa: string[];
}

function byCatalogue(a: string, b: string): number {
  return (catalogueIndex.get(a) ?? Infinity) - (catalogueIndex.get(b) ?? Infinity);
}

function splitForMfa(codes: Iterable<string>, mfa: boolean): EffectivePermissions {
  const permissions: string[] = [];
  const withheldForMfa: string[] = [];
  for (const code of codes) {
    const def = permissionByCode.get(code);
    if (!def) continue; // a retired code grants nothing
    if (def.requiresMfa && !mfa) withheldForMfa.push(code);
    else permissions.push(code);
  }
  return { permissions: permissions.sort(byCatalogue), withheldForMfa: withheldForMfa.sort(byCatalogue) };
}

/**
 * What the person may do at a node, ignoring subject-level rules (blocks and
 * parent–child links apply per pupil, so they cannot be listed per node).
 */
export function effectivePermissions(input: {
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  person: Person | CompiledPerson;
  nodeId: string;
  mfa: boolean;
  now: Date;
}): EffectivePermissions {
  const { tree } = input;
  const person = compiledFor(input.person, input.roles, tree);
  if (!person.active || !tree.nodes.has(input.nodeId)) return { permissions: [], withheldForMfa: [] };
  const at = input.now.getTime();
  const codes = new Set<string>();
  let node = tree.nodes.get(input.nodeId);
  let steps = tree.nodes.size;
  while (node && steps-- > 0) {
    for (const assignment of person.byNode.get(node.id) ?? []) {
      if (isValidAt(assignment, at)) for (const code of assignment.permissions) codes.add(code);
    }
    node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
  }
  return splitForMfa(codes, input.mfa);
}

export interface AccessReportAssignment {
  assignmentId: string;
  roleId: string;
  roleName: string | null;
  nodeId: string;
  validFrom?: string;
  validUntil?: string;
  /** The nodes this assignment covers: its node and everything under it, parents first. */
  nodes: string[];
  permissions: string[];
  withheldForMfa: string[];
}

export interface AccessReportPermission {
  code: string;
  /** The assignment decide() would name for this code at this node. */
  via: Via;
}

export interface AccessReportNode {
  nodeId: string;
  permissions: AccessReportPermission[];
  withheldForMfa: AccessReportPermission[];
}

export interface AccessReport {
  active: boolean;
  /** Valid assignments only, in tree order. */
  assignments: AccessReportAssignment[];
  /** Every node where the person holds something, in tree order. */
  nodes: AccessReportNode[];
}

/**
 * GET /users/{id}/access: every effective permission, per assignment and per
 * node, with the assignment it comes from. An admin usually reads someone
 * else's access outside any session of theirs, so `mfa` defaults to the
 * person's own `mfaEnabled`: what they can use once they sign in with their
 * second factor. An inactive person has no effective access, so the report is
 * empty and says so.
 */
export function accessReport(input: {
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  person: Person | CompiledPerson;
  mfa?: boolean;
  now: Date;
}): AccessReport {
  const { tree, roles } = input;
  const person = compiledFor(input.person, roles, tree);
  const mfa = input.mfa ?? person.person.mfaEnabled;
  if (!person.active) return { active: false, assignments: [], nodes: [] };
  const at = input.now.getTime();
  const order = new Map(listNodes(tree).map((node, i) => [node.id, i]));
  const position = (id: string) => order.get(id) ?? Infinity;
  const valid = person.all.filter((assignment) => isValidAt(assignment, at));

  const assignments = valid
    .map(({ assignment, permissions }): AccessReportAssignment => {
      const split = splitForMfa(permissions, mfa);
      return {
        assignmentId: assignment.id,
        roleId: assignment.roleId,
        roleName: roles.get(assignment.roleId)?.name ?? null,
        nodeId: assignment.nodeId,
        ...(assignment.validFrom !== undefined ? { validFrom: assignment.validFrom } : {}),
        ...(assignment.validUntil !== undefined ? { validUntil: assignment.validUntil } : {}),
        nodes: [...subtreeIds(tree, assignment.nodeId)].sort((a, b) => position(a) - position(b)),
        ...split,
      };
    })
    .sort((a, b) => position(a.nodeId) - position(b.nodeId) || compareIds(a.assignmentId, b.assignmentId));

  const covered = new Set(assignments.flatMap((entry) => entry.nodes));
  const nodes: AccessReportNode[] = [...covered]
    .sort((a, b) => position(a) - position(b))
    .map((nodeId) => {
      // Nearest assignment first, lowest id within a node: the same `via` decide() names.
      const nearest = new Map<string, Via>();
      let node = tree.nodes.get(nodeId);
      let steps = tree.nodes.size;
      while (node && steps-- > 0) {
        for (const assignment of person.byNode.get(node.id) ?? []) {
          if (!isValidAt(assignment, at)) continue;
          for (const code of assignment.permissions) {
            if (!nearest.has(code)) nearest.set(code, assignment.granted.via!);
          }
        }
        node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
      }
      const split = splitForMfa(nearest.keys(), mfa);
      const withVia = (code: string): AccessReportPermission => ({ code, via: nearest.get(code)! });
      return { nodeId, permissions: split.permissions.map(withVia), withheldForMfa: split.withheldForMfa.map(withVia) };
    })
    .filter((entry) => entry.permissions.length > 0 || entry.withheldForMfa.length > 0);

  return { active: true, assignments, nodes };
}
