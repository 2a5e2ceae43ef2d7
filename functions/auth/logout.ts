import { auditRecord } from '../../domain/audit/audit-record';
import { revokeSessionsAt } from '../../domain/identity/lifecycle';
import { signOutEverywhere } from '../adapters/cognito/user-status';
import { revokeSessions } from '../adapters/dynamo/account-writes';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { newId, nowIso } from '../shared/ids';

/**
 * Signs out every session of the caller at once: tokens (and their refresh
 * tokens) from sign-ins up to now are refused by the account check on every
 * request; Cognito's global sign-out revokes the refresh tokens in AWS too.
 */
export const handler = userHandler({}, async ({ caller }) => {
  const { account } = caller;
  const at = nowIso();
  const validAfter = revokeSessionsAt(new Date(at));
  await revokeSessions(
    account,
    validAfter,
    auditRecord({ id: newId(), at, actorId: account.id, action: 'user.signed_out', targetType: 'user', targetId: account.id, nodeId: null, after: { sessionsValidAfter: validAfter } }),
  );
  await signOutEverywhere(account.cognitoUsername);
  return noContent();
});
