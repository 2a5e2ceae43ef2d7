import { createHmac, randomUUID } from 'node:crypto';
import {
  AdminDisableUserCommand,
  AdminUserGlobalSignOutCommand,
  AssociateSoftwareTokenCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { SendEmailCommand } from '@aws-sdk/client-ses';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../domain/identity/token-hash';
import { keys } from '../../functions/adapters/dynamo/keys';
import { handler as login } from '../../functions/auth/login';
import { handler as logout } from '../../functions/auth/logout';
import { handler as mfa } from '../../functions/auth/mfa';
import { handler as refresh } from '../../functions/auth/refresh';
import { handler as setupTotp } from '../../functions/me/setup-totp';
import { handler as verifyTotp } from '../../functions/me/verify-totp';
import { handler as deactivate } from '../../functions/users/deactivate-user';
import { mockAws } from '../fixtures/aws-mocks';
import { httpEvent, lambdaContext } from '../fixtures/events';

const { ddb, cognito, ses } = mockAws();

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });
const cancelled = (codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: codes.map((Code) => ({ Code })), $metadata: {} });
const body = (response: { body?: string }) => JSON.parse(response.body ?? '{}');
const SESSION = 'cognito-session-0123456789abcdef';
const TEST_RIGHT = 'The-right-pass-1';

/** An account the mocked table returns for its email: profile, trust (and its lockout policy). */
function arrangeAccount(profile: Record<string, unknown> = {}) {
  const trustId = randomUUID();
  const userId = randomUUID();
  const cognitoUsername = randomUUID();
  const email = `${userId}@test.example`;
  const account = {
    ...keys.userProfile(trustId, userId), id: userId, trustId, email, firstName: 'Jo', lastName: 'Bloggs', userType: 'staff', status: 'active',
    source: 'manual', cognitoUsername, sessionsValidAfter: 0, version: 4, createdAt: '', updatedAt: '', ...profile,
  };
  ddb.on(GetCommand, { Key: keys.email(email) }).resolves({ Item: { trustId, userId } });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) } }).resolves({ Items: [account] });
  ddb.on(GetCommand, { Key: keys.userProfile(trustId, userId) }).resolves({ Item: account });
  ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({
    Item: { id: trustId, name: 'Oak Trust', rootNodeId: trustId, treeVersion: 1, adminUserId: 'admin', createdAt: '', policies: { maxFailedLogins: 5 } },
  });
  return { trustId, userId, cognitoUsername, email, account };
}

const loginEvent = (email: string, password = 'Whatever-pass-1') => httpEvent({ method: 'POST', path: '/auth/login', body: { email, password } });
const mfaEvent = (email: string, code = '123456') => httpEvent({ method: 'POST', path: '/auth/mfa', body: { email, session: SESSION, code } });
const tokensFor = (authTime: number) => ({
  AccessToken: new UnsecuredJWT({ auth_time: authTime, token_use: 'access' }).encode(),
  IdToken: new UnsecuredJWT({}).encode(),
  RefreshToken: `refresh-${randomUUID()}`,
  ExpiresIn: 3600,
});

const counterAdds = () => ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression === 'ADD failedLogins :one');
/** The success write of a sign-in: the failure counter back to zero, the sign-in time recorded (directory lastSignInAt). */
const SIGN_IN_RECORD = 'SET failedLogins = :zero, lastSignInAt = :at, gsi3sk = :at REMOVE reservedUntil';
const counterResets = () => ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression === SIGN_IN_RECORD);
const refreshMappings = () => ddb.commandCalls(PutCommand).filter((c) => String(c.args[0].input.Item?.pk).startsWith('REFRESH#'));

describe('POST /auth/login and the lockout', () => {
  it('answers 423 for a locked account without asking Cognito or counting', async () => {
    const { email } = arrangeAccount({ status: 'locked', failedLogins: 5, lockedAt: new Date().toISOString() });
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(423);
    expect(body(response).code).toBe('account_locked');
    expect(cognito.commandCalls(InitiateAuthCommand)).toHaveLength(0);
    expect(counterAdds()).toHaveLength(0);
  });

  it('completes the lock of an active account already at the limit, without asking Cognito', async () => {
    const { email } = arrangeAccount({ failedLogins: 5 });
    ddb.on(TransactWriteCommand).resolves({});
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(423);
    expect(cognito.commandCalls(InitiateAuthCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Update!.ConditionExpression).toBe('#status = :active AND failedLogins >= :max');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('drops the tokens and answers 423 when failures locked the account while Cognito accepted the right password', async () => {
    const { email, trustId, userId, account } = arrangeAccount({ failedLogins: 4 });
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokensFor(1_700_000_000) });
    ddb.on(UpdateCommand, { UpdateExpression: SIGN_IN_RECORD }).rejects(awsError('ConditionalCheckFailedException'));
    // Read again after the refused reset: the concurrent failures locked it.
    ddb.on(GetCommand, { Key: keys.userProfile(trustId, userId) }).resolves({ Item: { ...account, status: 'locked', failedLogins: 5 } });
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(423);
    expect(response.body).not.toContain('accessToken');
    expect(response.body).not.toContain('refresh-');
    const condition = counterResets()[0]!.args[0].input;
    expect(condition.ConditionExpression).toContain('#status = :active');
    expect(condition.ExpressionAttributeValues).toMatchObject({ ':max': 5 });
  });

  it('drops the tokens when the account, at zero failures when the attempt began, is locked by the time Cognito accepts', async () => {
    const { email, trustId, userId, account } = arrangeAccount();
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokensFor(1_700_000_000) });
    ddb.on(GetCommand, { Key: keys.userProfile(trustId, userId) }).resolves({ Item: { ...account, status: 'locked', failedLogins: 6 } });
    ddb.on(UpdateCommand, { UpdateExpression: SIGN_IN_RECORD }).rejects(awsError('ConditionalCheckFailedException'));
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(423);
    expect(response.body).not.toContain('accessToken');
  });

  it('resets a counter above zero after a success, on the condition that the account is still active and below the limit', async () => {
    const { email } = arrangeAccount({ failedLogins: 3 });
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokensFor(1_700_000_000) });
    ddb.on(UpdateCommand, { UpdateExpression: SIGN_IN_RECORD }).resolves({});
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(counterResets()).toHaveLength(1);
    expect(counterResets()[0]!.args[0].input.ConditionExpression).toBe('#status = :active AND (attribute_not_exists(failedLogins) OR failedLogins < :max)');
    expect(refreshMappings()).toHaveLength(1);
  });

  it('counts a wrong password, and the failure that reaches the limit locks and emails the person', async () => {
    const { email } = arrangeAccount({ failedLogins: 4 });
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    ddb.on(UpdateCommand, { UpdateExpression: 'ADD failedLogins :one' }).resolves({ Attributes: { failedLogins: 5 } });
    ddb.on(TransactWriteCommand).resolves({});
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(401);
    expect(body(response).code).toBe('invalid_credentials');
    expect(counterAdds()).toHaveLength(1);
    expect(counterAdds()[0]!.args[0].input.ReturnValues).toBe('UPDATED_NEW');
    const lock = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(lock[0]!.Update!.ExpressionAttributeValues).toMatchObject({ ':locked': 'locked', ':max': 5 });
    expect(lock[1]!.Put!.Item).toMatchObject({ action: 'user.locked', actorId: 'system' });
    const sent = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(sent.Destination?.ToAddresses).toEqual([email]);
    expect(sent.Message?.Subject?.Data).toBe('Your Oak Trust account is locked');
  });

  it('sends no email when another request locked the account first', async () => {
    const { email } = arrangeAccount({ failedLogins: 3 });
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    // Concurrent failures moved the counter past the limit; another request's lock won the condition.
    ddb.on(UpdateCommand, { UpdateExpression: 'ADD failedLogins :one' }).resolves({ Attributes: { failedLogins: 7 } });
    ddb.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None']));
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(401);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('still answers and keeps the lock when the lock email cannot be sent', async () => {
    const { email } = arrangeAccount({ failedLogins: 4 });
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    ddb.on(UpdateCommand, { UpdateExpression: 'ADD failedLogins :one' }).resolves({ Attributes: { failedLogins: 5 } });
    ddb.on(TransactWriteCommand).resolves({});
    ses.on(SendEmailCommand).rejects(awsError('MessageRejected'));
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(401);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('spends on an unknown email the work of a wrong password: a Cognito attempt and the same writes, on its counter and decoy items only', async () => {
    ddb.on(GetCommand).resolves({});
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    const response = await login(loginEvent('nobody@test.example'), lambdaContext());
    expect(response.statusCode).toBe(401);
    expect(body(response).code).toBe('invalid_credentials');
    expect(cognito.commandCalls(InitiateAuthCommand)[0]!.args[0].input.AuthParameters!.USERNAME).toMatch(/@invalid\.invalid$/);
    const writes = [...ddb.commandCalls(UpdateCommand), ...ddb.commandCalls(PutCommand)].map((c) => {
      const input = c.args[0].input as { Key?: { pk: string }; Item?: { pk: string } };
      return input.Key?.pk ?? input.Item?.pk;
    });
    // As for an account: the attempt's reservation, then the counted failure ‖ the audit record's stand-in.
    expect(writes).toHaveLength(3);
    expect(writes).toEqual(expect.arrayContaining([`SIGNIN#${hashToken('nobody@test.example')}`, `SIGNIN#${hashToken('nobody@test.example')}`, expect.stringMatching(/^DECOY#\d+$/)]));
  });

  it('reserves the attempt on the profile before Cognito, and answers 423 without asking Cognito when no place is left', async () => {
    const { email } = arrangeAccount({ failedLogins: 2 });
    ddb.on(UpdateCommand, { UpdateExpression: 'SET reservedAttempts = if_not_exists(failedLogins, :zero) + :one, reservedUntil = :until' }).rejects(awsError('ConditionalCheckFailedException'));
    ddb.on(UpdateCommand, { UpdateExpression: 'SET reservedAttempts = reservedAttempts + :one, reservedUntil = :until' }).rejects(awsError('ConditionalCheckFailedException'));
    const response = await login(loginEvent(email, TEST_RIGHT), lambdaContext());
    expect(response.statusCode).toBe(423);
    expect(body(response).code).toBe('account_locked');
    expect(cognito.commandCalls(InitiateAuthCommand)).toHaveLength(0);
    const tried = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(tried).toHaveLength(2);
    expect(tried.every((input) => input.ConditionExpression!.includes('#status = :active') && input.ExpressionAttributeValues![':limit'] === 5)).toBe(true);
    expect(counterAdds()).toHaveLength(0);
  });

  it('does not count Cognito throttling as a failed sign-in', async () => {
    const { email } = arrangeAccount();
    cognito.on(InitiateAuthCommand).rejects(awsError('TooManyRequestsException'));
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(429);
    expect(counterAdds()).toHaveLength(0);
  });

  it('answers the TOTP challenge with MFA_TOTP and remembers the session for this account only', async () => {
    const { email, trustId, userId } = arrangeAccount({ mfaEnabled: true, mfaEnabledAt: 1 });
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: SESSION, ChallengeParameters: {} });
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({ challenge: 'MFA_TOTP', session: SESSION });
    const saved = ddb.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.entity === 'mfa-session')!.args[0].input.Item!;
    expect(saved).toMatchObject({ ...keys.mfaSession(hashToken(SESSION)), trustId, userId });
    expect(saved.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 180);
    expect(counterResets()).toHaveLength(0);
  });

  it('treats an unexpected Cognito challenge as a server error, not a sign-in', async () => {
    const { email } = arrangeAccount();
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: SESSION });
    const response = await login(loginEvent(email), lambdaContext());
    expect(response.statusCode).toBe(500);
  });
});

describe('POST /auth/mfa', () => {
  function arrangeMfa(profile: Record<string, unknown> = {}) {
    const arranged = arrangeAccount({ mfaEnabled: true, mfaEnabledAt: 1, ...profile });
    ddb.on(GetCommand, { Key: keys.mfaSession(hashToken(SESSION)) }).resolves({
      Item: { ...keys.mfaSession(hashToken(SESSION)), trustId: arranged.trustId, userId: arranged.userId, expiresAt: Math.floor(Date.now() / 1000) + 100 },
    });
    return arranged;
  }

  it('answers 423 for a locked account before asking Cognito', async () => {
    const { email } = arrangeMfa({ status: 'locked', lockedAt: new Date().toISOString() });
    const response = await mfa(mfaEvent(email), lambdaContext());
    expect(response.statusCode).toBe(423);
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)).toHaveLength(0);
  });

  it('answers 401 invalid_mfa_code for a wrong code and counts it toward the lock', async () => {
    const { email } = arrangeMfa();
    cognito.on(RespondToAuthChallengeCommand).rejects(awsError('CodeMismatchException'));
    ddb.on(UpdateCommand, { UpdateExpression: 'ADD failedLogins :one' }).resolves({ Attributes: { failedLogins: 1 } });
    const response = await mfa(mfaEvent(email), lambdaContext());
    expect(response.statusCode).toBe(401);
    expect(body(response).code).toBe('invalid_mfa_code');
    expect(counterAdds()).toHaveLength(1);
    const audit = ddb.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.action === 'login.failed')!.args[0].input.Item!;
    expect(audit.after).toEqual({ reason: 'mfa_code', failedLogins: 1 });
  });

  it('refuses a session this service did not hand to this account, without asking Cognito', async () => {
    const { email } = arrangeAccount({ mfaEnabled: true, mfaEnabledAt: 1 });
    ddb.on(GetCommand, { Key: keys.mfaSession(hashToken(SESSION)) }).resolves({ Item: { trustId: 'other', userId: 'other', expiresAt: Math.floor(Date.now() / 1000) + 100 } });
    const response = await mfa(mfaEvent(email), lambdaContext());
    expect(response.statusCode).toBe(401);
    expect(body(response).code).toBe('invalid_mfa_session');
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)).toHaveLength(0);
  });

  it('answers 429 when Cognito rate-limits, without counting a failure', async () => {
    const { email } = arrangeMfa();
    cognito.on(RespondToAuthChallengeCommand).rejects(awsError('TooManyRequestsException'));
    const response = await mfa(mfaEvent(email), lambdaContext());
    expect(response.statusCode).toBe(429);
    expect(counterAdds()).toHaveLength(0);
  });

  /*
   * cognito-local never stores the refresh tokens RespondToAuthChallenge
   * issues, so REFRESH_TOKEN_AUTH fails for them on the local stack. This
   * covers the path with mocks: the TOTP sign-in stores the refresh mapping
   * with its sign-in time, and POST /auth/refresh honours it.
   */
  it('signs in with the code (USERNAME and SECRET_HASH of the Cognito user), and the refresh token it returns works', async () => {
    const { email, cognitoUsername, trustId, userId } = arrangeMfa();
    const authTime = Math.floor(Date.now() / 1000);
    const issued = tokensFor(authTime);
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: issued });
    ddb.on(DeleteCommand).resolves({});
    const response = await mfa(mfaEvent(email, '654321'), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(body(response)).toMatchObject({ accessToken: issued.AccessToken, refreshToken: issued.RefreshToken });
    const challenge = cognito.commandCalls(RespondToAuthChallengeCommand)[0]!.args[0].input;
    const expectedHash = createHmac('sha256', process.env.USER_POOL_CLIENT_SECRET!).update(cognitoUsername + process.env.USER_POOL_CLIENT_ID!).digest('base64');
    expect(challenge).toMatchObject({
      ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: SESSION,
      ChallengeResponses: { USERNAME: cognitoUsername, SOFTWARE_TOKEN_MFA_CODE: '654321', SECRET_HASH: expectedHash },
    });
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual(keys.mfaSession(hashToken(SESSION)));
    // The TOTP step is a successful sign-in: the counter reset and the sign-in time recorded, once.
    expect(counterResets()).toHaveLength(1);
    expect(counterResets()[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':at': expect.any(String) });
    const mapping = refreshMappings()[0]!.args[0].input.Item!;
    expect(mapping).toMatchObject({ ...keys.refreshToken(hashToken(issued.RefreshToken)), trustId, userId, cognitoUsername, authTime });

    // The refresh: the mapping and the account as stored; Cognito issues new tokens that keep auth_time.
    ddb.on(GetCommand, { Key: keys.refreshToken(hashToken(issued.RefreshToken)) }).resolves({ Item: mapping });
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { ...tokensFor(authTime), RefreshToken: undefined } });
    const refreshed = await refresh(httpEvent({ method: 'POST', path: '/auth/refresh', body: { refreshToken: issued.RefreshToken } }), lambdaContext());
    expect(refreshed.statusCode).toBe(200);
    expect(body(refreshed).refreshToken).toBeUndefined();
    expect(cognito.commandCalls(InitiateAuthCommand)[0]!.args[0].input).toMatchObject({
      AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: issued.RefreshToken, SECRET_HASH: expectedHash },
    });
  });

  it('drops the tokens when the same session was used up by a concurrent request', async () => {
    const { email } = arrangeMfa();
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: tokensFor(1) });
    ddb.on(DeleteCommand).rejects(awsError('ConditionalCheckFailedException'));
    const response = await mfa(mfaEvent(email), lambdaContext());
    expect(response.statusCode).toBe(401);
    expect(body(response).code).toBe('invalid_mfa_session');
    expect(refreshMappings()).toHaveLength(0);
  });
});

/** A signed-in trust admin whose account, trust and tree the mocked table returns. */
function arrangeCaller(profile: Record<string, unknown> = {}) {
  const trustId = randomUUID();
  const userId = randomUUID();
  const sub = randomUUID();
  const schoolId = randomUUID();
  const account = {
    ...keys.userProfile(trustId, userId), id: userId, trustId, email: 'admin@t.example', firstName: 'A', lastName: 'B', userType: 'staff',
    status: 'active', source: 'manual', cognitoUsername: sub, sessionsValidAfter: 0, version: 1, createdAt: '', updatedAt: '', ...profile,
  };
  ddb.on(GetCommand, { Key: keys.identity(sub) }).resolves({ Item: { trustId, userId } });
  ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: { id: trustId, name: 'Oak Trust', rootNodeId: trustId, treeVersion: 1, adminUserId: userId, createdAt: '' } });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) } }).resolves({
    Items: [account, { ...keys.assignment(trustId, userId, 'a1'), id: 'a1', roleId: 'preset-trust-admin', nodeId: trustId }],
  });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.treePartition(trustId) } }).resolves({
    Items: [
      { ...keys.node(trustId, trustId), id: trustId, kind: 'trust', name: 'T', parentId: null, version: 1 },
      { ...keys.node(trustId, schoolId), id: schoolId, kind: 'school', name: 'S', parentId: trustId, version: 1 },
    ],
  });
  return { trustId, userId, sub, schoolId };
}

function arrangeTarget(trustId: string, schoolId: string) {
  const targetId = randomUUID();
  const cognitoUsername = randomUUID();
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, targetId) } }).resolves({
    Items: [
      {
        ...keys.userProfile(trustId, targetId), id: targetId, trustId, email: 't@t.example', firstName: 'T', lastName: 'T', userType: 'staff',
        status: 'active', source: 'manual', cognitoUsername, sessionsValidAfter: 0, version: 2, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '',
      },
      { ...keys.membership(trustId, targetId, schoolId), nodeId: schoolId, primary: true, isManager: false },
    ],
  });
  return { targetId, cognitoUsername };
}

const deactivateEvent = (sub: string, id: string) =>
  httpEvent({ method: 'POST', path: `/users/${id}/deactivate`, routePath: '/users/{id}/deactivate', pathParameters: { id }, sub });

describe('POST /users/{id}/deactivate against Cognito', () => {
  it('writes the status, sessions cut-off and audit in one versioned transaction, then disables the Cognito user', async () => {
    const { sub, trustId, schoolId } = arrangeCaller();
    const { targetId, cognitoUsername } = arrangeTarget(trustId, schoolId);
    ddb.on(TransactWriteCommand).resolves({});
    cognito.on(AdminDisableUserCommand).resolves({});
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});
    const started = Math.floor(Date.now() / 1000);
    const response = await deactivate(deactivateEvent(sub, targetId), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(body(response)).toMatchObject({ id: targetId, status: 'inactive', version: 3 });
    const [profile, audit] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(profile!.Update!.ConditionExpression).toBe('version = :seen');
    expect(profile!.Update!.ExpressionAttributeValues).toMatchObject({ ':status': 'inactive', ':seen': 2, ':acceptedAt': '2025-01-01T00:00:00.000Z' });
    expect(profile!.Update!.ExpressionAttributeValues![':sessionsValidAfter']).toBeGreaterThan(started); // every token of that second or earlier is cut
    expect(audit!.Put!.Item).toMatchObject({ action: 'user.deactivated', targetId, nodeId: schoolId });
    expect(cognito.commandCalls(AdminDisableUserCommand)[0]!.args[0].input.Username).toBe(cognitoUsername);
    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)).toHaveLength(1);
  });

  it('ignores only the emulator\'s "unsupported" answer to the global sign-out', async () => {
    const { sub, trustId, schoolId } = arrangeCaller();
    const { targetId } = arrangeTarget(trustId, schoolId);
    ddb.on(TransactWriteCommand).resolves({});
    cognito.on(AdminDisableUserCommand).resolves({});
    cognito.on(AdminUserGlobalSignOutCommand).rejects(awsError('Unsupported', 'Cognito Local unsupported feature: Unsupported x-amz-target header "AdminUserGlobalSignOut"'));
    expect((await deactivate(deactivateEvent(sub, targetId), lambdaContext())).statusCode).toBe(200);

    cognito.on(AdminUserGlobalSignOutCommand).rejects(awsError('InternalErrorException', 'cognito broke'));
    expect((await deactivate(deactivateEvent(sub, targetId), lambdaContext())).statusCode).toBe(500);
    cognito.on(AdminUserGlobalSignOutCommand).rejects(awsError('Unsupported', 'something else'));
    expect((await deactivate(deactivateEvent(sub, targetId), lambdaContext())).statusCode).toBe(500);
  });

  it('answers 429 when Cognito rate-limits the disable (the table already says inactive; a retry finishes it)', async () => {
    const { sub, trustId, schoolId } = arrangeCaller();
    const { targetId } = arrangeTarget(trustId, schoolId);
    ddb.on(TransactWriteCommand).resolves({});
    cognito.on(AdminDisableUserCommand).rejects(awsError('TooManyRequestsException'));
    const response = await deactivate(deactivateEvent(sub, targetId), lambdaContext());
    expect(response.statusCode).toBe(429);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('re-reads (through reach and the identity guard again) and plans again when the profile changed meanwhile', async () => {
    const { sub, trustId, schoolId } = arrangeCaller();
    const { targetId } = arrangeTarget(trustId, schoolId);
    // The person's partition as the retry reads it: locked meanwhile (a failed sign-in), version 3.
    const partition = (status: string, version: number) => ({
      Items: [
        {
          ...keys.userProfile(trustId, targetId), id: targetId, trustId, email: 't@t.example', firstName: 'T', lastName: 'T', userType: 'staff',
          status, source: 'manual', cognitoUsername: 'c', sessionsValidAfter: 0, version, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '',
        },
        { ...keys.membership(trustId, targetId, schoolId), nodeId: schoolId, primary: true, isManager: false },
      ],
    });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, targetId) } }).resolvesOnce(partition('active', 2)).resolves(partition('locked', 3));
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['ConditionalCheckFailed', 'None'])).resolves({});
    cognito.on(AdminDisableUserCommand).resolves({});
    const response = await deactivate(deactivateEvent(sub, targetId), lambdaContext());
    expect(response.statusCode).toBe(200);
    const seen = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems![0]!.Update!.ExpressionAttributeValues![':seen']);
    expect(seen).toEqual([2, 3]);
    expect(ddb.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems![1]!.Put!.Item!.before).toEqual({ status: 'locked' });
  });
});

describe('TOTP set-up and sign-out with the caller\'s own token', () => {
  it('starts set-up with the bearer token of the request and answers the otpauth URI', async () => {
    const { sub } = arrangeCaller();
    cognito.on(AssociateSoftwareTokenCommand).resolves({ SecretCode: 'JBSWY3DPEHPK3PXP' });
    const event = httpEvent({ method: 'POST', path: '/me/mfa/totp/setup', sub, headers: { Authorization: 'Bearer the-access-token' } });
    const response = await setupTotp(event, lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({ secret: 'JBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/Oak%20Trust:admin%40t.example?secret=JBSWY3DPEHPK3PXP&issuer=Oak%20Trust' });
    expect(cognito.commandCalls(AssociateSoftwareTokenCommand)[0]!.args[0].input.AccessToken).toBe('the-access-token');
  });

  it('refuses to start set-up in a session that signed in more than 15 minutes ago (403 recent_sign_in_required), so a stolen token alone cannot enrol an authenticator (review A, L1)', async () => {
    const { sub } = arrangeCaller();
    cognito.on(AssociateSoftwareTokenCommand).resolves({ SecretCode: 'JBSWY3DPEHPK3PXP' });
    const old = Math.floor(Date.now() / 1000) - 16 * 60;
    const stale = await setupTotp(httpEvent({ method: 'POST', path: '/me/mfa/totp/setup', sub, authTime: old, headers: { Authorization: 'Bearer t' } }), lambdaContext());
    expect(stale.statusCode).toBe(403);
    expect(body(stale).code).toBe('recent_sign_in_required');
    expect(cognito.commandCalls(AssociateSoftwareTokenCommand)).toHaveLength(0);
    const fresh = await setupTotp(httpEvent({ method: 'POST', path: '/me/mfa/totp/setup', sub, authTime: old + 2 * 60, headers: { Authorization: 'Bearer t' } }), lambdaContext());
    expect(fresh.statusCode).toBe(200);
  });

  it('answers 400 invalid_mfa_code when AWS refuses the set-up code, and turns nothing on', async () => {
    const { sub } = arrangeCaller();
    cognito.on(VerifySoftwareTokenCommand).rejects(awsError('EnableSoftwareTokenMFAException'));
    const event = httpEvent({ method: 'POST', path: '/me/mfa/totp/verify', sub, body: { code: '123456' }, headers: { authorization: 'Bearer t' } });
    const response = await verifyTotp(event, lambdaContext());
    expect(response.statusCode).toBe(400);
    expect(body(response).code).toBe('invalid_mfa_code');
    expect(cognito.commandCalls(SetUserMFAPreferenceCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('makes TOTP preferred and required, then records it on the profile', async () => {
    const { sub } = arrangeCaller();
    cognito.on(VerifySoftwareTokenCommand).resolves({ Status: 'SUCCESS' });
    cognito.on(SetUserMFAPreferenceCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const event = httpEvent({ method: 'POST', path: '/me/mfa/totp/verify', sub, body: { code: '123456' }, headers: { authorization: 'Bearer t' } });
    expect((await verifyTotp(event, lambdaContext())).statusCode).toBe(204);
    expect(cognito.commandCalls(SetUserMFAPreferenceCommand)[0]!.args[0].input).toEqual({
      AccessToken: 't', SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    });
    const [profile, audit] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(profile!.Update!.ExpressionAttributeValues).toMatchObject({ ':mfaEnabled': true });
    expect(audit!.Put!.Item).toMatchObject({ action: 'mfa.enabled' });
  });

  it('signs out: moves the cut-off forward and ignores only the emulator\'s missing global sign-out', async () => {
    const { sub } = arrangeCaller();
    ddb.on(TransactWriteCommand).resolves({});
    cognito.on(AdminUserGlobalSignOutCommand).rejects(awsError('Unsupported', 'Cognito Local unsupported feature: x'));
    const event = httpEvent({ method: 'POST', path: '/auth/logout', sub });
    const before = Math.floor(Date.now() / 1000);
    expect((await logout(event, lambdaContext())).statusCode).toBe(204);
    const after = Math.floor(Date.now() / 1000);
    const update = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Update!;
    // The next whole second after the sign-out, whichever second the call ran in.
    expect(update.ExpressionAttributeValues![':t']).toBeGreaterThanOrEqual(before + 1);
    expect(update.ExpressionAttributeValues![':t']).toBeLessThanOrEqual(after + 1);
    cognito.on(AdminUserGlobalSignOutCommand).rejects(awsError('TooManyRequestsException'));
    expect((await logout(httpEvent({ method: 'POST', path: '/auth/logout', sub }), lambdaContext())).statusCode).toBe(429);
  });
});
