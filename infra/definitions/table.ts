/**
 * The single table's shape. The CDK stateful stack and the local stack both
 * build the table from this object, so keys, indexes and TTL cannot drift.
 */
export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    // Members and role holders of a node; audit by target.
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  ],
} as const;

export type GsiName = (typeof tableDefinition.globalSecondaryIndexes)[number]['indexName'];
