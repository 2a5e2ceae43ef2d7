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
 * What a compiled person answers at the nodes of one path, indexed by
 * catalogue index: the granting Decision, EXPIRED (held on the path but by no
 * valid assignment) or NO_GRANT. Built for one window of time (see
 * CompiledPerson).
 */
type AnswerTable = readonly Decision[];

const CATALOGUE_SIZE = permissionCatalogue.length;
/** requiresMfa by catalogue index (catalogueIndex and permissionByCode both come from permissionCatalogue). */
const REQUIRES_MFA: readonly boolean[] = permissionCatalogue.map((def) => def.requiresMfa);
/**
 * Parents-area permissions are about one's own children whoever holds them:
 * a staff account given such a permission (a Parent role, or a custom role)
 * still sees only pupils linked to it, never every pupil.
 */
const ABOUT_OWN_CHILDREN: readonly boolean[] = permissionCatalogue.map((def) => def.area === 'parents');
/**
 * A tree's nodes in preorder, following the parent pointers decide() walks,
 * so the subtree of the node at position p is the range [p, end[p]). The
 * positions are also cut into BUCKETS runs of about equal length, and a
 * node's slot is position * 32 + bucket: one look-up gives both.
 */
interface TreeLayout {
  readonly slots: ReadonlyMap<string, number>;
  readonly end: readonly number[];
  readonly bucket: readonly number[];
}

/** 30 buckets, so a set of them fits in a small integer on every platform. */
const BUCKETS = 30;

/** Per tree object (trees are never mutated in place); null when its parent pointers do not make a forest. */
const layouts = new WeakMap<OrgTree, TreeLayout | null>();

function layoutOf(tree: OrgTree): TreeLayout | null {
  let layout = layouts.get(tree);
  if (layout === undefined) {
    layout = buildLayout(tree);
    layouts.set(tree, layout);
  }
  return layout;
}

/**
 * null for a tree decide() must walk node by node: a parent cycle (its nodes
 * are reached from no root) or a node stored under another id than its own.
 */
function buildLayout(tree: OrgTree): TreeLayout | null {
  const kids = new Map<string, string[]>();
  const roots: string[] = [];
  for (const [id, node] of tree.nodes) {
    if (node.id !== id) return null;
    // The walk stops at a null parent and at a parent missing from the tree alike.
    if (node.parentId !== null && tree.nodes.has(node.parentId)) {
      const siblings = kids.get(node.parentId);
      if (siblings) siblings.push(id);
      else kids.set(node.parentId, [id]);
    } else roots.push(id);
  }
  // Depth first, a node before its children, so every subtree is one run.
  const order: string[] = [];
  for (const root of roots) {
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      order.push(id);
      const children = kids.get(id);
      if (children) for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  if (order.length !== tree.nodes.size) return null;
  const position = new Map(order.map((id, at) => [id, at]));
  // Subtree sizes, children before their parent.
  const size = order.map(() => 1);
  for (let at = order.length - 1; at >= 0; at--) {
    const { parentId } = tree.nodes.get(order[at]!)!;
    const parent = parentId === null ? undefined : position.get(parentId);
    if (parent !== undefined) size[parent]! += size[at]!;
  }
  const bucket = order.map((_, at) => Math.floor((at * BUCKETS) / order.length));
  return {
    slots: new Map(order.map((id, at) => [id, at * 32 + bucket[at]!])),
    end: size.map((count, at) => at + count),
    bucket,
  };
}

const NO_SLOTS: ReadonlyMap<string, number> = new Map();
const NO_SEGMENTS: Segments = Object.freeze([]);
/** Anchors 0-3 live in CompiledPerson's fields; with more, they are numbered from 4 and kept in arrays. */
const FIELD_ANCHORS = 4;

/**
 * For a person with more than four anchors, the anchor that answers in each
 * range of positions: pairs [start, anchor, start, anchor, ...] sorted by
 * start, the first starting at 0; a position takes the anchor of the last
 * start at or before it, -1 for none.
 */
type Segments = readonly number[];

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
  /** Catalogue indexes of those permissions (retired codes left out: they grant nothing). */
  readonly indexes: readonly number[];
  /** The answer this assignment gives when it is the one that grants, built once. */
  readonly granted: Decision;
}

/**
 * A person indexed for repeated decisions against one tree and one role map:
 * assignments by node (lowest id first, so the first valid one met at a node
 * is the tie-break winner), each with its role's permissions as a Set, and
 * blocks and child links as Sets.
 *
 * decide() on a compiled person answers from precomputed answers instead of
 * walking the path. Every node answers like the nearest node at or above it
 * that holds assignments of the person (its "anchor"), or grants nothing if
 * there is none. An anchor's answers (an AnswerTable, or a single answer and
 * the permissions that get it) are worked out the first time a question lands
 * in its subtree. A subtree is one run of preorder positions (see
 * TreeLayout), so finding the anchor is a range test: the ranges of up to
 * four anchors (most people have no more) live in the object itself, in
 * descending order of start, so the first range holding a position is the
 * nearest anchor; a person with more keeps a sorted list of ranges
 * (Segments). Before any range, a set of buckets of positions (#cover) rules
 * out most nodes no assignment covers. A repeated question costs one shared
 * Map look-up (two when an assignment covers the node) and a few comparisons,
 * with no allocation; memory stays O(assignments) per person.
 *
 * Validity changes only at the assignments' bounds, so the answers hold for
 * the window [latest bound <= now, earliest bound > now) they were worked out
 * in; a question at a `now` outside it drops them and starts a new window.
 * The tree and the role map must not be mutated in place (compiledFor
 * already relies on that: it reuses a compiled person for the same objects).
 */
export class CompiledPerson {
  // The fields decide() reads on every question come first, so they share
  // cache lines; then each anchor's range beside its answers.
  readonly roles: ReadonlyMap<string, Role>;
  readonly tree: OrgTree;
  /** The tree's slots (see TreeLayout) once an active person is prepared (never for a tree with no layout). */
  #slots: ReadonlyMap<string, number> = NO_SLOTS;
  /** The buckets that hold a position under some anchor: most nodes no assignment covers are ruled out here. */
  #cover = 0;
  /** More than four anchors: the segments say which one answers. */
  #overflow = false;
  /** No assignment has a finite bound: validity never changes, so neither do the tables. */
  readonly #timeless: boolean;
  // Anchors 0-3, each as a position range [start, start + size) (size 0 when
  // unused; with more than four anchors, range 0 covers the whole tree and
  // sends every question to the segments) followed by its answers in the
  // current window when they are a single answer besides no_grant, as most
  // are (one assignment on the path): #single is that answer and #low/#high
  // the catalogue indexes that get it, as bits 0-31 and 32-63, so answering
  // needs no table. #single is undefined when the table is not built yet in
  // this window, or is not like that.
  #start0 = 0;
  #size0 = 0;
  #single0: Decision | undefined = undefined;
  #low0 = 0;
  #high0 = 0;
  #start1 = 0;
  #size1 = 0;
  #single1: Decision | undefined = undefined;
  #low1 = 0;
  #high1 = 0;
  #start2 = 0;
  #size2 = 0;
  #single2: Decision | undefined = undefined;
  #low2 = 0;
  #high2 = 0;
  #start3 = 0;
  #size3 = 0;
  #single3: Decision | undefined = undefined;
  #low3 = 0;
  #high3 = 0;
  /** The tables of anchors 0-3 with more than a single answer, undefined until built in the current window. */
  #table0: AnswerTable | undefined = undefined;
  #table1: AnswerTable | undefined = undefined;
  #table2: AnswerTable | undefined = undefined;
  #table3: AnswerTable | undefined = undefined;
  /** The window [#from, #until) the tables hold in; empty until the first decision. */
  #from = Infinity;
  #until = -Infinity;
  /** undefined until prepared; null when the tree has no layout (decide() then walks). */
  #segments: Segments | null | undefined = undefined;
  readonly active: boolean;
  readonly isParent: boolean;
  readonly blocked: ReadonlySet<string>;
  /** Linked pupils, each with the schools it is linked at (see linkedOnBranch). */
  readonly children: ReadonlyMap<string, readonly string[]>;
  readonly byNode: ReadonlyMap<string, readonly CompiledAssignment[]>;
  readonly all: readonly CompiledAssignment[];
  readonly person: Person;
  /** Every finite validFrom/validUntil of the compiled assignments: validity changes at these instants only. */
  readonly #bounds: readonly number[];
  /** The anchors' node ids in descending order of position: anchors 0-3, or FIELD_ANCHORS + i with more. */
  #anchors: readonly string[] = [];
  /** With more than four anchors: the tables built in the current window, by anchor number - FIELD_ANCHORS. */
  #anchorTables: (AnswerTable | undefined)[] = [];

  constructor(person: Person, roles: ReadonlyMap<string, Role>, tree: OrgTree) {
    this.roles = roles;
    this.tree = tree;
    this.active = person.status === 'active';
    this.isParent = person.userType === 'parent';
    this.blocked = new Set(person.blocks.map((block) => block.subjectId));
    const children = new Map<string, string[]>();
    for (const link of person.children) {
      const schools = children.get(link.subjectId);
      if (schools) schools.push(link.schoolId);
      else children.set(link.subjectId, [link.schoolId]);
    }
    this.children = children;
    this.person = person;
    const roleSets = new Map<string, { permissions: ReadonlySet<string>; indexes: readonly number[] }>();
    const byNode = new Map<string, CompiledAssignment[]>();
    const all: CompiledAssignment[] = [];
    const bounds: number[] = [];
    const sorted = [...person.assignments].sort((a, b) => compareIds(a.id, b.id));
    for (const assignment of sorted) {
      // Assignments at nodes outside this tree (another trust, a deleted node) can never lie on a path.
      if (!tree.nodes.has(assignment.nodeId)) continue;
      let role = roleSets.get(assignment.roleId);
      if (!role) {
        // A role that no longer exists grants nothing.
        const permissions = new Set(roles.get(assignment.roleId)?.permissions ?? []);
        const indexes: number[] = [];
        for (const code of permissions) {
          const index = catalogueIndex.get(code);
          if (index !== undefined) indexes.push(index);
        }
        role = { permissions, indexes };
        roleSets.set(assignment.roleId, role);
      }
      const from = assignment.validFrom === undefined ? -Infinity : Date.parse(assignment.validFrom);
      const until = assignment.validUntil === undefined ? Infinity : Date.parse(assignment.validUntil);
      // NaN (never valid) and ±Infinity (no bound) never change validity.
      if (Number.isFinite(from)) bounds.push(from);
      if (Number.isFinite(until)) bounds.push(until);
      const compiled: CompiledAssignment = {
        assignment,
        from,
        until,
        permissions: role.permissions,
        indexes: role.indexes,
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
    this.#bounds = bounds;
    this.#timeless = bounds.length === 0;
  }

  static {
    answerCompiled = (person, permission, nodeId, subjectId, mfa, now) => {
      const slot = person.#slots.get(nodeId);
      // The common question: about no subject, to a prepared active person.
      // Then nothing comes before the grants, so where no assignment lies on
      // the path the answer is no_grant, whatever the permission (an unknown
      // one is no_grant too) and whenever it is asked.
      if (slot !== undefined && subjectId === undefined) {
        if ((person.#cover & (1 << (slot & 31))) === 0) return NO_GRANT;
        const position = slot >>> 5;
        const anchor = person.#anchorAt(position);
        if (anchor < 0) return NO_GRANT;
        const index = catalogueIndex.get(permission);
        if (index === undefined) return NO_GRANT;
        return person.#answer(anchor, position, index, permission, nodeId, subjectId, mfa, now);
      }
      return person.#decideInOrder(permission, nodeId, subjectId, mfa, now);
    };
  }

  /** The first of ranges 0-3 holding the position, -1 for none; (position - start) >>> 0 < size tests both ends at once. */
  #anchorAt(position: number): number {
    return (position - this.#start0) >>> 0 < this.#size0
      ? 0
      : (position - this.#start1) >>> 0 < this.#size1
        ? 1
        : (position - this.#start2) >>> 0 < this.#size2
          ? 2
          : (position - this.#start3) >>> 0 < this.#size3
            ? 3
            : -1;
  }

  /** decide() check by check, in its order, for the questions the common path leaves. */
  #decideInOrder(permission: string, nodeId: string, subjectId: string | undefined, mfa: boolean, now: Date): Decision {
    if (!this.active) return INACTIVE;
    if (this.#segments === undefined) this.#prepare();
    if (this.#segments === null) return walkDecide(this, permission, nodeId, subjectId, mfa, now);
    const slot = this.#slots.get(nodeId);
    const index = catalogueIndex.get(permission);
    if (slot === undefined || index === undefined) return NO_GRANT;
    if (subjectId !== undefined && this.blocked.has(subjectId)) return BLOCKED;
    const position = slot >>> 5;
    const anchor = this.#anchorAt(position);
    if (anchor < 0) return NO_GRANT;
    return this.#answer(anchor, position, index, permission, nodeId, subjectId, mfa, now);
  }

  /** The rest of decide() once an anchor range holds the position: the grant, then not_linked, then mfa_required. */
  #answer(
    anchor: number,
    position: number,
    index: number,
    permission: string,
    nodeId: string,
    subjectId: string | undefined,
    mfa: boolean,
    now: Date,
  ): Decision {
    if (this.#overflow) {
      anchor = CompiledPerson.#segmentAnchor(this.#segments!, position);
      if (anchor < 0) return NO_GRANT;
    }
    const at = now.getTime();
    if (this.#timeless ? at !== at : !(at >= this.#from && at < this.#until)) {
      // An invalid date lies in no window: answer it by walking (nothing is valid at NaN).
      if (at !== at) return walkDecide(this, permission, nodeId, subjectId, mfa, at);
      this.#enter(at);
    }
    const found = this.#lookup(anchor, index, at);
    // Without a subject only the 2FA rule can follow a grant.
    if (subjectId === undefined) return REQUIRES_MFA[index] && !mfa && found.allowed ? MFA_REQUIRED : found;
    if (!found.allowed) return found;
    if ((this.isParent || ABOUT_OWN_CHILDREN[index]) && !linkedOnBranch(this, subjectId, nodeId)) return NOT_LINKED;
    if (REQUIRES_MFA[index] && !mfa) return MFA_REQUIRED;
    return found;
  }

  /** Places the anchors, on the first decision; leaves the segments null when the tree has no layout. */
  #prepare(): void {
    const layout = layoutOf(this.tree);
    if (layout === null) {
      this.#segments = null;
      return;
    }
    const anchors = [...this.byNode.keys()]
      .map((id) => {
        const start = layout.slots.get(id)! >>> 5;
        return { id, start, end: layout.end[start]! };
      })
      .sort((a, b) => b.start - a.start);
    this.#anchors = anchors.map((anchor) => anchor.id);
    this.#slots = layout.slots;
    for (const { start, end } of anchors) {
      for (let bucket = layout.bucket[start]!; bucket <= layout.bucket[end - 1]!; bucket++) this.#cover |= 1 << bucket;
    }
    if (anchors.length <= FIELD_ANCHORS) {
      const [a0, a1, a2, a3] = anchors;
      if (a0) [this.#start0, this.#size0] = [a0.start, a0.end - a0.start];
      if (a1) [this.#start1, this.#size1] = [a1.start, a1.end - a1.start];
      if (a2) [this.#start2, this.#size2] = [a2.start, a2.end - a2.start];
      if (a3) [this.#start3, this.#size3] = [a3.start, a3.end - a3.start];
      this.#segments = NO_SEGMENTS;
      return;
    }

    // Subtrees nest or are disjoint, so, in ascending order of start, a stack
    // of the open ones gives the nearest anchor of every range.
    const segments: number[] = [];
    const mark = (start: number, anchor: number) => {
      const last = segments.length - 2;
      if (last >= 0 && segments[last] === start) segments[last + 1] = anchor;
      else if (last < 0 || segments[last + 1] !== anchor) segments.push(start, anchor);
    };
    mark(0, -1);
    const open: number[] = [];
    const close = (upTo: number) => {
      while (open.length > 0 && anchors[open.at(-1)!]!.end <= upTo) {
        const closed = anchors[open.pop()!]!;
        mark(closed.end, open.length > 0 ? FIELD_ANCHORS + open.at(-1)! : -1);
      }
    };
    for (let i = anchors.length - 1; i >= 0; i--) {
      close(anchors[i]!.start);
      mark(anchors[i]!.start, FIELD_ANCHORS + i);
      open.push(i);
    }
    close(Infinity);
    this.#segments = segments;
    this.#overflow = true;
    [this.#start0, this.#size0] = [0, layout.end.length];
  }

  /** With more than four anchors: the anchor of a position (-1: none), from the last segment starting at or before it. */
  static #segmentAnchor(segments: Segments, position: number): number {
    let low = 0;
    let high = (segments.length >> 1) - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (segments[mid << 1]! <= position) low = mid;
      else high = mid - 1;
    }
    return segments[(low << 1) + 1]!;
  }

  /** Drops the tables and makes [latest bound <= at, earliest bound > at) the current window. */
  #enter(at: number): void {
    let from = -Infinity;
    let until = Infinity;
    for (const bound of this.#bounds) {
      if (bound <= at) {
        if (bound > from) from = bound;
      } else if (bound < until) until = bound;
    }
    this.#from = from;
    this.#until = until;
    this.#table0 = this.#table1 = this.#table2 = this.#table3 = undefined;
    this.#single0 = this.#single1 = this.#single2 = this.#single3 = undefined;
    this.#anchorTables = [];
  }

  /** An anchor's answer about one permission in the current window. */
  #lookup(anchor: number, index: number, at: number): Decision {
    let single: Decision | undefined;
    let bits = 0;
    // `>>>` shifts by the count modulo 32, so index and index - 32 both pick the right bit.
    if (anchor === 0) {
      single = this.#single0;
      bits = index < 32 ? this.#low0 : this.#high0;
    } else if (anchor === 1) {
      single = this.#single1;
      bits = index < 32 ? this.#low1 : this.#high1;
    } else if (anchor === 2) {
      single = this.#single2;
      bits = index < 32 ? this.#low2 : this.#high2;
    } else if (anchor === 3) {
      single = this.#single3;
      bits = index < 32 ? this.#low3 : this.#high3;
    }
    if (single !== undefined) return ((bits >>> index) & 1) !== 0 ? single : NO_GRANT;
    return this.#table(anchor, at)[index]!;
  }

  /** The table of an anchor in the current window, built on first use (anchors 0-3 keep it only if #single cannot stand for it). */
  #table(anchor: number, at: number): AnswerTable {
    const cached =
      anchor === 0
        ? this.#table0
        : anchor === 1
          ? this.#table1
          : anchor === 2
            ? this.#table2
            : anchor === 3
              ? this.#table3
              : this.#anchorTables[anchor - FIELD_ANCHORS];
    if (cached !== undefined) return cached;
    const table = this.#build(this.#anchors[anchor < FIELD_ANCHORS ? anchor : anchor - FIELD_ANCHORS]!, at);
    if (anchor >= FIELD_ANCHORS) {
      this.#anchorTables[anchor - FIELD_ANCHORS] = table;
      return table;
    }
    // Whether the table is a single answer besides no_grant, and where.
    let single: Decision | undefined = NO_GRANT;
    let low = 0;
    let high = 0;
    for (let index = 0; index < table.length; index++) {
      const answer = table[index]!;
      if (answer === NO_GRANT) continue;
      if (single === NO_GRANT) single = answer;
      if (answer !== single || index >= 64) {
        single = undefined;
        break;
      }
      if (index < 32) low |= 1 << index;
      else high |= 1 << (index - 32);
    }
    // A single answer replaces the table, which is kept only when it is needed.
    const kept = single === undefined ? table : undefined;
    if (anchor === 0) [this.#table0, this.#single0, this.#low0, this.#high0] = [kept, single, low, high];
    else if (anchor === 1) [this.#table1, this.#single1, this.#low1, this.#high1] = [kept, single, low, high];
    else if (anchor === 2) [this.#table2, this.#single2, this.#low2, this.#high2] = [kept, single, low, high];
    else [this.#table3, this.#single3, this.#low3, this.#high3] = [kept, single, low, high];
    return table;
  }

  /**
   * The walk decide() would do, for every permission at once: nearest node
   * first, lowest assignment id first within a node; the first valid
   * assignment carrying a code grants it, and a code carried only by
   * assignments that are not valid is expired.
   */
  #build(nodeId: string, at: number): AnswerTable {
    const { tree } = this;
    const table = new Array<Decision>(CATALOGUE_SIZE).fill(NO_GRANT);
    let node = tree.nodes.get(nodeId);
    let steps = tree.nodes.size;
    while (node && steps-- > 0) {
      const here = this.byNode.get(node.id);
      if (here) {
        for (const assignment of here) {
          const valid = isValidAt(assignment, at);
          for (const index of assignment.indexes) {
            if (valid) {
              if (!table[index]!.allowed) table[index] = assignment.granted;
            } else if (table[index] === NO_GRANT) table[index] = EXPIRED;
          }
        }
      }
      node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
    }
    return table;
  }
}

/**
 * A parent's link to a pupil names the school it was made at, and counts only
 * on that school's branch: at the school, at a node above it (a cluster or the
 * trust asking about its pupil), or at a node below it. A parent who also holds
 * the Parent role at another school, where nobody linked them to the pupil,
 * must not read the pupil's records there (issue 7). A link naming a school
 * that is no longer in the tree counts nowhere.
 */
function linkedOnBranch(person: CompiledPerson, subjectId: string, nodeId: string): boolean {
  const schools = person.children.get(subjectId);
  if (schools === undefined) return false;
  const { tree } = person;
  for (const schoolId of schools) {
    if (tree.nodes.has(schoolId) && (isAtOrAbove(tree, nodeId, schoolId) || isAtOrAbove(tree, schoolId, nodeId))) return true;
  }
  return false;
}

/** Whether `ancestorId` is `nodeId` or on its way up; the step bound stands in for a cycle guard. */
function isAtOrAbove(tree: OrgTree, ancestorId: string, nodeId: string): boolean {
  let node = tree.nodes.get(nodeId);
  let steps = tree.nodes.size;
  while (node && steps-- > 0) {
    if (node.id === ancestorId) return true;
    node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
  }
  return false;
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
  const { person } = input;
  if (person instanceof CompiledPerson && person.roles === input.roles && person.tree === input.tree) {
    return answerCompiled(person, input.permission, input.nodeId, input.subjectId, input.mfa, input.now);
  }
  // A one-off question: walk the path rather than build tables nobody will reuse.
  return walkDecide(compiledFor(person, input.roles, input.tree), input.permission, input.nodeId, input.subjectId, input.mfa, input.now);
}

/**
 * decide() without the tables: walks parent pointers and does Map/Set
 * look-ups only, O(depth × assignments on the path). `now` is a Date or,
 * once taken from one, its time (the table path hands over an invalid one).
 */
function walkDecide(
  person: CompiledPerson,
  permission: string,
  nodeId: string,
  subjectId: string | undefined,
  mfa: boolean,
  now: Date | number,
): Decision {
  const { tree } = person;
  if (!person.active) return INACTIVE;
  const def = permissionByCode.get(permission);
  let node = tree.nodes.get(nodeId);
  if (!node || !def) return NO_GRANT;
  if (subjectId !== undefined && person.blocked.has(subjectId)) return BLOCKED;

  const at = typeof now === 'number' ? now : now.getTime();
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
  if ((person.isParent || def.area === 'parents') && subjectId !== undefined && !linkedOnBranch(person, subjectId, nodeId)) return NOT_LINKED;
  if (def.requiresMfa && !mfa) return MFA_REQUIRED;
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
