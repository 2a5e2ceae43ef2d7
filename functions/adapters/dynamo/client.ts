import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { rethrowStoreError } from './errors';
import { config, localCredentials } from '../../config';

let client: DynamoDBDocumentClient | undefined;

/** One DocumentClient per container, created on first use (config is read then). */
export function documentClient(): DynamoDBDocumentClient {
  if (!client) {
    const { AWS_REGION, DYNAMODB_ENDPOINT } = config();
    const base = new DynamoDBClient({
      region: AWS_REGION,
      endpoint: DYNAMODB_ENDPOINT,
      credentials: localCredentials(DYNAMODB_ENDPOINT),
    });
    client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return client;
}

export function tableName(): string {
  return config().TABLE_NAME;
}

/**
 * Every page of a Query, in order; store errors leave as domain errors
 * (throttling → 429). Each repository's named access pattern calls this.
 */
export async function queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  try {
    do {
      const page = await documentClient().send(new QueryCommand({ TableName: tableName(), ...input, ExclusiveStartKey: cursor }));
      items.push(...(page.Items ?? []));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
  } catch (error) {
    return rethrowStoreError(error);
  }
  return items;
}
