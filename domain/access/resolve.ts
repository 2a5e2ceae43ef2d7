import type { OrgTree } from '../org/tree';
import { answerWithTables, CompiledPerson, compiledFor } from './compiled-person';
import type { Decision, Person } from './model';
import { catalogueIndex, permissionByCode } from './permissions';
import type { Role } from './roles';
import { isValidAt, walkDecide } from './walk';

// The decision: one question (decide) and what a person may do at a node (effectivePermissions).
// The model lives in model.ts, the compiled per-person tables in compiled-person.ts, the path walk
// in walk.ts and the access report in access-report.ts; they are re-exported here for callers.
export * from './model';
export { CompiledPerson, compiledFor, compilePerson } from './compiled-person';
export * from './access-report';
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
    return answerWithTables(person, input.permission, input.nodeId, input.subjectId, input.mfa, input.now);
  }
  // A one-off question: walk the path rather than build tables nobody will reuse.
  return walkDecide(compiledFor(person, input.roles, input.tree), input.permission, input.nodeId, input.subjectId, input.mfa, input.now);
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

export function splitForMfa(codes: Iterable<string>, mfa: boolean): EffectivePermissions {
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
