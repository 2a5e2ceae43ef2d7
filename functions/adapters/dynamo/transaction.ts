import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** One item of a TransactWriteItems call: the one type every writer of this table uses. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * DynamoDB's limit on the items of one TransactWriteItems call. Every use
 * case that writes several items keeps under it by validating its input
 * (documented maxima, 400) or by splitting the work safely; nothing may
 * reach the service over it and come back as a 500.
 */
export const MAX_TRANSACTION_ITEMS = 100;
