import { stampGrants } from '../../domain/audit/grant';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError } from '../../domain/errors';
import { planNewTrust, type NewTrustPlan, type TreeSeed } from '../../domain/org/new-trust';
import { presetIds } from '../../domain/access/roles';
import { accountItems } from '../adapters/dynamo/account-repository';
import { assignmentItem } from '../adapters/dynamo/person-writes';
import { documentClient, tableName } from '../adapters/dynamo/client';
import { keys } from '../adapters/dynamo/keys';
import { createTrustItems, PartialTreeError } from '../adapters/dynamo/trust-repository';
import { createCognitoUser, deleteCognitoUser, setPermanentPassword } from '../adapters/cognito/user-pool';
import { newId } from '../shared/ids';

export interface CreateTrustInput {
  name: string;
  adminEmail: string;
  adminFirstName: string;
  adminLastName: string;
  adminPassword: string;
  tree?: TreeSeed[];
}

/**
 * Bootstraps a tenant (CLI and local seed): the Cognito user first, then every
 * item in one transaction; if the transaction fails the Cognito user is removed.
 */
export async function createTrust(input: CreateTrustInput): Promise<NewTrustPlan> {
  const email = input.adminEmail.trim().toLowerCase();
  const existing = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.email(email), ConsistentRead: true }));
  if (existing.Item) throw new ConflictError('email_taken', `${email} already has an account`);
  const cognitoUsername = await createCognitoUser(email);
  try {
    await setPermanentPassword(cognitoUsername, input.adminPassword);
    const plan = planNewTrust({
      name: input.name,
      admin: { email, firstName: input.adminFirstName, lastName: input.adminLastName, cognitoUsername },
      tree: input.tree ?? [],
      newId,
      now: new Date(),
    });
    const at = plan.trust.createdAt;
    const actorId = plan.admin.id;
    const adminRole = { id: newId(), roleId: presetIds.trustAdmin, nodeId: plan.root.id };
    const granted = auditRecord({ id: newId(), at, actorId, action: 'role.assigned', targetType: 'user', targetId: plan.admin.id, nodeId: plan.root.id, after: adminRole });
    const grants = stampGrants(plan.admin.id, [adminRole], [granted]);
    await createTrustItems({
      trust: plan.trust,
      root: plan.root,
      children: plan.children,
      extraItems: [...accountItems(plan.admin, { memberships: [], assignments: [adminRole], grants }), assignmentItem(plan.trust.id, plan.admin.id, adminRole, grants.get(adminRole.id))],
      audit: [
        auditRecord({ id: newId(), at, actorId, action: 'trust.created', targetType: 'trust', targetId: plan.trust.id, nodeId: plan.root.id, after: { name: plan.trust.name, nodes: plan.children.length + 1 } }),
        auditRecord({ id: newId(), at, actorId, action: 'user.created', targetType: 'user', targetId: plan.admin.id, nodeId: plan.root.id, after: { email } }),
        granted,
      ],
    });
    return plan;
  } catch (error) {
    // Once the trust exists its admin must keep their login, even if part of a big seed tree is missing.
    if (!(error instanceof PartialTreeError)) await deleteCognitoUser(cognitoUsername).catch(() => undefined);
    throw error;
  }
}
