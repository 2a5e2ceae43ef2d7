import { compilePerson, type CompiledPerson, type Decision } from '../../domain/access/resolve';
import { permissionByCode } from '../../domain/access/permissions';
import { canSee } from '../../domain/access/reach';
import { requireNode } from '../../domain/org/tree';
import { loadPerson } from '../adapters/dynamo/person-repository';
import type { Caller } from '../http/caller';
import { isClientCaller, type ClientCaller } from '../http/client-caller';
import { decideInSession, decideUnattended, reach } from '../shared/authorize';

export interface Check {
  userId: string;
  permission: string;
  nodeId: string;
  subjectId?: string;
}

export type CheckResult = Decision | {
  allowed: false; reason: 'no_grant';
  error: { status: 404; code: 'not_found' } | { status: 403; code: 'forbidden' } | { status: 400; code: 'unknown_node' };
};

const notFound: CheckResult = { allowed: false, reason: 'no_grant', error: { status: 404, code: 'not_found' } };
const pupilForbidden: CheckResult = { allowed: false, reason: 'no_grant', error: { status: 403, code: 'forbidden' } };
const notLinked: Decision = { allowed: false, reason: 'not_linked' };
const unknownNode: CheckResult = { allowed: false, reason: 'no_grant', error: { status: 400, code: 'unknown_node' } };

/** The permission a person needs, beside users.view, to ask about someone else and a pupil. */
export const ABOUT_A_PUPIL = 'safeguarding.blocks.manage';

/**
 * Answers checks for other apps: one load per distinct person (the caller
 * themself, or anyone in the caller's reach of users.view; anyone else is
 * not found). An integration client asks about anyone at or under its node,
 * cut by the same canSee, so a person outside it is not found exactly as
 * for a person caller, and only at a node at or under its node: a node
 * outside is not found too (a decision there would reveal, through `via`,
 * an assignment outside the client's part of the trust).
 *
 * About someone else (a person's or a client's question) the answer is the
 * unattended one (decideUnattended): a requiresMfa permission counts only for
 * people who have 2FA on, and under the trust's requireMfaForAdmins an
 * administration one too (else `mfa_required`), so no app is told yes for
 * what every request of that person would be refused. About oneself it is
 * this session's answer (decideInSession: the session's 2FA and the admin
 * policy, as GET /me/permissions and authorize), never the account's 2FA.
 *
 * Naming a pupil (`subjectId`), the answer shows whether the person is
 * blocked from that pupil and, for a parent, linked to them: safeguarding
 * data that GET /users/{id}/blocks shows only to holders of
 * safeguarding.blocks.manage. So a person asking about someone else and a
 * pupil needs that permission at the check's node and at every school where
 * the person has a block (a block applies wherever the pupil is asked
 * about), else the entry is 403 `forbidden` whatever the pupil (security
 * reviews E, E9, and G, G1). Apps asking with
 * their client token are unchanged: they must be told.
 *
 * A question a parent (or any parents-area code) asks with no pupil is
 * `not_linked`, never granted: every such permission is about one's own
 * children, and the notifications follow the same rule (mayHear; review E,
 * E1). GET /me/permissions still lists the codes, as a menu.
 */
export async function decideFor(caller: Caller | ClientCaller, checks: Check[], options: { unknownNodes: 'refuse' | 'per-check' }): Promise<CheckResult[]> {
  const { tree, roles } = caller.context;
  // One question about a node that is not there (a school closed since the app cached it) is a 400; in a batch it is that entry's answer, not the batch's.
  // A client's question about a node outside its reach (there or not) is not_found instead (below).
  if (options.unknownNodes === 'refuse' && !isClientCaller(caller)) checks.forEach((check) => requireNode(tree, check.nodeId, 'nodeId'));
  const self = isClientCaller(caller) ? undefined : caller;
  // Asked only when someone else is asked about: a caller asking about themself needs no users.view.
  let visible: ReturnType<typeof reach> | undefined;
  const ids = [...new Set(checks.map((c) => c.userId))];
  const people = new Map<string, CompiledPerson | undefined>(
    await Promise.all(
      ids.map(async (id): Promise<[string, CompiledPerson | undefined]> => {
        if (self && id === self.account.id) return [id, self.compiled];
        const scope = (visible ??= self ? reach(self, 'users.view') : (caller as ClientCaller).reach);
        const record = await loadPerson(caller.trust.id, id);
        return [id, record && canSee(scope, record.person) ? compilePerson(record.person, roles, tree) : undefined];
      }),
    ),
  );
  const now = new Date();
  let aboutPupils: ReturnType<typeof reach> | undefined;
  return checks.map((check) => {
    // A client is told not_found for any node outside its part of the trust, there or not (its reach holds only real nodes: review G, G8).
    if (isClientCaller(caller) && !caller.reach.has(check.nodeId)) return notFound;
    if (!tree.nodes.has(check.nodeId)) return unknownNode;
    const person = people.get(check.userId);
    if (!person) return notFound;
    const ownQuestion = self !== undefined && check.userId === self.account.id;
    if (self && !ownQuestion && check.subjectId !== undefined) {
      // A block applies whatever school asks, so the answer shows every block the person has: the caller must manage
      // blocks at the check's node and at every school where one was recorded (review G, G1), whatever the pupil asked.
      const manages = (aboutPupils ??= reach(self, ABOUT_A_PUPIL));
      // A block of a school deleted since is managed at the trust root (as GET /users/{id}/blocks lists it).
      const managesBlock = (schoolId: string) => manages.has(schoolId) || (!tree.nodes.has(schoolId) && manages.has(tree.rootId));
      if (!manages.has(check.nodeId) || person.person.blocks.some((block) => !managesBlock(block.schoolId))) return pupilForbidden;
    }
    const question = { permission: check.permission, nodeId: check.nodeId, ...(check.subjectId !== undefined ? { subjectId: check.subjectId } : {}) };
    const decision = ownQuestion ? decideInSession(self, question) : decideUnattended({ tree, roles, person, policies: caller.trust.policies, ...question, now });
    if (check.subjectId === undefined && aboutOwnChildren(person, check.permission) && (decision.allowed || decision.reason === 'mfa_required')) return notLinked;
    // A grant inherited from above a client's node is not the client's to see (review E, E7a): the answer without its `via`.
    if (isClientCaller(caller) && decision.via && !caller.reach.has(decision.via.nodeId)) {
      const { via: _above, ...answer } = decision;
      return answer;
    }
    return decision;
  });
}

/** Whether a permission of this person is only ever about their own children (a parent's every code, or a parents-area code). */
function aboutOwnChildren(person: CompiledPerson, permission: string): boolean {
  return person.isParent || permissionByCode.get(permission)?.area === 'parents';
}
