import { ConflictError, ThrottledError } from '../../../domain/errors';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** The cancellation reasons of a failed TransactWriteItems, one per item, in order. */
export function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (error instanceof Error && error.name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.map((reason) => (reason.Code === 'None' ? undefined : reason.Code));
  }
  return undefined;
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Throttling after the SDK's own retries becomes a 429, not a 500. */
export function rethrowStoreError(error: unknown): never {
  if (error instanceof Error && THROTTLING.has(error.name)) throw new ThrottledError({ cause: error });
  const codes = cancellationCodes(error);
  if (codes?.some((code) => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded')) {
    throw new ThrottledError({ cause: error });
  }
  // Another transaction touched one of the same items (a node counter, the trust version) at that instant.
  if (codes?.some((code) => code === 'TransactionConflict')) throw new TransactionConflictError();
  throw error;
}

/**
 * Another transaction held one of this one's items at that instant (DynamoDB's
 * `TransactionConflict`): transient, so a retry loop may plan again at once.
 * Answered as 409 `concurrent_change` when it reaches the caller; unlike other
 * 409s of that code (a retry loop that gave up, holders not checksummed), it
 * alone says "nothing was wrong with the plan".
 */
export class TransactionConflictError extends ConflictError {
  constructor() {
    super('concurrent_change', 'Someone else changed the same records at the same moment; try again');
  }
}
