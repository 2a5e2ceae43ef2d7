import { ConflictError } from '../../domain/errors';

/** How many times a plan is made and written before a busy item answers 409. */
export const ATTEMPTS = 4;

/** A growing random pause before trying a busy transaction again (a hot counter item): up to 1 s. */
export const backoff = (attempt: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 25 * 2 ** attempt)));

/**
 * The one optimistic-retry loop of the service. `attempt(n)` plans against
 * what it reads and writes on a condition (a version, a counter); when it
 * throws, `recover(error)` either throws the final answer (not a conflict,
 * or a conflict that is itself the answer, such as 412) or returns after
 * preparing fresh reads, and the plan is made again, so every rule is checked
 * against the state the write lands on. After ATTEMPTS conflicts in a row (or
 * `attempts`, for a caller that knows it contends more) the answer is 409
 * `concurrent_change`.
 */
export async function retryOnConflict<T>(
  attempt: (n: number) => Promise<T>,
  recover: (error: unknown) => Promise<void> | void,
  busy = 'This is being changed by someone else; try again',
  attempts = ATTEMPTS,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      await recover(error);
      if (n >= attempts) throw new ConflictError('concurrent_change', busy);
    }
  }
}
