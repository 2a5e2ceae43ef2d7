import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { lastAdmin, type AdminWitness } from '../../../domain/access/last-admin';
import type { Assignment, Block, ChildLink, Membership } from '../../../domain/access/resolve';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import type { Account } from '../../../domain/identity/account';
import type { StoredToken } from '../../../domain/identity/tokens';
import { ConflictError, VersionConflictError } from '../../../domain/errors';
import { holdingsAfter, type Holdings } from '../../../domain/directory/summary';
import { stampGrants, type GrantStamp } from '../../../domain/audit/grant';
import { accountItems, directoryAttributes } from './account-repository';
import { profileUpdate, type ProfileFields } from './account-writes';
import { emailMove, voidedByEmailMove, type ProfileFields as PersonalFields } from './profile-writes';
import { adminWitnessChecks } from './admin-repository';
import { auditPut } from './audit-repository';
import { claimHeld } from './email-claims';
import { keyHash, SUM_ATTRIBUTE, type CounterAttribute } from './counted-index';
import { tableName, documentClient } from './client';
import { cancellationCodes, rethrowStoreError } from './errors';
import { keys } from './keys';
import { linkTokenPut, liveLinkField } from './token-repository';
import type { TransactItem } from './transaction';
import { actingChecks, grantPlannedOn, withSelfActing, type ActingAs } from './person-write-conditions';

export type { ActingAs } from './person-write-conditions';


/** One change to what a person holds; several go into one transaction. */
export type PersonOp =
  | { type: 'putMembership'; membership: Membership; createdAt: string; isNew: boolean }
  | { type: 'deleteMembership'; nodeId: string }
  | { type: 'putAssignment'; assignment: Assignment; customRole: boolean }
  | { type: 'deleteAssignment'; assignment: Assignment; customRole: boolean }
  /**
   * Blocks and links are keyed by pupil alone, so each write is conditioned on
   * the item being the one the plan read (`replaces`: null = none; `schoolId`
   * of the one deleted): one made meanwhile by another school is never
   * silently overwritten or lifted, whatever the person's version says.
   */
  | { type: 'putBlock'; block: Block; createdAt: string; replaces: Block | null }
  | { type: 'deleteBlock'; subjectId: string; schoolId: string }
  | { type: 'putChild'; link: ChildLink; createdAt: string; replaces: ChildLink | null }
  | { type: 'deleteChild'; subjectId: string; schoolId: string }
  /** Nothing written: the change goes through only while this other admin holding stays (see domain/access/last-admin.ts). */
  | { type: 'requireAdmin'; witness: AdminWitness }
  /** Profile fields (status, sessions cut-off, …) changed in the same transaction as the rest (a bulk edit's deactivate with its role changes). */
  | { type: 'setProfile'; fields: ProfileFields }
  /** A new emailed link, made the account's only live one of its purpose (older links void). */
  | { type: 'issueLink'; token: StoredToken };

/** Why an item's condition failed, so the use case can answer precisely. */
export class PersonWriteConflictError extends Error {
  constructor(readonly reason: 'person_changed' | 'email_taken' | 'node_missing' | 'role_missing' | 'exists' | 'trust_changed' | 'last_admin' | 'busy' | 'recorded' | 'caller_changed') {
    super(`Person write refused: ${reason}`);
    this.name = 'PersonWriteConflictError';
  }
}

/** A role assignment, indexed by its node (gsi1) and its role (gsi2), with who granted it and when (domain/audit/grant.ts). */
export function assignmentItem(trustId: string, userId: string, assignment: Assignment, stamp?: GrantStamp): Record<string, unknown> {
  return {
    ...keys.assignment(trustId, userId, assignment.id), entity: 'assignment', trustId, userId, ...assignment, ...stamp,
    gsi1pk: keys.nodeIndex(trustId, assignment.nodeId), gsi1sk: keys.assignmentIndexSort(userId, assignment.id),
    gsi2pk: keys.roleIndex(trustId, assignment.roleId), gsi2sk: `${userId}#${assignment.id}`,
  };
}

/** A change to one counter: how many items it counts, and the sum of their keyHash (see counted-index.ts). */
type CounterDelta = [id: string, delta: number, sumDelta: number];

/**
 * A node's count of people placed on it (a node cannot be deleted while it is
 * above zero), or a custom role's count of holders (likewise), with the
 * checksum of the counted items' keys beside it, in the same update.
 */
function counterUpdate(Key: { pk: string; sk: string }, attribute: CounterAttribute, delta: number, sumDelta: number): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key,
      UpdateExpression: `ADD ${attribute} :delta, ${SUM_ATTRIBUTE[attribute]} :sumDelta`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':delta': delta, ':sumDelta': sumDelta },
    },
  };
}

/** A transaction item with what its failure means (its cancellation reason). */
export interface Tagged {
  item: TransactItem;
  onFail: PersonWriteConflictError['reason'];
}

interface Counted {
  items: Tagged[];
  nodes: CounterDelta[];
  roles: CounterDelta[];
}

/** What a block or link held when the plan read it, as a condition: absent, or the same school (and reason). */
function asRead(read: { schoolId: string; reason?: string } | null): { ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
  if (!read) return { ConditionExpression: 'attribute_not_exists(pk)' };
  const reason = read.reason === undefined ? 'attribute_not_exists(#reason)' : '#reason = :readReason';
  return {
    ConditionExpression: `#schoolId = :readSchool AND ${reason}`,
    ExpressionAttributeNames: { '#schoolId': 'schoolId', '#reason': 'reason' },
    ExpressionAttributeValues: { ':readSchool': read.schoolId, ...(read.reason === undefined ? {} : { ':readReason': read.reason }) },
  };
}

/** A block or link written only over the one the plan read; otherwise the plan runs again on what is there now. */
function replacing(Item: Record<string, unknown>, read: { schoolId: string; reason?: string } | null): Tagged {
  return { item: { Put: { TableName: tableName(), Item, ...asRead(read) } }, onFail: 'person_changed' };
}

/** A block or link deleted only while it is still the one of the school the plan read. */
function deleting(Key: { pk: string; sk: string }, schoolId: string): Tagged {
  return {
    item: {
      Delete: {
        TableName: tableName(), Key,
        ConditionExpression: '#schoolId = :readSchool',
        ExpressionAttributeNames: { '#schoolId': 'schoolId' },
        ExpressionAttributeValues: { ':readSchool': schoolId },
      },
    },
    onFail: 'person_changed',
  };
}

function opItems(trustId: string, userId: string, op: PersonOp, stamps: ReadonlyMap<string, GrantStamp>): Counted {
  const table = tableName();
  const put = (Item: Record<string, unknown>): Tagged => ({ item: { Put: { TableName: table, Item } }, onFail: 'exists' });
  const del = (Key: { pk: string; sk: string }): Tagged => ({ item: { Delete: { TableName: table, Key } }, onFail: 'person_changed' });
  const only = (item: Tagged): Counted => ({ items: [item], nodes: [], roles: [] });
  switch (op.type) {
    case 'putMembership': {
      const { membership } = op;
      const key = keys.membership(trustId, userId, membership.nodeId);
      const item = put({
        ...key, entity: 'membership', trustId, userId, ...membership, createdAt: op.createdAt,
        gsi1pk: keys.nodeIndex(trustId, membership.nodeId), gsi1sk: keys.memberIndexSort(userId, membership.isManager ? op.createdAt : undefined),
      });
      return { items: [item], nodes: op.isNew ? [[membership.nodeId, 1, keyHash(key)]] : [], roles: [] };
    }
    case 'deleteMembership': {
      const key = keys.membership(trustId, userId, op.nodeId);
      return { items: [del(key)], nodes: [[op.nodeId, -1, -keyHash(key)]], roles: [] };
    }
    case 'putAssignment': {
      const h = keyHash(keys.assignment(trustId, userId, op.assignment.id));
      return {
        items: [put(assignmentItem(trustId, userId, op.assignment, stamps.get(op.assignment.id)))],
        nodes: [[op.assignment.nodeId, 1, h]],
        roles: op.customRole ? [[op.assignment.roleId, 1, h]] : [],
      };
    }
    case 'deleteAssignment': {
      const h = keyHash(keys.assignment(trustId, userId, op.assignment.id));
      return {
        items: [del(keys.assignment(trustId, userId, op.assignment.id))],
        nodes: [[op.assignment.nodeId, -1, -h]],
        roles: op.customRole ? [[op.assignment.roleId, -1, -h]] : [],
      };
    }
    case 'putBlock':
      return only(replacing({ ...keys.block(trustId, userId, op.block.subjectId), entity: 'block', trustId, userId, ...op.block, createdAt: op.createdAt }, op.replaces));
    case 'deleteBlock':
      return only(deleting(keys.block(trustId, userId, op.subjectId), op.schoolId));
    case 'putChild':
      return only(replacing({ ...keys.childLink(trustId, userId, op.link.subjectId), entity: 'child-link', trustId, userId, ...op.link, createdAt: op.createdAt }, op.replaces));
    case 'deleteChild':
      return only(deleting(keys.childLink(trustId, userId, op.subjectId), op.schoolId));
    case 'requireAdmin':
      return { items: [], nodes: [], roles: [] }; // expanded in itemsOf, which knows every item the transaction writes
    case 'setProfile':
      return { items: [], nodes: [], roles: [] }; // merged into the profile's update (profileFieldsOf)
    case 'issueLink':
      return only({ item: linkTokenPut(op.token), onFail: 'exists' }); // its profile field: profileFieldsOf
  }
}

/**
 * The items of several operations, with the node and role counters summed
 * per item: a transaction may touch each item only once (a membership and a
 * role at the same school are one +2 on the school).
 */
function itemsOf(trustId: string, userId: string, ops: PersonOp[], stamps: ReadonlyMap<string, GrantStamp> = new Map(), acting: readonly ActingAs[] = []): Tagged[] {
  const counted = ops.map((op) => opItems(trustId, userId, op, stamps));
  const sum = (deltas: CounterDelta[]): CounterDelta[] => {
    const totals = new Map<string, [number, number]>();
    for (const [id, delta, sumDelta] of deltas) {
      const [count, hashes] = totals.get(id) ?? [0, 0];
      totals.set(id, [count + delta, hashes + sumDelta]);
    }
    // A change that leaves the count as it was may still change which items are counted (one removed, one added): the sum moves.
    return [...totals].filter(([, [delta, sumDelta]]) => delta !== 0 || sumDelta !== 0).map(([id, [delta, sumDelta]]) => [id, delta, sumDelta]);
  };
  const roleTotals = sum(counted.flatMap((c) => c.roles));
  // An acting person's profile is checked (active, at their version) by actingChecks: a witness who acts needs no second check on it.
  const touched = { roles: new Set(roleTotals.map(([id]) => id)), userIds: new Set([userId, ...acting.map((a) => a.userId)]) };
  const witnessChecks = ops.flatMap((op) =>
    op.type === 'requireAdmin' ? adminWitnessChecks(trustId, op.witness, touched).map((item): Tagged => ({ item, onFail: 'last_admin' })) : [],
  );
  return [
    ...counted.flatMap((c) => c.items),
    ...sum(counted.flatMap((c) => c.nodes)).map(([id, delta, sumDelta]): Tagged => ({ item: counterUpdate(keys.node(trustId, id), 'refCount', delta, sumDelta), onFail: 'node_missing' })),
    ...roleTotals.map(([id, delta, sumDelta]): Tagged => ({ item: counterUpdate(keys.role(trustId, id), 'holders', delta, sumDelta), onFail: 'role_missing' })),
    ...witnessChecks,
  ];
}

async function transact(tagged: Tagged[]): Promise<void> {
  try {
    await documentClient().send(new TransactWriteCommand({ TransactItems: tagged.map((t) => t.item) }));
  } catch (error) {
    const codes = cancellationCodes(error);
    const failed = codes?.findIndex((code) => code === 'ConditionalCheckFailed') ?? -1;
    if (failed >= 0) throw new PersonWriteConflictError(tagged[failed]!.onFail);
    // Another transaction held one of the same items (a node counter, the trust's version) at that instant: worth another go.
    if (codes?.includes('TransactionConflict')) throw new PersonWriteConflictError('busy');
    rethrowStoreError(error);
  }
}

/**
 * Changes to what one person holds, as one transaction: the items, the
 * node and role counters, the audit records, and the person's version bumped
 * on the condition that nobody changed them since they were read. That
 * condition keeps invariants that span items (exactly one primary membership)
 * true under concurrent edits. `plannedOn` is the trust version the plan's
 * roles and tree came from (see grantPlannedOn).
 */
export interface PersonChangeOptions {
  /** Name, email, mobile and `edited` written in the same transaction (an email change moves the uniqueness item too and voids the emailed links). */
  profile?: PersonalFields;
  /** Further items that must land with the change or not at all (the CSV import's row record); their failure is `recorded`. */
  extra?: TransactItem[];
  /** Whose authority the change is made with (see ActingAs): each one's profile is checked in the transaction. */
  acting?: readonly ActingAs[];
}

/** The grant stamps of the assignments `ops` put, from the change's own `role.assigned` records (domain/audit/grant.ts). */
function grantStamps(userId: string, ops: PersonOp[], audit: readonly AuditRecord[], before?: ReadonlyMap<string, GrantStamp>): Map<string, GrantStamp> {
  return stampGrants(userId, ops.flatMap((op) => (op.type === 'putAssignment' ? [op.assignment] : [])), audit, before);
}

export async function writePersonChange(
  /** `grants`: the stamps of the person's assignments as loaded (PersonRecord.grants); without them the summary describes those assignments without a stamp. */
  current: { account: Account; person: Holdings; grants?: ReadonlyMap<string, GrantStamp> },
  ops: PersonOp[],
  audit: AuditRecord[],
  now: string,
  plannedOn?: number,
  options: PersonChangeOptions = {},
): Promise<void> {
  const { account } = current;
  const { trustId, id: userId } = account;
  const fields = profileFieldsOf(ops);
  // The version condition makes the stored person exactly `current` plus `ops`, so the directory summary is computed from that.
  const stamps = grantStamps(userId, ops, audit, current.grants);
  const before: Holdings = { memberships: current.person.memberships, assignments: current.person.assignments, ...(current.grants ? { grants: current.grants } : {}) };
  const directory = directoryAttributes(trustId, holdingsAfter(before, ops, stamps), new Date().toISOString());
  Object.assign(fields.set, { directory: directory.directory, gsi3pk: directory.gsi3pk }); // gsi3sk: profileUpdate stamps it
  if (options.profile) {
    const { firstName, lastName, email, mobile, edited } = options.profile;
    Object.assign(fields.set, { firstName, lastName, email, edited, ...(mobile ? { mobile } : {}) });
    fields.remove = [...fields.remove.filter((f) => !['firstName', 'lastName', 'email', 'edited', 'mobile'].includes(f)), ...(mobile ? [] : ['mobile'])];
    // An email move voids the links sent to the old address, in this same transaction (a link issued with the move itself stays).
    fields.remove = [...new Set([...fields.remove, ...voidedByEmailMove(account, email).filter((f) => !(f in fields.set))])];
  }
  const profile: Tagged = { item: withSelfActing(profileUpdate(account, fields, now), userId, options.acting ?? []), onFail: 'person_changed' };
  const [release, claim] = options.profile ? emailMove(account, options.profile.email) : [];
  await transact([
    profile,
    ...(release && claim ? [{ item: release, onFail: 'person_changed' as const }, { item: claim, onFail: 'email_taken' as const }] : []),
    ...itemsOf(trustId, userId, ops, stamps, options.acting),
    ...audit.map((r) => ({ item: auditPut(trustId, r), onFail: 'exists' as const })),
    ...grantPlannedOn(trustId, ops, plannedOn),
    ...(options.extra ?? []).map((item) => ({ item, onFail: 'recorded' as const })),
    ...actingChecks(trustId, userId, options.acting ?? []),
  ]);
}

/** How many items writePersonChange would send for this change (a caller with data-dependent ops keeps it under MAX_TRANSACTION_ITEMS). */
export function personChangeItemCount(trustId: string, userId: string, ops: PersonOp[], auditRecords: number, acting: readonly ActingAs[] = []): number {
  return 1 + itemsOf(trustId, userId, ops, new Map(), acting).length + auditRecords + (ops.some((op) => op.type === 'putAssignment') ? 1 : 0)
    + actingChecks(trustId, userId, acting).length;
}

/** The profile fields the ops change, merged (one item appears once in a transaction). */
function profileFieldsOf(ops: PersonOp[]): ProfileFields {
  const fields = { set: {} as Record<string, unknown>, remove: [] as string[] };
  for (const op of ops) {
    if (op.type === 'setProfile') {
      Object.assign(fields.set, op.fields.set);
      fields.remove.push(...op.fields.remove);
    } else if (op.type === 'issueLink') fields.set[liveLinkField(op.token.purpose)] = op.token.hash;
  }
  fields.remove = [...new Set(fields.remove)].filter((field) => !(field in fields.set));
  return fields;
}

/**
 * A new account with its first memberships and roles, all or nothing. With
 * `claimId` the email item replaces that pending claim (email-claims.ts) and
 * only it; without, the email must be free (bootstrap and seeding). Pass
 * `plannedOn` (the trust version the roles were checked against) whenever
 * ops grant roles, so a role widened meanwhile makes the write fail and the
 * grant be planned again.
 */
export async function writeNewPerson(
  account: Account,
  ops: PersonOp[],
  audit: AuditRecord[],
  options: { claimId?: string; plannedOn?: number; extra?: TransactItem[]; acting?: readonly ActingAs[] } = {},
): Promise<void> {
  const { claimId, plannedOn } = options;
  const stamps = grantStamps(account.id, ops, audit);
  const [profile, email, identity] = accountItems(account, holdingsAfter({ memberships: [], assignments: [] }, ops, stamps));
  const table = tableName();
  const create = (Item: Record<string, unknown>, onFail: Tagged['onFail']): Tagged => ({
    item: { Put: { TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk)' } },
    onFail,
  });
  await transact([
    create(profile!, 'exists'),
    claimId ? { item: { Put: { TableName: table, Item: email!, ...claimHeld(claimId) } }, onFail: 'email_taken' } : create(email!, 'email_taken'),
    create(identity!, 'exists'),
    ...itemsOf(account.trustId, account.id, ops, stamps, options.acting),
    ...audit.map((r) => ({ item: auditPut(account.trustId, r), onFail: 'exists' as const })),
    ...grantPlannedOn(account.trustId, ops, plannedOn),
    ...(options.extra ?? []).map((item) => ({ item, onFail: 'recorded' as const })),
    ...actingChecks(account.trustId, account.id, options.acting ?? []),
  ]);
}

/** The domain answer for a refused person write. */
export function personConflict(error: PersonWriteConflictError): Error {
  switch (error.reason) {
    case 'person_changed':
      return new VersionConflictError();
    case 'email_taken':
      return new ConflictError('email_taken', 'This email already has an account');
    case 'node_missing':
      return new ConflictError('node_missing', 'The node was deleted meanwhile');
    case 'role_missing':
      return new ConflictError('role_missing', 'The role was deleted meanwhile');
    case 'exists':
      return new ConflictError('already_exists', 'This already exists');
    case 'trust_changed':
      return new ConflictError('concurrent_change', 'Roles or the tree changed while this was being planned; try again');
    case 'last_admin':
      return lastAdmin();
    case 'busy':
      return new ConflictError('concurrent_change', 'Someone else changed the same records at the same moment; try again');
    case 'recorded':
      return new ConflictError('already_applied', 'This change was already recorded');
    case 'caller_changed':
      return new ConflictError('concurrent_change', 'Your own account changed while this was being done; send the request again');
  }
}
