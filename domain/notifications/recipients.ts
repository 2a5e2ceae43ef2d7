import { decideUnattended, decideUnderPolicy, type AdminPolicy } from '../access/admin-policy';
import { permissionByCode, type PermissionCode } from '../access/permissions';
import { CompiledPerson, type Person } from '../access/resolve';
import type { Role } from '../access/roles';
import { pathToRoot, type OrgTree } from '../org/tree';
import { deliveryFor, type Delivery, type NotificationCategory } from './categories';
import { digestDueAt } from './digest';

export interface NotificationEventRef {
  category: NotificationCategory;
  nodeId: string;
  subjectId?: string;
}

export interface Candidate {
  person: Person;
  /** Where their emails go. */
  email?: string;
  preferences?: Partial<Record<string, Delivery>>;
  /** Their own digest hour, when they chose one. */
  digestHour?: number;
}

export interface Recipient {
  userId: string;
  delivery: Exclude<Delivery, 'off'>;
  /** Digest entries: when the person's digest takes it (see digestDueAt). */
  dueAt?: string;
}

/**
 * Where to look for recipients: the event's node and every node above it
 * (a role inherits down the tree, so only assignments there can grant the
 * permission at the node), and the roles that carry the category's
 * permission. The adapter reads only those holders.
 */
export function recipientSearch(tree: OrgTree, roles: ReadonlyMap<string, Role>, event: NotificationEventRef): { nodeIds: string[]; roleIds: Set<string> } {
  const roleIds = new Set([...roles.values()].filter((r) => r.permissions.includes(event.category.permission)).map((r) => r.id));
  return { nodeIds: pathToRoot(tree, event.nodeId).map((n) => n.id), roleIds };
}

/**
 * Whether a person may hear of an event: on arrival, again at send time
 * (immediate and digest emails) and whenever the feed shows it, so a block,
 * a role lost, a deactivation or a 2FA reset since takes effect on what was
 * already delivered. The decision engine itself (no second copy of its
 * rules): active, the category's permission at the event's node
 * (inheritance, validity windows), not blocked from the subject, the 2FA a
 * requiresMfa category needs, and the trust's admin policy
 * (requireMfaForAdmins, for account_security and mis_sync). With `session`
 * (the feed) the session's own 2FA counts; without (emails, recipients) the
 * person is asked as a 2FA session exactly when their 2FA is on
 * (decideUnattended). A parent hears only about a pupil they are linked to:
 * decide's `not_linked` applies only when there is a subject, so an event
 * about no one (a custom role giving parents a category's permission)
 * reaches no parent (default deny).
 */
export function mayHear(input: {
  event: NotificationEventRef;
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  policies: AdminPolicy;
  person: Person | CompiledPerson;
  session?: { mfa: boolean };
  now: Date;
}): boolean {
  const { event, person } = input;
  const isParent = person instanceof CompiledPerson ? person.isParent : person.userType === 'parent';
  const aboutOwnChildren = isAboutOwnChildren(event.category);
  if ((isParent || aboutOwnChildren) && event.subjectId === undefined) return false;
  const question = {
    tree: input.tree, roles: input.roles, person, policies: input.policies, now: input.now,
    permission: event.category.permission, nodeId: event.nodeId, ...(event.subjectId === undefined ? {} : { subjectId: event.subjectId }),
  };
  return (input.session ? decideUnderPolicy({ ...question, mfa: input.session.mfa }) : decideUnattended(question)).allowed;
}

/** A category about parents' own children (the `parents` area): nobody hears of it without its pupil. */
export function isAboutOwnChildren(category: { permission: string }): boolean {
  return permissionByCode.get(category.permission as PermissionCode)?.area === 'parents';
}

/**
 * Who hears about an event, decided when it arrives (mayHear, with nobody
 * signed in), leaving out whoever turned the category off.
 */
export function recipientsFor(input: {
  event: NotificationEventRef;
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  candidates: readonly Candidate[];
  trustDefaults?: Partial<Record<string, Delivery>>;
  /** The trust's clock (its zone and the digest hour of people who chose none) and its admin policy. */
  policies: AdminPolicy & { timeZone: string; digestHour: number };
  now: Date;
}): Recipient[] {
  const { event, tree, roles, policies, now } = input;
  const seen = new Set<string>();
  const recipients: Recipient[] = [];
  for (const candidate of input.candidates) {
    const { person } = candidate;
    if (seen.has(person.id)) continue;
    seen.add(person.id);
    if (!mayHear({ event, tree, roles, policies, person, now })) continue;
    const delivery = deliveryFor(event.category, candidate.preferences, input.trustDefaults);
    if (delivery === 'off') continue;
    recipients.push(
      delivery === 'digest'
        ? { userId: person.id, delivery, dueAt: digestDueAt(now, policies.timeZone, candidate.digestHour ?? policies.digestHour) }
        : { userId: person.id, delivery },
    );
  }
  return recipients.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}
