import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError, VersionConflictError } from '../../domain/errors';
import { findAccountByEmail } from '../adapters/dynamo/account-repository';
import { voidedByEmailMove, writeProfileEdit } from '../adapters/dynamo/profile-writes';
import { userHandler } from '../http/user-handler';
import { entity, requireIfMatch } from '../http/responses';
import { newId, nowIso } from '../shared/ids';
import { loadAccountTarget } from './account-target';
import { noticeOldAddress, syncSignInEmail } from './email-change';
import { userParamsSchema } from './params.schema';
import { planProfileEdit } from './profile-edit';
import { updateUserBodySchema } from './user.schema';
import { userView } from './user-view';

/**
 * Edits profile fields with If-Match. A name needs only users.edit; an email
 * moves the sign-in, so it passes the identity guard and is never one's own.
 * The table moves first (profile, old uniqueness item released, new one
 * claimed, audit with both addresses, one transaction), then Cognito's
 * attribute, then the notice to the old address: a crash anywhere after the
 * transaction leaves the person signing in with the address the table holds.
 */
export const handler = userHandler({ params: userParamsSchema, body: updateUserBodySchema }, async ({ caller, params, body, headers }) => {
  const expectedVersion = requireIfMatch(headers);
  const { account, person } = await loadAccountTarget(caller, params.id, 'users.edit', { identityGuard: false });
  const { next, emailChanged, audit: entry } = planProfileEdit(caller, { account, person }, body);
  if (account.version !== expectedVersion) throw new VersionConflictError();
  if (emailChanged && (await findAccountByEmail(next.email))) throw new ConflictError('email_taken', 'This email already has an account');
  const now = nowIso();
  const audit = auditRecord({ id: newId(), at: now, actorId: caller.account.id, targetType: 'user', targetId: account.id, ...entry });
  await writeProfileEdit(account, expectedVersion, next, audit, now);
  if (body.email !== undefined) await syncSignInEmail(account, next.email);
  if (emailChanged) await noticeOldAddress(caller, account, now);
  // As stored: the mobile as patched, without what the email move removed (voidedByEmailMove: SES's report on the old address).
  const gone = new Set(['mobile', ...voidedByEmailMove(account, next.email)]);
  const rest = Object.fromEntries(Object.entries(account).filter(([field]) => !gone.has(field))) as Omit<typeof account, 'mobile'>;
  return entity(200, userView({ ...rest, ...next, version: account.version + 1, updatedAt: now }, person));
});
