import type { OrgTree } from '../org/tree';
import { buildAnswerTable, compileAssignments, segmentAnchor, singleAnswerOf, type AnswerTable, type CompiledAssignment, type Segments } from './answer-table';
import { BLOCKED, INACTIVE, MFA_REQUIRED, NO_GRANT, NOT_LINKED, type Decision, type Person } from './model';
import { catalogueIndex, permissionCatalogue } from './permissions';
import type { Role } from './roles';
import { layoutOf } from './tree-layout';
import { linkedOnBranch, walkDecide } from './walk';

export type { AnswerTable, CompiledAssignment } from './answer-table';
/** requiresMfa by catalogue index (catalogueIndex and permissionByCode both come from permissionCatalogue). */
const REQUIRES_MFA: readonly boolean[] = permissionCatalogue.map((def) => def.requiresMfa);
/**
 * Parents-area permissions are about one's own children whoever holds them:
 * a staff account given such a permission (a Parent role, or a custom role)
 * still sees only pupils linked to it, never every pupil.
 */
const ABOUT_OWN_CHILDREN: readonly boolean[] = permissionCatalogue.map((def) => def.area === 'parents');
const NO_SLOTS: ReadonlyMap<string, number> = new Map();
const NO_SEGMENTS: Segments = Object.freeze([]);
/** Anchors 0-3 live in CompiledPerson's fields; with more, they are numbered from 4 and kept in arrays. */
const FIELD_ANCHORS = 4;


/** decide() on a person compiled against the very tree and roles asked about; set in CompiledPerson's static block. */
let answerCompiled: (
  person: CompiledPerson,
  permission: string,
  nodeId: string,
  subjectId: string | undefined,
  mfa: boolean,
  now: Date,
) => Decision;


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
    const { byNode, all, bounds } = compileAssignments(person, roles, tree);
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
      anchor = segmentAnchor(this.#segments!, position);
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
    const table = buildAnswerTable(this.tree, this.byNode, this.#anchors[anchor < FIELD_ANCHORS ? anchor : anchor - FIELD_ANCHORS]!, at);
    if (anchor >= FIELD_ANCHORS) {
      this.#anchorTables[anchor - FIELD_ANCHORS] = table;
      return table;
    }
    const { single, low, high } = singleAnswerOf(table);
    // A single answer replaces the table, which is kept only when it is needed.
    const kept = single === undefined ? table : undefined;
    if (anchor === 0) [this.#table0, this.#single0, this.#low0, this.#high0] = [kept, single, low, high];
    else if (anchor === 1) [this.#table1, this.#single1, this.#low1, this.#high1] = [kept, single, low, high];
    else if (anchor === 2) [this.#table2, this.#single2, this.#low2, this.#high2] = [kept, single, low, high];
    else [this.#table3, this.#single3, this.#low3, this.#high3] = [kept, single, low, high];
    return table;
  }
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

/** decide() on a person compiled against the very tree and roles asked about: the table path. */
export function answerWithTables(person: CompiledPerson, permission: string, nodeId: string, subjectId: string | undefined, mfa: boolean, now: Date): Decision {
  return answerCompiled(person, permission, nodeId, subjectId, mfa, now);
}
