import { ActionRefusedError, planPersonEdit, type BulkAction } from '../../domain/directory/bulk-edit';
import { DomainError, NotFoundError } from '../../domain/errors';
import { emailsToLookUp, planMisSync, type MisChange, type MisPerson, type MisPlan, type TrustAccount } from '../../domain/mis/plan';
import type { Roster } from '../../domain/mis/oneroster';
import { canSee } from '../../domain/access/reach';
import { disableCognitoUser, enableCognitoUser, signOutEverywhere } from '../adapters/cognito/user-status';
import { documentClient, tableName } from '../adapters/dynamo/client';
import { keys } from '../adapters/dynamo/keys';
import { listMisLinks, misLinkDelete, misLinkPut, type LinkOutcome, type MisLink, type RunError } from '../adapters/dynamo/mis-sync-repository';
import type { StoredMisSettings } from '../adapters/dynamo/mis-repository';
import { loadPerson, type PersonRecord } from '../adapters/dynamo/person-repository';
import { type PersonOp } from '../adapters/dynamo/person-writes';
import type { Caller } from '../http/caller';
import { logger } from '../http/logger';
import { inviterOf, sendInvitation } from '../identity/link-flows';
import { mapConcurrently } from '../shared/concurrency';
import { newId } from '../shared/ids';
import { assertDominates, refuseSelfChange } from '../shared/identity-guard';
import { authorize } from '../shared/authorize';
import { keepAdminOnPersonEdit } from '../shared/last-admin';
import { bulkGuards, reachCache } from '../users/bulk-guards';
import { createPerson } from '../users/create-user';
import { noticeOldAddress, syncSignInEmail } from '../users/email-change';
import { membershipOps } from '../users/membership-ops';
import { changePerson } from '../users/person-change';
import { GetCommand } from '@aws-sdk/lib-dynamodb';

/** People loaded at once (one Query each). */
const LOAD_CONCURRENCY = 16;

export interface SchoolPeople {
  people: MisPerson[];
  links: Map<string, MisLink>;
}

/** What the planner needs of one account, seen from the school. */
function asMisPerson(record: PersonRecord, nodeId: string): TrustAccount {
  const { account, person } = record;
  return {
    userId: account.id, email: account.email, firstName: account.firstName, lastName: account.lastName, userType: account.userType,
    status: account.status, source: account.source, edited: account.edited,
    member: person.memberships.some((m) => m.nodeId === nodeId),
    primaryElsewhere: person.memberships.some((m) => m.primary && m.nodeId !== nodeId),
    placedElsewhere: person.memberships.some((m) => m.nodeId !== nodeId),
  };
}

/** The school's MIS people: its links, and each linked account's record (one Query per person). */
export async function loadSchoolPeople(trustId: string, nodeId: string): Promise<SchoolPeople> {
  const links = await listMisLinks(trustId, nodeId);
  const records = await mapConcurrently(links, LOAD_CONCURRENCY, (link) => loadPerson(trustId, link.userId));
  const people: MisPerson[] = [];
  links.forEach((link, i) => {
    const record = records[i];
    if (!record) return; // an account that no longer exists (never deleted by the service; a bootstrap clean-up)
    const held = new Set(record.person.assignments.filter((a) => a.nodeId === nodeId).map((a) => a.roleId));
    people.push({
      ...asMisPerson(record, nodeId), misId: link.misId, misRoleIds: link.roleIds.filter((r) => held.has(r)),
      ...(link.leftAt ? { leftAt: link.leftAt } : {}),
    });
  });
  return { people, links: new Map(links.map((l) => [l.misId, l])) };
}

/** Accounts for the emails the roster uses that no MIS person here has: the trust's, and those taken outside it. */
export async function lookUpEmails(trustId: string, nodeId: string, emails: string[]) {
  const trustAccounts = new Map<string, TrustAccount>();
  const takenElsewhere = new Set<string>();
  await mapConcurrently(emails, LOAD_CONCURRENCY, async (email) => {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.email(email), ConsistentRead: true }));
    if (!Item) return;
    if (Item.trustId !== trustId || typeof Item.userId !== 'string') {
      takenElsewhere.add(email);
      return;
    }
    const record = await loadPerson(trustId, Item.userId);
    if (record) trustAccounts.set(email, asMisPerson(record, nodeId));
    else takenElsewhere.add(email); // a pending claim: someone is being created with it right now
  });
  return { trustAccounts, takenElsewhere };
}

export async function planSchool(trustId: string, settings: StoredMisSettings, roster: Roster, now: Date): Promise<{ plan: MisPlan; school: SchoolPeople }> {
  const school = await loadSchoolPeople(trustId, settings.nodeId);
  const { trustAccounts, takenElsewhere } = await lookUpEmails(trustId, settings.nodeId, emailsToLookUp(roster, school.people));
  const plan = planMisSync({ settings, roster, people: school.people, trustAccounts, takenElsewhere, now });
  return { plan, school };
}

export type Outcome = 'created' | 'updated' | 'deactivated' | 'reactivated' | 'unchanged';

/** A person's link at the school, by account: an index kept beside the map, updated as applyChange changes the map. */
const byUser = new WeakMap<Map<string, MisLink>, { size: number; index: Map<string, MisLink> }>();
function linkOf(links: Map<string, MisLink>, userId: string): MisLink | undefined {
  let cached = byUser.get(links);
  if (!cached || cached.size !== links.size) {
    cached = { size: links.size, index: new Map([...links.values()].map((l) => [l.userId, l])) };
    byUser.set(links, cached);
  }
  return cached.index.get(userId);
}

/** The link a change leaves: the new MIS id, the roles the sync gave (old ones kept, taken ones dropped), the grace start. */
function nextLink(change: MisChange, userId: string, previous: MisLink | undefined): MisLink {
  const misId = change.changes.find((c) => c.field === 'misId')?.to ?? change.sourcedId;
  const roleIds = [...new Set([...(previous?.roleIds ?? []), ...change.addRoleIds])].filter((r) => !change.removeRoleIds.includes(r)).sort();
  const leftAt = change.leftAt === undefined ? previous?.leftAt : change.leftAt ?? undefined;
  return { misId, userId, roleIds, ...(leftAt ? { leftAt } : {}) };
}

function outcomeOf(change: MisChange): Outcome {
  if (change.kind === 'create') return 'created';
  if (change.status === 'deactivate') return 'deactivated';
  if (change.status === 'activate') return 'reactivated';
  return 'updated';
}

function actionsOf(change: MisChange, nodeId: string): BulkAction[] {
  // Each action is judged against the person as the earlier ones left them, as the single routes would be one after the
  // other: placed at the school before being reactivated (so they are in the saver's reach), deactivated before the
  // school's membership goes (while they still are).
  const actions: BulkAction[] = [];
  if (change.membership && 'add' in change.membership) actions.push({ op: 'addMembership', nodeId, jobTitle: change.membership.add.jobTitle });
  if (change.status === 'activate') actions.push({ op: 'activate' });
  if (change.status === 'deactivate') actions.push({ op: 'deactivate' });
  for (const roleId of change.removeRoleIds) actions.push({ op: 'removeRole', roleId, nodeId });
  for (const roleId of change.addRoleIds) actions.push({ op: 'addRole', roleId, nodeId });
  if (change.membership && 'remove' in change.membership) actions.push({ op: 'removeMembership', nodeId });
  return actions;
}

/**
 * Applies one person's change with the authority of the settings' saver:
 * every action through the guard of its single route (bulkGuards: the
 * delegation guard for roles, users.edit for placements, the identity guard
 * for deactivation and reactivation), a name or email change as PATCH
 * /users/{id} judges it (users.edit in reach; an email change also the
 * identity guard), all in one transaction with the school's link. A refusal
 * throws the route's domain error (the run's error row).
 */
export async function applyChange(caller: Caller, settings: StoredMisSettings, change: MisChange, links: Map<string, MisLink>, runId: string): Promise<Outcome> {
  const nodeId = settings.nodeId;
  const trustId = caller.trust.id;
  if (change.kind === 'create') {
    const profile = change.profile!;
    // The link carries the run and what it did, in the person's own transaction: a run taken up again counts from it.
    const link: MisLink = { ...nextLink(change, 'pending', undefined), runId, outcome: 'created' };
    const id = newId();
    const { account } = await createPerson(caller, {
      email: profile.email, firstName: profile.firstName, lastName: profile.lastName, userType: profile.userType,
      memberships: [{ nodeId, jobTitle: change.membership && 'add' in change.membership ? change.membership.add.jobTitle : undefined, primary: true, isManager: false }],
      roles: change.addRoleIds.map((roleId) => ({ roleId, nodeId })), invite: settings.inviteNew,
    } as Parameters<typeof createPerson>[1], { id, source: 'mis', extra: [misLinkPut(trustId, nodeId, { ...link, userId: id })] });
    if (change.invite) {
      const { sent } = await sendInvitation(account, inviterOf(caller.account));
      if (!sent) logger.warn('an MIS person\'s invitation could not be emailed; they stay invited for a re-send', { userId: account.id, runId });
    }
    return 'created';
  }
  const userId = change.userId!;
  const previous = linkOf(links, userId);
  const link: MisLink = { ...nextLink(change, userId, previous), runId, outcome: outcomeOf(change) as LinkOutcome };
  const oldMisId = previous && previous.misId !== link.misId ? previous.misId : undefined;
  const reachOf = reachCache(caller);
  // A leaver of this school placed nowhere now is outside everyone's reach but the trust's; coming back, they are
  // placed here first (users.edit at the school, as PUT /users/{id}/memberships/{nodeId}), and every later action is
  // judged with them at the school. Anyone placed elsewhere meanwhile stays outside a lower saver's reach.
  const unplaced = (p: { memberships: readonly unknown[]; assignments: readonly unknown[] }) => p.memberships.length === 0 && p.assignments.length === 0;
  const returning = change.kind === 'return' && change.membership !== undefined && 'add' in change.membership && previous !== undefined;
  const guardsFor = (context: Parameters<typeof bulkGuards>[1]) => {
    const guards = bulkGuards(caller, context, reachOf);
    if (!returning) return guards;
    return {
      ...guards,
      placement: (person: Parameters<typeof guards.placement>[0], at: string, how: 'add' | 'remove') => {
        if (how === 'add' && unplaced(person)) {
          refuseSelfChange(caller, person.id, 'memberships');
          authorize(caller, 'users.edit', at);
          return;
        }
        guards.placement(person, at, how);
      },
    };
  };
  const fields = change.changes.filter((c) => c.field !== 'misId');
  const edited = await changePerson(caller, userId, async ({ account, person, membershipsSince }, context) => {
    const now = new Date();
    const at = now.toISOString();
    const plan = planPersonEdit({
      account, person, membershipsSince, actions: actionsOf(change, nodeId), guards: guardsFor(context),
      actorId: caller.account.id, now, newId, invitationValidUntil: at,
    });
    let profile: { firstName: string; lastName: string; email: string; mobile?: string; edited: boolean } | undefined;
    const audit: { action: string; nodeId: string | null; before?: unknown; after?: unknown }[] = plan.audit.map((entry) => ({ ...entry, after: { ...(entry.after as object | undefined), runId } }));
    if (fields.length > 0) {
      if (!canSee(reachOf('users.edit'), person)) throw new NotFoundError('User');
      const next = { firstName: account.firstName, lastName: account.lastName, email: account.email };
      for (const c of fields) next[c.field as 'firstName' | 'lastName' | 'email'] = c.to;
      if (next.email.toLowerCase() !== account.email.toLowerCase()) assertDominates(caller, person);
      profile = { ...next, ...(account.mobile ? { mobile: account.mobile } : {}), edited: account.edited };
      audit.push({ action: 'user.updated', nodeId, before: { firstName: account.firstName, lastName: account.lastName, email: account.email }, after: { ...next, runId } });
    }
    if (change.changes.some((c) => c.field === 'misId') || change.kind === 'adopt') {
      audit.push({ action: 'mis.linked', nodeId, before: oldMisId ? { misId: oldMisId } : undefined, after: { misId: link.misId, runId } });
    }
    const ops: PersonOp[] = [
      ...membershipOps(person.memberships, plan.memberships, at, membershipsSince),
      ...plan.granted.map(({ assignment, role }): PersonOp => ({ type: 'putAssignment', assignment, customRole: !role.builtIn })),
      ...plan.removed.map(({ assignment }): PersonOp => ({ type: 'deleteAssignment', assignment, customRole: !(context.roles.get(assignment.roleId)?.builtIn ?? true) })),
      ...(plan.account ? [{ type: 'setProfile', fields: plan.account } as const] : []),
    ];
    if (plan.changed) {
      ops.push(...(await keepAdminOnPersonEdit(caller, person, { deactivated: plan.deactivated !== undefined, removed: plan.removed.map((r) => r.assignment) })));
    }
    const extra = [misLinkPut(trustId, nodeId, link), ...(oldMisId ? [misLinkDelete(trustId, nodeId, oldMisId)] : [])];
    return { ops, audit, ...(profile ? { profile } : {}), extra, result: { plan, account, emailTo: profile && profile.email !== account.email ? profile.email : undefined } };
  }, ['users.view', 'users.edit', 'users.deactivate', 'roles.assign'], {
    ...(returning ? { alsoVisible: ({ person }: { person: { memberships: readonly unknown[]; assignments: readonly unknown[] } }) => unplaced(person) } : {}),
    beforeWrite: async ({ plan, account }) => {
      if (plan.activated !== undefined) await enableCognitoUser(account.cognitoUsername);
    },
  });
  if (edited.plan.deactivated !== undefined) {
    await disableCognitoUser(edited.account.cognitoUsername);
    await signOutEverywhere(edited.account.cognitoUsername);
  }
  if (edited.emailTo) {
    await syncSignInEmail(edited.account, edited.emailTo);
    await noticeOldAddress(caller, edited.account, new Date().toISOString());
  }
  if (oldMisId) links.delete(oldMisId);
  links.set(link.misId, link);
  const cached = byUser.get(links);
  if (cached) {
    cached.index.set(userId, link);
    cached.size = links.size;
  }
  return outcomeOf(change);
}

/** A refused or failed change as the run's error row. */
export function changeError(change: MisChange, error: unknown): RunError {
  const base = { sourcedId: change.sourcedId, line: change.line ?? null };
  if (error instanceof ActionRefusedError) return { ...base, code: error.refusal.code, message: error.refusal.message };
  if (error instanceof DomainError) return { ...base, code: error.code, message: error.message };
  logger.error('an MIS change failed', error as Error);
  return { ...base, code: 'internal_error', message: 'Something went wrong on our side with this person; the next run tries again' };
}
