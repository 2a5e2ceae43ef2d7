import { ActionRefusedError, planPersonEdit, type BulkAction, type BulkGuards, type PersonEditPlan } from '../../domain/directory/bulk-edit';
import type { Account } from '../../domain/identity/account';
import { ConflictError, DomainError, NotFoundError } from '../../domain/errors';
import { emailsToLookUp, planMisSync, type MisChange, type MisPerson, type MisPlan } from '../../domain/mis/plan';
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
import { inviterOf, sendInvitation } from '../identity/link-sending';
import { outboxItems } from '../shared/account-security';
import { sensitiveGrantEvents } from '../shared/security-events';
import { mapConcurrently } from '../shared/concurrency';
import { newId } from '../shared/ids';
import { assertDominates, refuseSelfChange } from '../shared/identity-guard';
import { authorize } from '../shared/authorize';
import { keepAdminOnPersonEdit } from '../shared/last-admin';
import { bulkGuards, reachCache } from '../users/bulk-guards';
import { createPerson } from '../users/person-creation';
import { checkNewPerson } from '../users/new-person';
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
function asMisPerson(record: PersonRecord, nodeId: string): Omit<MisPerson, 'misId' | 'misRoleIds' | 'leftAt'> {
  const { account, person } = record;
  return {
    userId: account.id, email: account.email, firstName: account.firstName, lastName: account.lastName, userType: account.userType,
    status: account.status, source: account.source, edited: account.edited,
    ...(account.deactivatedBy === 'mis' ? { deactivatedByMis: true } : {}),
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

/**
 * Which of the roster's other emails (those no MIS person of this school
 * has) an account of this trust already holds (another school's person, one
 * made by hand): one GetItem of the `EMAIL#` item each. The planner never
 * matches such an account, so nobody outside the school's MIS people is
 * reached by email. An address held in another trust (or by a creation in
 * progress) is not told apart from a free one: it is planned as a create and
 * fails at apply with `email_taken`, as POST /users and the CSV import do,
 * so a dry run is no oracle of other tenants' addresses (review I, I3).
 */
export async function lookUpEmails(trustId: string, emails: string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  await mapConcurrently(emails, LOAD_CONCURRENCY, async (email) => {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.email(email), ConsistentRead: true }));
    if (Item?.entity === 'email' && Item.trustId === trustId) taken.add(email);
  });
  return taken;
}

export async function planSchool(trustId: string, settings: StoredMisSettings, roster: Roster, now: Date): Promise<{ plan: MisPlan; school: SchoolPeople }> {
  const school = await loadSchoolPeople(trustId, settings.nodeId);
  const takenElsewhere = await lookUpEmails(trustId, emailsToLookUp(roster, school.people));
  const plan = planMisSync({ settings, roster, people: school.people, takenElsewhere, now });
  return { plan, school };
}

export type Outcome = 'created' | 'updated' | 'deactivated' | 'reactivated' | 'unchanged';
/** What applying one person did, and whether their name or email change was dropped because they were edited by hand since the plan. */
export interface Applied {
  outcome: Outcome;
  skippedEdited: boolean;
}

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
 * Applies one person's change for the person the run acts for (`caller`: who
 * started, approved or uploaded it; the audit's actor) AND with every guard
 * passing for each of `also` too (the settings' saver, whose rights bound
 * every run): every action through the guard of its single route
 * (bulkGuards: the delegation guard for roles, users.edit for placements, the
 * identity guard for deactivation and reactivation), a name or email change
 * as PATCH /users/{id} judges it (users.edit in reach; an email change also
 * the identity guard, never one's own), all in one transaction with the
 * school's link. A refusal for any of them throws the route's domain error
 * (the run's error row). A deactivation marks the account `deactivatedBy:
 * 'mis'`, which is what lets a later run bring the person back.
 */
export async function applyChange(
  caller: Caller, settings: StoredMisSettings, change: MisChange, links: Map<string, MisLink>, runId: string, also: readonly Caller[] = [],
): Promise<Applied> {
  const nodeId = settings.nodeId;
  const trustId = caller.trust.id;
  const everyone = [caller, ...also.filter((other) => other.account.id !== caller.account.id)];
  if (change.kind === 'create') {
    const profile = change.profile!;
    // The link carries the run and what it did, in the person's own transaction: a run taken up again counts from it.
    const link: MisLink = { ...nextLink(change, 'pending', undefined), runId, outcome: 'created' };
    const id = newId();
    const body = {
      email: profile.email, firstName: profile.firstName, lastName: profile.lastName, userType: profile.userType,
      memberships: [{ nodeId, jobTitle: change.membership && 'add' in change.membership ? change.membership.add.jobTitle : undefined, primary: true, isManager: false }],
      roles: change.addRoleIds.map((roleId) => ({ roleId, nodeId })), invite: settings.inviteNew,
    } as Parameters<typeof createPerson>[1];
    for (const other of everyone.slice(1)) checkNewPerson(other, body);
    const { account } = await createPerson(caller, body, {
      id, source: 'mis', via: 'MIS sync', extra: [misLinkPut(trustId, nodeId, { ...link, userId: id })], alsoActing: everyone.slice(1), callerChanged: 'throw',
    });
    if (change.invite) {
      const { sent } = await sendInvitation(account, inviterOf(caller.account));
      if (!sent) logger.warn('an MIS person\'s invitation could not be emailed; they stay invited for a re-send', { userId: account.id, runId });
    }
    return { outcome: 'created', skippedEdited: false };
  }
  const userId = change.userId!;
  const previous = linkOf(links, userId);
  const link: MisLink = { ...nextLink(change, userId, previous), runId, outcome: outcomeOf(change) as LinkOutcome };
  const oldMisId = previous && previous.misId !== link.misId ? previous.misId : undefined;
  const reaches = new Map(everyone.map((c) => [c.account.id, reachCache(c)]));
  // A leaver of this school placed nowhere now is outside everyone's reach but the trust's; coming back, they are
  // placed here first (users.edit at the school, as PUT /users/{id}/memberships/{nodeId}), and every later action is
  // judged with them at the school. Anyone placed elsewhere meanwhile stays outside a lower saver's reach.
  const unplaced = (p: { memberships: readonly unknown[]; assignments: readonly unknown[] }) => p.memberships.length === 0 && p.assignments.length === 0;
  const returning = change.kind === 'return' && change.membership !== undefined && 'add' in change.membership && previous !== undefined;
  const guardsOf = (who: Caller, context: Parameters<typeof bulkGuards>[1]): BulkGuards => {
    const guards = bulkGuards(who, context, reaches.get(who.account.id)!);
    if (!returning) return guards;
    return {
      ...guards,
      placement: (person, at, how) => {
        if (how === 'add' && unplaced(person)) {
          refuseSelfChange(who, person.id, 'memberships');
          authorize(who, 'users.edit', at);
          return;
        }
        guards.placement(person, at, how);
      },
    };
  };
  // Each action passes only when it passes for everyone the run answers to (the first one's answer is the role granted).
  const guardsFor = (context: Parameters<typeof bulkGuards>[1]): BulkGuards => {
    const each = everyone.map((who) => guardsOf(who, context));
    return {
      addRole: (person, action) => each.map((g) => g.addRole(person, action))[0]!,
      removeRole: (person, action, matching) => each.forEach((g) => g.removeRole(person, action, matching)),
      placement: (person, at, how) => each.forEach((g) => g.placement(person, at, how)),
      signIn: (person, permission) => each.forEach((g) => g.signIn(person, permission)),
    };
  };
  const visibleTo = (who: Caller, person: PersonRecord['person']) =>
    person.id === who.account.id || (returning && unplaced(person)) || VISIBLE_BY.some((p) => canSee(reaches.get(who.account.id)!(p), person));
  const planned = change.changes.filter((c) => c.field !== 'misId');
  const edited = await changePerson<{ plan: PersonEditPlan | undefined; account: Account; emailTo: string | undefined; handEdited: boolean }>(caller, userId, async ({ account, person, membershipsSince }, context) => {
    // changePerson found them in the caller's reach; everyone else the run answers to must see them too.
    if (!everyone.every((who) => visibleTo(who, person))) throw new NotFoundError('User');
    // The plan was made from the people as the part found them: what it assumed is checked again on the person as they
    // are now (review I, I5), as the planner would judge them. Deactivated by hand meanwhile (a suspension): left alone.
    if (change.kind !== 'leave' && account.status === 'inactive' && account.deactivatedBy !== 'mis') throw deactivatedByHand();
    // Edited by hand meanwhile: their name and email stay as the admin set them (counted as skipped, as the planner does).
    const handEdited = planned.length > 0 && account.edited;
    const fields = handEdited ? [] : planned;
    if (handEdited && namesOnly(change)) return { ops: [], audit: [], result: { plan: undefined, account, emailTo: undefined, handEdited } };
    const now = new Date();
    const at = now.toISOString();
    const plan = planPersonEdit({
      account, person, membershipsSince, actions: actionsOf(change, nodeId), guards: guardsFor(context),
      actorId: caller.account.id, now, newId, invitationValidUntil: at,
    });
    let profile: { firstName: string; lastName: string; email: string; mobile?: string; edited: boolean } | undefined;
    const audit: { action: string; nodeId: string | null; before?: unknown; after?: unknown }[] = plan.audit.map((entry) => ({ ...entry, after: { ...(entry.after as object | undefined), runId } }));
    if (fields.length > 0) {
      if (!everyone.every((who) => canSee(reaches.get(who.account.id)!('users.edit'), person))) throw new NotFoundError('User');
      const next = { firstName: account.firstName, lastName: account.lastName, email: account.email };
      for (const c of fields) next[c.field as 'firstName' | 'lastName' | 'email'] = c.to;
      if (next.email.toLowerCase() !== account.email.toLowerCase()) {
        for (const who of everyone) {
          refuseSelfChange(who, person.id, 'sign-in email');
          assertDominates(who, person);
        }
      }
      profile = { ...next, ...(account.mobile ? { mobile: account.mobile } : {}), edited: account.edited };
      audit.push({ action: 'user.updated', nodeId, before: { firstName: account.firstName, lastName: account.lastName, email: account.email }, after: { ...next, runId } });
    }
    if (change.changes.some((c) => c.field === 'misId')) {
      audit.push({ action: 'mis.linked', nodeId, before: oldMisId ? { misId: oldMisId } : undefined, after: { misId: link.misId, runId } });
    }
    const ops: PersonOp[] = [
      ...membershipOps(person.memberships, plan.memberships, at, membershipsSince),
      ...plan.granted.map(({ assignment, role }): PersonOp => ({ type: 'putAssignment', assignment, customRole: !role.builtIn })),
      ...plan.removed.map(({ assignment }): PersonOp => ({ type: 'deleteAssignment', assignment, customRole: !(context.roles.get(assignment.roleId)?.builtIn ?? true) })),
      ...(plan.account ? [{ type: 'setProfile', fields: plan.deactivated === undefined ? plan.account : markedByMis(plan.account) } as const] : []),
    ];
    if (plan.changed) {
      ops.push(...(await keepAdminOnPersonEdit(caller, person, { deactivated: plan.deactivated !== undefined, removed: plan.removed.map((r) => r.assignment) })));
    }
    const extra = [
      misLinkPut(trustId, nodeId, link), ...(oldMisId ? [misLinkDelete(trustId, nodeId, oldMisId)] : []),
      // A role with sensitive permissions tells the admins there, from the person's own transaction (the outbox).
      ...outboxItems(trustId, sensitiveGrantEvents(context.roles, caller.account, profile ? { ...account, ...profile } : account, plan.granted.map(({ assignment }) => assignment), 'MIS sync'), at),
    ];
    return { ops, audit, ...(profile ? { profile } : {}), extra, result: { plan, account, emailTo: profile && profile.email !== account.email ? profile.email : undefined, handEdited } };
  }, [...VISIBLE_BY], {
    ...(returning ? { alsoVisible: ({ person }: { person: { memberships: readonly unknown[]; assignments: readonly unknown[] } }) => unplaced(person) } : {}),
    // The actor and the saver as resolved for this part: a write finding either changed throws, and the worker resolves both again.
    alsoActing: everyone.slice(1), callerChanged: 'throw',
    beforeWrite: async ({ plan, account }) => {
      if (plan?.activated !== undefined) await enableCognitoUser(account.cognitoUsername);
    },
  });
  if (!edited.plan) return { outcome: 'unchanged', skippedEdited: true };
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
  return { outcome: outcomeOf(change), skippedEdited: edited.handEdited };
}

/** The planner's row for a person deactivated by hand (domain/mis/plan.ts), when the hand got there after the plan. */
const deactivatedByHand = () =>
  new ConflictError('deactivated_by_hand', 'This person was deactivated by hand; the sync leaves them inactive and unchanged until an administrator reactivates them');

/** A change that only renames (or gives a new email): nothing is left of it once the names are dropped. */
const namesOnly = (change: MisChange) =>
  change.changes.every((c) => c.field !== 'misId') && change.addRoleIds.length === 0 && change.removeRoleIds.length === 0
  && change.membership === undefined && change.status === undefined && change.leftAt === undefined;

/** The permissions any of which makes a person visible to changePerson (loadVisiblePerson), for everyone the run answers to. */
const VISIBLE_BY = ['users.view', 'users.edit', 'users.deactivate', 'roles.assign'] as const;

/** The sync's own deactivation: the account says so (`deactivatedBy: 'mis'`), so only such a person is reactivated by a later run. */
function markedByMis(fields: { set: Record<string, unknown>; remove: readonly string[] }) {
  return { set: { ...fields.set, deactivatedBy: 'mis' }, remove: fields.remove.filter((f) => f !== 'deactivatedBy') };
}

/** A refused or failed change as the run's error row. */
export function changeError(change: MisChange, error: unknown): RunError {
  const base = { sourcedId: change.sourcedId, line: change.line ?? null };
  if (error instanceof ActionRefusedError) return { ...base, code: error.refusal.code, message: error.refusal.message };
  if (error instanceof DomainError) return { ...base, code: error.code, message: error.message };
  logger.error('an MIS change failed', error as Error);
  return { ...base, code: 'internal_error', message: 'Something went wrong on our side with this person; the next run tries again' };
}
