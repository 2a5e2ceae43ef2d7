import { decide, type Person } from '../access/resolve';
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
 * Who hears about an event, decided when it arrives by the decision engine
 * itself (no second copy of its rules): the person is active, holds the
 * category's permission at the event's node (inheritance, validity windows),
 * is not blocked from the subject, has 2FA on when the permission needs it
 * (asked as a 2FA session exactly when their 2FA is on), and has not turned
 * the category off.
 */
export function recipientsFor(input: {
  event: NotificationEventRef;
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  candidates: readonly Candidate[];
  trustDefaults?: Partial<Record<string, Delivery>>;
  /** The trust's clock: its zone and the digest hour of people who chose none. */
  digest: { timeZone: string; digestHour: number };
  now: Date;
}): Recipient[] {
  const { event, tree, roles, now } = input;
  const seen = new Set<string>();
  const recipients: Recipient[] = [];
  for (const candidate of input.candidates) {
    const { person } = candidate;
    if (seen.has(person.id)) continue;
    seen.add(person.id);
    const decision = decide({ tree, roles, person, permission: event.category.permission, nodeId: event.nodeId, subjectId: event.subjectId, mfa: person.mfaEnabled, now });
    if (!decision.allowed) continue;
    const delivery = deliveryFor(event.category, candidate.preferences, input.trustDefaults);
    if (delivery === 'off') continue;
    recipients.push(
      delivery === 'digest'
        ? { userId: person.id, delivery, dueAt: digestDueAt(now, input.digest.timeZone, candidate.digestHour ?? input.digest.digestHour) }
        : { userId: person.id, delivery },
    );
  }
  return recipients.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}
