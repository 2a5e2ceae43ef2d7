import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { tableDefinition } from '../definitions/table';
import { userPoolDefinition } from '../definitions/user-pool';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localDynamo(endpoint: string, region: string) {
  return new DynamoDBClient({ endpoint, region, credentials });
}

export function localCognito(endpoint: string, region: string) {
  return new CognitoIdentityProviderClient({ endpoint, region, credentials });
}

const keySchema = (pk: string, sk: string): KeySchemaElement[] => [
  { AttributeName: pk, KeyType: 'HASH' },
  { AttributeName: sk, KeyType: 'RANGE' },
];

/** The table as the CDK stack defines it (same constants), created when missing. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'existing'> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    await addMissingIndexes(client, tableName, new Set((Table?.GlobalSecondaryIndexes ?? []).map((gsi) => gsi.IndexName)));
    return 'existing';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { partitionKey, sortKey, globalSecondaryIndexes, timeToLiveAttribute } = tableDefinition;
  const attributes = new Set<string>([partitionKey, sortKey, ...globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey])]);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: keySchema(partitionKey, sortKey),
      GlobalSecondaryIndexes: globalSecondaryIndexes.map((gsi) => ({
        IndexName: gsi.indexName,
        KeySchema: keySchema(gsi.partitionKey, gsi.sortKey),
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true } }),
  );
  return 'created';
}

/**
 * A kept state directory made before an index existed (the bench's scale
 * workload) gets the index added, as a deploy of the CDK stack would; its
 * items are then filled in by the migration that needs the index
 * (`npm run migrate:directory` for gsi3).
 */
async function addMissingIndexes(client: DynamoDBClient, tableName: string, existing: Set<string | undefined>): Promise<void> {
  for (const gsi of tableDefinition.globalSecondaryIndexes) {
    if (existing.has(gsi.indexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [gsi.partitionKey, gsi.sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        GlobalSecondaryIndexUpdates: [
          { Create: { IndexName: gsi.indexName, KeySchema: keySchema(gsi.partitionKey, gsi.sortKey), Projection: { ProjectionType: 'ALL' } } },
        ],
      }),
    );
  }
}

export interface PoolIds {
  userPoolId: string;
  clientId: string;
  clientSecret: string;
}

/** The user pool and its confidential app client, from the same definition the CDK stack uses. */
export async function ensureUserPool(client: CognitoIdentityProviderClient, known?: PoolIds): Promise<PoolIds> {
  if (known) {
    try {
      await client.send(new DescribeUserPoolCommand({ UserPoolId: known.userPoolId }));
      const { UserPoolClient } = await client.send(
        new DescribeUserPoolClientCommand({ UserPoolId: known.userPoolId, ClientId: known.clientId }),
      );
      if (UserPoolClient?.ClientSecret) return { ...known, clientSecret: UserPoolClient.ClientSecret };
    } catch {
      // the emulator's state was removed: make a new pool below
    }
  }
  const d = userPoolDefinition;
  const { UserPool } = await client.send(
    new CreateUserPoolCommand({
      PoolName: d.poolName,
      UsernameAttributes: [...d.usernameAttributes],
      UsernameConfiguration: { CaseSensitive: d.caseSensitiveUsernames },
      MfaConfiguration: d.mfa,
      Policies: {
        PasswordPolicy: {
          MinimumLength: d.passwordPolicy.minLength,
          RequireLowercase: d.passwordPolicy.requireLowercase,
          RequireUppercase: d.passwordPolicy.requireUppercase,
          RequireNumbers: d.passwordPolicy.requireDigits,
          RequireSymbols: d.passwordPolicy.requireSymbols,
          TemporaryPasswordValidityDays: d.passwordPolicy.temporaryPasswordValidityDays,
        },
      },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    }),
  );
  const userPoolId = UserPool!.Id!;
  const { UserPoolClient } = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: d.clientName,
      GenerateSecret: true,
      ExplicitAuthFlows: [...d.explicitAuthFlows],
      PreventUserExistenceErrors: 'ENABLED',
    }),
  );
  return { userPoolId, clientId: UserPoolClient!.ClientId!, clientSecret: UserPoolClient!.ClientSecret! };
}
