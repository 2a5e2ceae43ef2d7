import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError, VersionConflictError } from '../../domain/errors';
import { findAccountByEmail } from '../adapters/dynamo/account-repository';
import { writeProfileEdit, type ProfileFields } from '../adapters/dynamo/profile-writes';
import { httpHandler } from '../http/handler';
import { entity, requireIfMatch } from '../http/responses';
import { assertDominates, refuseSelfChange } from '../shared/identity-guard';
import { newId, nowIso } from '../shared/ids';
import { loadAccountTarget } from './account-target';
import { noticeOldAddress, syncSignInEmail } from './email-change';
import { updateUserBodySchema, userParamsSchema } from './user.schema';
import { userView } from './user-view';

/**
 * Edits profile fields with If-Match. A name needs only users.edit; an email
 * moves the sign-in, so it passes the identity guard and is never one's own.
 * The table moves first (profile, old uniqueness item released, new one
 * claimed, audit with both addresses, one transaction), then Cognito's
 * attribute, then the notice to the old address: a crash anywhere after the
 * transaction leaves the person signing in with the address the table holds.
 */
export const handler = httpHandler({ auth: 'user', params: userParamsSchema, body: updateUserBodySchema }, async ({ caller, params, body, headers }) => {
  const expectedVersion = requireIfMatch(headers);
  const { account, person } = await loadAccountTarget(caller, params.id, 'users.edit', { identityGuard: false });
  const mobile = body.mobile === undefined ? account.mobile : body.mobile;
  const next: ProfileFields = {
    firstName: body.firstName ?? account.firstName,
    lastName: body.lastName ?? account.lastName,
    email: body.email ?? account.email,
    ...(mobile ? { mobile } : {}),
    // Hand edits of an MIS record are kept by the nightly sync.
    edited: account.edited || account.source === 'mis',
  };
  const emailChanged = next.email !== account.email;
  if (emailChanged) {
    refuseSelfChange(caller, account.id, 'sign-in email');
    assertDominates(caller, person);
  }
  if (account.version !== expectedVersion) throw new VersionConflictError();
  if (emailChanged && (await findAccountByEmail(next.email))) throw new ConflictError('email_taken', 'This email already has an account');
  const now = nowIso();
  const audit = auditRecord({
    id: newId(), at: now, actorId: caller.account.id, action: 'user.updated', targetType: 'user', targetId: account.id,
    nodeId: person.memberships.find((m) => m.primary)?.nodeId ?? null,
    before: { firstName: account.firstName, lastName: account.lastName, email: account.email, mobile: account.mobile },
    after: { firstName: next.firstName, lastName: next.lastName, email: next.email, mobile: next.mobile },
  });
  await writeProfileEdit(account, expectedVersion, next, audit, now);
  if (body.email !== undefined) await syncSignInEmail(account, next.email);
  if (emailChanged) await noticeOldAddress(caller, account, now);
  const { mobile: _old, ...rest } = account;
  return entity(200, userView({ ...rest, ...next, version: account.version + 1, updatedAt: now }, person));
});
