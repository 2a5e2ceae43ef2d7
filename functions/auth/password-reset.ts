import { findAccountByEmail } from '../adapters/dynamo/account-repository';
import { hasRecentResetLink, resetIssuable, sendPasswordReset } from '../identity/link-sending';
import { httpHandler } from '../http/handler';
import { logger } from '../http/logger';
import { json } from '../http/responses';
import { passwordResetBodySchema } from './auth.schema';

/** Every answer takes at least this long, so timing does not tell which emails have accounts. */
const FLOOR_MS = 400;

/**
 * 202 whatever the email: a link is emailed only when an active or locked
 * account has it (never an invited or inactive one: link-sending.ts
 * `resetIssuable`), and has no live link sent in the last RESET_COOLDOWN_MINUTES.
 */
export const handler = httpHandler({ auth: 'public', body: passwordResetBodySchema }, async ({ body }) => {
  const started = Date.now();
  try {
    const account = await findAccountByEmail(body.email);
    // A live link sent in the last minutes is left alone (hasRecentResetLink): nobody can keep killing it.
    if (account && resetIssuable(account) && !(await hasRecentResetLink(account))) await sendPasswordReset(account, account.id);
  } catch (error) {
    // The answer must not differ; the failure is logged for the operators.
    logger.error('password reset request failed', error as Error);
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, FLOOR_MS - (Date.now() - started))));
  return json(202, { status: 'accepted' });
});
