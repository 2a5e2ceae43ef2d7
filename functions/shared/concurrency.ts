/**
 * `fn` over every item, at most `limit` at a time, answers in input order.
 * A bulk request's people are independent, and running them all at once
 * would flood DynamoDB and Cognito from one function; one at a time would
 * not finish 500 people in an API Gateway request (29 s).
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
