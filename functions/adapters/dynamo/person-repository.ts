import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Assignment, Block, ChildLink, Membership, Person } from '../../../domain/access/resolve';
import type { Account } from '../../../domain/identity/account';
import { readStamp, type GrantStamp } from '../../../domain/audit/grant';
import { toAccount } from './account-repository';
import { documentClient, queryAll, tableName } from './client';
import { readCounted, type Tally } from './counted-index';
import { rethrowStoreError } from './errors';
import { ASSIGNMENT_PREFIX, BLOCK_PREFIX, CHILD_PREFIX, keys, MANAGER_PREFIX, MEMBER_PREFIX } from './keys';

/** A person as stored: the account plus everything a decision about them needs. */
export interface PersonRecord {
  account: Account;
  person: Person;
  /** Membership items carry when they were made, so the oldest can become primary. */
  membershipsSince: ReadonlyMap<string, string>;
  /** Who granted each assignment and when, by assignment id (domain/audit/grant.ts); an assignment stored before stamps existed has none until the v3 backfill. */
  grants?: ReadonlyMap<string, GrantStamp>;
}

function pick<T>(item: Record<string, unknown>, fields: readonly string[]): T {
  return Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as T;
}

export function toPersonRecord(items: Record<string, unknown>[]): PersonRecord | undefined {
  const profile = items.find((item) => item.sk === 'PROFILE');
  if (!profile) return undefined;
  const account = toAccount(profile);
  const memberships: Membership[] = [];
  const assignments: Assignment[] = [];
  const blocks: Block[] = [];
  const children: ChildLink[] = [];
  const membershipsSince = new Map<string, string>();
  const grants = new Map<string, GrantStamp>();
  for (const item of items) {
    const sk = String(item.sk);
    if (sk.startsWith(MEMBER_PREFIX)) {
      memberships.push({ ...pick<Membership>(item, ['nodeId', 'jobTitle']), primary: item.primary === true, isManager: item.isManager === true });
      membershipsSince.set(String(item.nodeId), String(item.createdAt ?? ''));
    } else if (sk.startsWith(ASSIGNMENT_PREFIX)) {
      const assignment = pick<Assignment>(item, ['id', 'roleId', 'nodeId', 'validFrom', 'validUntil']);
      assignments.push(assignment);
      const stamp = readStamp(item);
      if (stamp) grants.set(assignment.id, stamp);
    }
    else if (sk.startsWith(BLOCK_PREFIX)) blocks.push(pick(item, ['subjectId', 'schoolId', 'reason']));
    else if (sk.startsWith(CHILD_PREFIX)) children.push(pick(item, ['subjectId', 'schoolId']));
  }
  const person: Person = {
    id: account.id, status: account.status, userType: account.userType, mfaEnabled: account.mfaEnabled,
    memberships, assignments, blocks, children,
  };
  return { account, person, membershipsSince, grants };
}

// A person's profile, memberships, role assignments, blocks and child links: one Query
export async function loadPerson(trustId: string, userId: string): Promise<PersonRecord | undefined> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) },
    ConsistentRead: true,
  });
  return toPersonRecord(items);
}

export interface NodeMember {
  userId: string;
  jobTitle?: string;
  isManager: boolean;
  primary: boolean;
  /** When the person was placed here (ISO). */
  since: string;
}

// Members of a node (gsi1)
export async function listNodeMembers(trustId: string, nodeId: string): Promise<NodeMember[]> {
  return membersUnder(trustId, nodeId, MEMBER_PREFIX);
}

// Managers of a node, in appointment order (gsi1, `MEMBER#M#…`): reads no other member
export async function listNodeManagers(trustId: string, nodeId: string): Promise<NodeMember[]> {
  return membersUnder(trustId, nodeId, MANAGER_PREFIX);
}

async function membersUnder(trustId: string, nodeId: string, prefix: string): Promise<NodeMember[]> {
  const items = await queryAll({
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.nodeIndex(trustId, nodeId), ':prefix': prefix },
  });
  return items.map((item) => ({
    ...pick<NodeMember>(item, ['userId', 'jobTitle']), isManager: item.isManager === true, primary: item.primary === true, since: String(item.createdAt ?? ''),
  }));
}

export interface RoleHolder {
  personId: string;
  nodeId: string;
  /** The assignment's window: a role edit must not reach a holder for longer than the editor's own authority lasts. */
  validFrom?: string;
  validUntil?: string;
}

/** An assignment item's window, its absent bounds left out. */
function windowItem(item: Record<string, unknown>): { validFrom?: string; validUntil?: string } {
  return {
    ...(typeof item.validFrom === 'string' ? { validFrom: item.validFrom } : {}),
    ...(typeof item.validUntil === 'string' ? { validUntil: item.validUntil } : {}),
  };
}

export interface RoleHolders {
  holders: RoleHolder[];
  /** The custom role's holders counter and checksum as read: a role edit relying on this list is conditioned on them (see readCounted). */
  seen: Tally;
}

// Holders of a role (gsi2), read completely: the index is trusted only once it holds every assignment the role counts
export async function listRoleHolders(trustId: string, roleId: string): Promise<RoleHolders> {
  const { items, seen } = await readCounted(
    { key: keys.role(trustId, roleId), attribute: 'holders' },
    { IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': keys.roleIndex(trustId, roleId) } },
  );
  return { holders: items.map((item) => ({ personId: String(item.userId), nodeId: String(item.nodeId), ...windowItem(item) })), seen };
}

export interface NodeAssignments {
  assignments: { personId: string; roleId: string; nodeId: string; validFrom?: string; validUntil?: string }[];
  /** The node's refCount and checksum as read: a change relying on this list is conditioned on them (see readCounted). */
  seen: Tally;
}

// Role assignments at a node (gsi1), read completely: the index is trusted only once it holds every item the node counts
export async function listNodeAssignments(trustId: string, nodeId: string): Promise<NodeAssignments> {
  const { items, seen } = await readCounted(
    { key: keys.node(trustId, nodeId), attribute: 'refCount' },
    // Members and assignments both count on the node, so both are read; only assignments are kept.
    { IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.nodeIndex(trustId, nodeId) } },
  );
  const assignments = items
    .filter((item) => String(item.gsi1sk).startsWith(ASSIGNMENT_PREFIX))
    .map((item) => ({ personId: String(item.userId), roleId: String(item.roleId), nodeId: String(item.nodeId), ...windowItem(item) }));
  return { assignments, seen };
}

// Profiles by id (managers line): one BatchGetItem per 100
export async function loadAccounts(trustId: string, userIds: string[]): Promise<Account[]> {
  const accounts: Account[] = [];
  for (let i = 0; i < userIds.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
      [tableName()]: { Keys: userIds.slice(i, i + 100).map((id) => ({ ...keys.userProfile(trustId, id) })) },
    };
    try {
      while (request && Object.keys(request).length > 0) {
        const result = await documentClient().send(new BatchGetCommand({ RequestItems: request }));
        accounts.push(...(result.Responses?.[tableName()] ?? []).map(toAccount));
        request = result.UnprocessedKeys as typeof request;
      }
    } catch (error) {
      return rethrowStoreError(error);
    }
  }
  return accounts;
}
