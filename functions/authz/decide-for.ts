import { compilePerson, type CompiledPerson, type Decision } from '../../domain/access/resolve';
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

export type CheckResult = Decision | { allowed: false; reason: 'no_grant'; error: { status: 404; code: 'not_found' } };

const notFound: CheckResult = { allowed: false, reason: 'no_grant', error: { status: 404, code: 'not_found' } };

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
 */
export async function decideFor(caller: Caller | ClientCaller, checks: Check[], fieldPrefix: (i: number) => string): Promise<CheckResult[]> {
  const { tree, roles } = caller.context;
  checks.forEach((check, i) => requireNode(tree, check.nodeId, `${fieldPrefix(i)}nodeId`));
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
  return checks.map((check) => {
    const person = people.get(check.userId);
    if (!person) return notFound;
    if (isClientCaller(caller) && !caller.reach.has(check.nodeId)) return notFound;
    const question = { permission: check.permission, nodeId: check.nodeId, ...(check.subjectId !== undefined ? { subjectId: check.subjectId } : {}) };
    if (self && check.userId === self.account.id) return decideInSession(self, question);
    return decideUnattended({ tree, roles, person, policies: caller.trust.policies, ...question, now });
  });
}
