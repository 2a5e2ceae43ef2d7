import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError, VersionConflictError } from '../../domain/errors';
import { findAccountByEmail } from '../adapters/dynamo/account-repository';
import { writeProfileEdit, type ProfileFields } from '../adapters/dynamo/profile-writes';
import { updateCognitoEmail } from '../adapters/cognito/user-pool';
import { httpHandler } from '../http/handler';
import { entity, requireIfMatch } from '../http/responses';
import { newId, nowIso } from '../shared/ids';
import { loadAccountTarget } from './account-target';
import { updateUserBodySchema, userParamsSchema } from './user.schema';
import { userView } from './user-view';

/**
 * Edits profile fields with If-Match. An email change moves the Cognito
 * login and the uniqueness item together: Cognito first, then the
 * transaction; if the transaction is refused, Cognito is put back.
 */
export const handler = httpHandler({ auth: 'user', params: userParamsSchema, body: updateUserBodySchema }, async ({ caller, params, body, headers }) => {
  const expectedVersion = requireIfMatch(headers);
  const { account, person } = await loadAccountTarget(caller, params.id, 'users.edit');
  if (account.version !== expectedVersion) throw new VersionConflictError();
  const next: ProfileFields = {
    firstName: body.firstName ?? account.firstName,
    lastName: body.lastName ?? account.lastName,
    email: body.email ?? account.email,
    ...((body.mobile === undefined ? account.mobile : body.mobile) ? { mobile: (body.mobile === undefined ? account.mobile : body.mobile)! } : {}),
    // Hand edits of an MIS record are kept by the nightly sync.
    edited: account.edited || account.source === 'mis',
  };
  const emailChanged = next.email !== account.email;
  if (emailChanged && (await findAccountByEmail(next.email))) throw new ConflictError('email_taken', 'This email already has an account');
  const now = nowIso();
  const before = { firstName: account.firstName, lastName: account.lastName, email: account.email, mobile: account.mobile };
  const audit = auditRecord({
    id: newId(), at: now, actorId: caller.account.id, action: 'user.updated', targetType: 'user', targetId: account.id,
    nodeId: person.memberships.find((m) => m.primary)?.nodeId ?? null, before, after: { firstName: next.firstName, lastName: next.lastName, email: next.email, mobile: next.mobile },
  });
  if (emailChanged) await updateCognitoEmail(account.cognitoUsername, next.email);
  try {
    await writeProfileEdit(account, expectedVersion, next, audit, now);
  } catch (error) {
    if (emailChanged) await updateCognitoEmail(account.cognitoUsername, account.email).catch(() => undefined);
    throw error;
  }
  const { mobile: _old, ...rest } = account;
  return entity(200, userView({ ...rest, ...next, version: account.version + 1, updatedAt: now }, person));
});
