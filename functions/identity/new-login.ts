import { ConflictError } from '../../domain/errors';
import { claimEmail, identityInUse, releaseEmailClaim } from '../adapters/dynamo/email-claims';
import { createNewCognitoUser, deleteCognitoUser, findCognitoUsername } from '../adapters/cognito/user-pool';
import { logger } from '../http/logger';
import { newId } from '../shared/ids';

export interface NewLogin {
  cognitoUsername: string;
  /** The pending email claim the account's transaction must turn into its email item. */
  claimId: string;
}

const emailTaken = () => new ConflictError('email_taken', 'This email already has an account');

/**
 * A new account's login, in an order where no crash and no concurrent create
 * can break anyone else's account:
 * 1. the email is claimed in the table (a pending claim that expires): of
 *    many creates with one email exactly one goes on; the others answer 409
 *    `email_taken` and never touch Cognito;
 * 2. the Cognito user is created. One that exists already is taken over only
 *    when no account's `SUB#` item names it — a user a crashed earlier create
 *    left behind under its (now expired) claim; any other is someone's login
 *    and the answer is 409;
 * 3. `store` writes the account, turning the claim into the email item.
 * A failure in 2 releases the claim; a failure in 3 deletes the Cognito user
 * (no account uses it) and releases the claim. A crash leaves at most a
 * claim that expires and a Cognito user the next claim adopts.
 */
export async function withNewLogin<T>(email: string, store: (login: NewLogin) => Promise<T>): Promise<T> {
  const claimId = newId();
  if (!(await claimEmail(email, claimId))) throw emailTaken();
  const release = () => releaseEmailClaim(email, claimId).catch((e: unknown) => logger.error('email claim not released; it expires', e as Error));

  let cognitoUsername: string;
  try {
    cognitoUsername = (await createNewCognitoUser(email)) ?? (await adoptOrphan(email));
  } catch (error) {
    await release();
    throw error;
  }
  try {
    return await store({ cognitoUsername, claimId });
  } catch (error) {
    await deleteCognitoUser(cognitoUsername).catch((e: unknown) => logger.error('Cognito user of a failed create not deleted', e as Error));
    await release();
    throw error;
  }
}

/** The existing Cognito user with this email, if no account signs in with it (we hold the email's claim, so no create is running for it). */
async function adoptOrphan(email: string): Promise<string> {
  const username = await findCognitoUsername(email);
  if (!username || (await identityInUse(username))) throw emailTaken();
  logger.warn('adopting a Cognito user left behind by an earlier failed create', { cognitoUsername: username });
  return username;
}
