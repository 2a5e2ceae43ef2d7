import type { AdminHolding, AdminWitness } from '../../../domain/access/last-admin';
import type { Assignment } from '../../../domain/access/resolve';
import { queryAll, tableName } from './client';
import { keys } from './keys';
import type { TransactItem } from './transaction';

// Holders of a role (gsi2), with their assignments: candidates for the last-admin witness (re-checked in the write)
export async function listRoleAssignments(trustId: string, roleId: string): Promise<AdminHolding[]> {
  const items = await queryAll({
    IndexName: 'gsi2',
    KeyConditionExpression: 'gsi2pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.roleIndex(trustId, roleId) },
  });
  return items.map((item) => {
    const assignment: Assignment = { id: String(item.id), roleId: String(item.roleId), nodeId: String(item.nodeId) };
    if (typeof item.validFrom === 'string') assignment.validFrom = item.validFrom;
    if (typeof item.validUntil === 'string') assignment.validUntil = item.validUntil;
    return { userId: String(item.userId), assignment };
  });
}

/**
 * The checks that keep a witness honest inside the transaction that needs it
 * (the index above may lag; the table does not): the assignment is still
 * there with the same role, its holder is still active, and a custom role is
 * still at the version that carried org.manage. `touched` names the items
 * the transaction already writes (one item may appear only once in it).
 */
export function adminWitnessChecks(
  trustId: string, witness: AdminWitness, touched: { roles?: ReadonlySet<string>; userIds?: ReadonlySet<string> } = {},
): TransactItem[] {
  const table = tableName();
  const checks: TransactItem[] = [
    {
      ConditionCheck: {
        TableName: table,
        Key: keys.assignment(trustId, witness.userId, witness.assignmentId),
        ConditionExpression: 'attribute_exists(pk) AND roleId = :role',
        ExpressionAttributeValues: { ':role': witness.roleId },
      },
    },
  ];
  // The holder's own profile, when this transaction already writes it on the condition of its version, is pinned by that.
  if (!touched.userIds?.has(witness.userId)) {
    checks.push({
      ConditionCheck: {
        TableName: table,
        Key: keys.userProfile(trustId, witness.userId),
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'active' },
      },
    });
  }
  if (witness.roleVersion !== undefined && !touched.roles?.has(witness.roleId)) {
    checks.push({
      ConditionCheck: {
        TableName: table,
        Key: keys.role(trustId, witness.roleId),
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': witness.roleVersion },
      },
    });
  }
  return checks;
}
