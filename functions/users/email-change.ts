import { displayName, type Account } from '../../domain/identity/account';
import { emailChangedEmail } from '../../domain/identity/emails';
import { updateCognitoEmail } from '../adapters/cognito/user-pool';
import { sendEmail } from '../adapters/ses/mailer';
import type { Caller } from '../http/caller';
import { logger } from '../http/logger';

/**
 * Brings Cognito's email attribute in line with the table, after the table
 * transaction moved the address. The table is the truth for sign-in (the
 * login looks the account up by email there and hands Cognito the stored
 * username), so a failure or a crash before this point leaves only a drift
 * that the next PATCH naming the email repairs; it is logged, never undone.
 */
export async function syncSignInEmail(account: Pick<Account, 'id' | 'cognitoUsername'>, email: string): Promise<void> {
  await updateCognitoEmail(account.cognitoUsername, email).catch((error: unknown) =>
    logger.error('Cognito email not updated; the table holds the address, PATCH the email again to repair', { userId: account.id, error: error as Error }),
  );
}

/** The notice to the address the account left; a failure to send is logged, the change stands. */
export async function noticeOldAddress(caller: Caller, account: Account, at: string): Promise<void> {
  const email = emailChangedEmail({ trustName: caller.trust.name, firstName: account.firstName, changedBy: displayName(caller.account), at });
  await sendEmail(account.email, email).catch((error: unknown) =>
    logger.error('email-changed notice not sent', { userId: account.id, error: error as Error }),
  );
}
