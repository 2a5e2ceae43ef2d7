import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { lastAdmin, type AdminWitness } from '../../../domain/access/last-admin';
import { presetRoles, rolesById, type Role } from '../../../domain/access/roles';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { buildTree, type OrgNode, type OrgTree } from '../../../domain/org/tree';
import { defaultPolicies, type Trust } from '../../../domain/org/trust';
import { adminWitnessChecks } from './admin-repository';
import { auditPut } from './audit-repository';
import { documentClient, queryAll, tableName } from './client';
import { CHECKSUMMED, counterUnchanged, tallyOf, type Tally } from './counted-index';
import { rethrowStoreError } from './errors';
import { keys, NODE_PREFIX, ROLE_PREFIX } from './keys';
import { MAX_TRANSACTION_ITEMS, type TransactItem } from './transaction';


const NODE_FIELDS = ['id', 'kind', 'name', 'parentId', 'label', 'version'] as const;

function toNode(item: Record<string, unknown>): OrgNode {
  const node = Object.fromEntries(NODE_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]]));
  return node as unknown as OrgNode;
}

const ROLE_FIELDS = ['id', 'name', 'description', 'scope', 'permissions', 'assignableRoles', 'version'] as const;

function toRole(item: Record<string, unknown>): Role {
  const role = Object.fromEntries(ROLE_FIELDS.map((f) => [f, item[f]])) as unknown as Role;
  return { ...role, builtIn: false };
}

export function roleItem(trustId: string, role: Role) {
  const { builtIn: _builtIn, ...stored } = role;
  // Created with nobody holding it, so its (absent) holders count and checksum are complete from the start.
  return { ...keys.role(trustId, role.id), entity: 'role', trustId, ...stored, [CHECKSUMMED]: true };
}

export function toTrust(item: Record<string, unknown>): Trust {
  const { id, name, rootNodeId, treeVersion, settingsVersion, adminUserId, createdAt, policies } = item as unknown as Trust;
  const stored = (policies ?? {}) as Partial<Trust['policies']>;
  // Trusts made before the settings API have no settingsVersion: they are at 1.
  return { id, name, rootNodeId, treeVersion, settingsVersion: settingsVersion ?? 1, adminUserId, createdAt, policies: { ...defaultPolicies, ...stored } };
}

export function nodeItem(trustId: string, node: OrgNode) {
  // Created with nobody on it, so its (absent) refCount and checksum are complete from the start.
  return { ...keys.node(trustId, node.id), entity: 'node', trustId, ...node, [CHECKSUMMED]: true };
}

// Trust settings and tree version
export async function getTrust(trustId: string): Promise<Trust | undefined> {
  try {
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName(), Key: keys.trustMeta(trustId), ConsistentRead: true }),
    );
    return Item ? toTrust(Item) : undefined;
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** A trust's tree and roles (presets and its own), as one decision needs them. */
export interface TrustContext {
  version: number;
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
}

/** Contexts of this warm container, keyed by trust; an entry is good while its version is current. */
const contextCache = new Map<string, TrustContext>();

// A trust's whole tree and custom roles: one Query, cached per container by the trust's version
/**
 * A trust as it is now: its META item read (policies, tree version) and its
 * tree and roles (loadTrustContext: read again only when the version moved).
 * What a job or a public link decides on when no caller brought the trust.
 */
export async function loadTrustNow(trustId: string): Promise<{ trust: Trust; context: TrustContext } | undefined> {
  const trust = await getTrust(trustId);
  return trust ? { trust, context: await loadTrustContext(trust) } : undefined;
}

export async function loadTrustContext(trust: Trust): Promise<TrustContext> {
  const cached = contextCache.get(trust.id);
  if (cached && cached.version === trust.treeVersion) return cached;
  const nodes: OrgNode[] = [];
  const custom: Role[] = [];
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.treePartition(trust.id) },
    ConsistentRead: true,
  });
  for (const item of items) {
    const sk = String(item.sk);
    if (sk.startsWith(NODE_PREFIX)) nodes.push(toNode(item));
    else if (sk.startsWith(ROLE_PREFIX)) custom.push(toRole(item));
  }
  const context: TrustContext = {
    version: trust.treeVersion,
    tree: buildTree(trust.rootNodeId, trust.treeVersion, nodes),
    roles: rolesById([...presetRoles(), ...custom]),
  };
  contextCache.set(trust.id, context);
  return context;
}

export async function loadTree(trust: Trust): Promise<OrgTree> {
  return (await loadTrustContext(trust)).tree;
}

/**
 * The first item of every tree or role change: the trust's version moves on,
 * on the condition that it is still the one the change was planned on.
 */
function bumpTrustVersion(trust: Trust) {
  return {
    Update: {
      TableName: tableName(),
      Key: keys.trustMeta(trust.id),
      UpdateExpression: 'SET treeVersion = treeVersion + :one',
      ConditionExpression: 'treeVersion = :seen',
      ExpressionAttributeValues: { ':one': 1, ':seen': trust.treeVersion },
    },
  };
}

export class TreeVersionChangedError extends Error {
  constructor() {
    super('The tree changed while this change was being planned');
    this.name = 'TreeVersionChangedError';
  }
}

export type NodeWrite =
  | { type: 'put'; node: OrgNode }
  | { type: 'update'; node: OrgNode; expectedVersion: number }
  | { type: 'delete'; node: OrgNode };

/** Names the item whose condition failed, so the caller can answer precisely. */
export class NodeWriteConflictError extends Error {
  constructor(readonly write: NodeWrite) {
    super(`Condition failed for node ${write.node.id}`);
    this.name = 'NodeWriteConflictError';
  }
}

/** A node whose holders the change relied on, with the refCount and checksum they were read at (listNodeAssignments). */
export interface NodeHoldersSeen {
  nodeId: string;
  seen: Tally;
}

/** Someone was placed on or given a role at a node whose holders the change relied on: plan it again. */
export class NodeHoldersChangedError extends Error {
  constructor() {
    super('People were placed at a node this change relied on');
    this.name = 'NodeHoldersChangedError';
  }
}

/**
 * One tree change as one transaction: the node write, the audit record, and
 * the trust's tree version bumped on the condition that nobody else changed
 * the tree since it was read. That condition serialises tree changes, so two
 * concurrent moves can never build a cycle between them. A move also checks
 * that nobody was given a role at the nodes it puts above the moved node
 * since their holders were read (`seen`), since those holders gain reach.
 */
export async function writeTreeChange(trust: Trust, write: NodeWrite, audit: AuditRecord, seen: readonly NodeHoldersSeen[] = []): Promise<void> {
  const table = tableName();
  const nodeOp: TransactItem =
    write.type === 'put'
      ? { Put: { TableName: table, Item: nodeItem(trust.id, write.node), ConditionExpression: 'attribute_not_exists(pk)' } }
      : write.type === 'update'
        ? {
            // An Update, not a Put: the node item also carries a counter (refCount) this change must keep.
            Update: {
              TableName: table,
              Key: keys.node(trust.id, write.node.id),
              UpdateExpression: `SET #name = :name, parentId = :parentId, version = :version${write.node.label ? ', label = :label' : ' REMOVE label'}`,
              ConditionExpression: 'version = :expected',
              ExpressionAttributeNames: { '#name': 'name' },
              ExpressionAttributeValues: {
                ':name': write.node.name,
                ':parentId': write.node.parentId,
                ':version': write.node.version,
                ':expected': write.expectedVersion,
                ...(write.node.label ? { ':label': write.node.label } : {}),
              },
            },
          }
        : {
            Delete: {
              TableName: table,
              Key: keys.node(trust.id, write.node.id),
              // Memberships and assignments count themselves on the node item.
              ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(refCount) OR refCount = :zero)',
              ExpressionAttributeValues: { ':zero': 0 },
            },
          };
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          bumpTrustVersion(trust),
          nodeOp,
          auditPut(trust.id, audit),
          ...seen.map(({ nodeId, seen: tally }) => {
            const unchanged = counterUnchanged('refCount', tally, ':seen');
            return { ConditionCheck: { TableName: table, Key: keys.node(trust.id, nodeId), ConditionExpression: unchanged.expression, ExpressionAttributeValues: unchanged.values } };
          }),
        ],
      }),
    );
  } catch (error) {
    const codes = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.map((r) => r.Code);
    if (codes?.[0] === 'ConditionalCheckFailed') throw new TreeVersionChangedError();
    if (codes?.[1] === 'ConditionalCheckFailed') throw new NodeWriteConflictError(write);
    if (codes?.slice(3).includes('ConditionalCheckFailed')) throw new NodeHoldersChangedError();
    rethrowStoreError(error);
  }
}

export interface NewTrustItems {
  trust: Trust;
  root: OrgNode;
  children: OrgNode[];
  extraItems: Record<string, unknown>[];
  audit: AuditRecord[];
}

function rootTally(trustId: string, rootId: string, items: Record<string, unknown>[]): { refCount: number; refSum: number } {
  const { count, sum } = tallyOf(items.filter((item) => item.gsi1pk === keys.nodeIndex(trustId, rootId)));
  return { refCount: count, refSum: sum };
}

/**
 * A new trust, its tree and its first account. The trust, its root, the
 * admin and as many nodes as fit go in one transaction (at most
 * MAX_TRANSACTION_ITEMS items); a bigger seed tree follows in further
 * transactions of nodes, in seed order so a parent always exists before its
 * children, each conditioned on the trust existing and bumping its version
 * so no container keeps a partial tree. If one of those fails the trust
 * exists with part of its tree, which the admin completes with POST /nodes.
 */
export async function createTrustItems(input: NewTrustItems): Promise<void> {
  const table = tableName();
  const { trust } = input;
  const first: TransactItem[] = [
    {
      Put: {
        TableName: table,
        Item: { ...keys.trustMeta(trust.id), entity: 'trust', version: 1, ...trust },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { TableName: table, Item: { ...keys.trustRegistry(trust.id), entity: 'trust-ref', trustId: trust.id, name: trust.name } } },
    // The root starts with what of extraItems sits on it (the admin's Trust Admin assignment) counted and checksummed.
    { Put: { TableName: table, Item: { ...nodeItem(trust.id, input.root), ...rootTally(trust.id, input.root.id, input.extraItems) } } },
    ...input.extraItems.map((item) => ({ Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } })),
    ...input.audit.map((record) => auditPut(trust.id, record)),
  ];
  const nodePut = (node: OrgNode): TransactItem => ({ Put: { TableName: table, Item: nodeItem(trust.id, node), ConditionExpression: 'attribute_not_exists(pk)' } });
  const room = MAX_TRANSACTION_ITEMS - first.length;
  if (room < 1) throw new Error(`a new trust needs ${first.length} items before its tree`);
  const later = input.children.slice(room);
  let written = Math.min(room, input.children.length);
  try {
    await documentClient().send(new TransactWriteCommand({ TransactItems: [...first, ...input.children.slice(0, room).map(nodePut)] }));
  } catch (error) {
    rethrowStoreError(error);
  }
  try {
    for (let i = 0; i < later.length; i += MAX_TRANSACTION_ITEMS - 1) {
      const bump: TransactItem = {
        Update: { TableName: table, Key: keys.trustMeta(trust.id), UpdateExpression: 'SET treeVersion = treeVersion + :one', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':one': 1 } },
      };
      await documentClient().send(new TransactWriteCommand({ TransactItems: [bump, ...later.slice(i, i + MAX_TRANSACTION_ITEMS - 1).map(nodePut)] }));
      written = Math.min(input.children.length, room + i + MAX_TRANSACTION_ITEMS - 1);
    }
  } catch (error) {
    throw new PartialTreeError(written, input.children.length, error);
  }
}

/** The trust and its admin exist, but only the first `written` nodes of its seed tree do. */
export class PartialTreeError extends Error {
  constructor(readonly written: number, readonly total: number, cause: unknown) {
    super(`The trust was created with ${written} of its ${total} seeded nodes; add the rest with POST /nodes`, { cause });
    this.name = 'PartialTreeError';
  }
}

// Any trust at all (the local stack seeds an empty store)
// Every trust's id (the scheduled jobs visit each)
export async function listTrustIds(): Promise<string[]> {
  const items = await queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.trustRegistryPartition }, ProjectionExpression: 'sk' });
  return items.map((item) => String(item.sk).replace(/^TRUST#/, ''));
}

export async function anyTrustExists(): Promise<boolean> {
  const { Items } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.trustRegistryPartition },
      Limit: 1,
    }),
  );
  return (Items ?? []).length > 0;
}

export type RoleWrite =
  | { type: 'put'; role: Role }
  /** `holders`: the holders counter and checksum the plan read its holders at (listRoleHolders); the update lands only while they are unchanged. */
  | { type: 'update'; role: Role; expectedVersion: number; holders?: Tally }
  | { type: 'delete'; role: Role };

/** Names the role whose condition failed (stale version, or still held). */
export class RoleWriteConflictError extends Error {
  constructor(readonly write: RoleWrite) {
    super(`Condition failed for role ${write.role.id}`);
    this.name = 'RoleWriteConflictError';
  }
}

/**
 * Role changes (one role, or the whole matrix) as one transaction with their
 * audit records, bumping the trust's version so every warm container reloads
 * the roles, on the condition that the roles are still the ones planned on.
 */
/** `extra`: unconditional items that land with the change (its outbox events). */
export async function writeRoleChange(trust: Trust, writes: RoleWrite[], audit: AuditRecord[], witness?: AdminWitness, extra: readonly TransactItem[] = []): Promise<void> {
  const table = tableName();
  const ops = writes.map((write) => {
    if (write.type === 'put') {
      return { Put: { TableName: table, Item: roleItem(trust.id, write.role), ConditionExpression: 'attribute_not_exists(pk)' } };
    }
    if (write.type === 'delete') {
      return {
        Delete: {
          TableName: table,
          Key: keys.role(trust.id, write.role.id),
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(holders) OR holders = :zero)',
          ExpressionAttributeValues: { ':zero': 0 },
        },
      };
    }
    const { role } = write;
    const holders = write.holders === undefined ? undefined : counterUnchanged('holders', write.holders, ':holders');
    return {
      // An Update keeps the holders counter the assignments maintain.
      Update: {
        TableName: table,
        Key: keys.role(trust.id, role.id),
        UpdateExpression: 'SET #name = :name, description = :description, #scope = :scope, #permissions = :permissions, assignableRoles = :assignable, version = :version',
        ConditionExpression: holders ? `version = :expected AND ${holders.expression}` : 'version = :expected',
        ExpressionAttributeNames: { '#name': 'name', '#scope': 'scope', '#permissions': 'permissions' },
        ExpressionAttributeValues: {
          ':name': role.name, ':description': role.description, ':scope': role.scope, ':permissions': role.permissions,
          ':assignable': role.assignableRoles, ':version': role.version, ':expected': write.expectedVersion, ...holders?.values,
        },
      },
    };
  });
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          bumpTrustVersion(trust),
          ...ops,
          ...audit.map((record) => auditPut(trust.id, record)),
          // A role losing org.manage: another admin holding must stay (domain/access/last-admin.ts).
          ...(witness ? adminWitnessChecks(trust.id, witness, { roles: new Set(writes.map((w) => w.role.id)) }) : []),
          ...extra,
        ],
      }),
    );
  } catch (error) {
    const codes = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.map((r) => r.Code);
    if (codes?.[0] === 'ConditionalCheckFailed') throw new TreeVersionChangedError();
    const failed = codes?.slice(1, 1 + writes.length).findIndex((code) => code === 'ConditionalCheckFailed') ?? -1;
    if (failed >= 0) throw new RoleWriteConflictError(writes[failed]!);
    if (codes?.slice(1 + writes.length + audit.length).includes('ConditionalCheckFailed')) throw lastAdmin();
    rethrowStoreError(error);
  }
}
