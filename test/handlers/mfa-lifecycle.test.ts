import { randomUUID } from 'node:crypto';
import { AdminInitiateAuthCommand, AdminSetUserMFAPreferenceCommand, InitiateAuthCommand, AdminUserGlobalSignOutCommand, RespondToAuthChallengeCommand } from '@aws-sdk/client-cognito-identity-provider';
import { SendEmailCommand } from '@aws-sdk/client-ses';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { UnsecuredJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { hashToken } from '../../domain/identity/token-hash';
import { keys } from '../../functions/adapters/dynamo/keys';
import { handler as login } from '../../functions/auth/login';
import { handler as mfa } from '../../functions/auth/mfa';
import { handler as resetMfa } from '../../functions/users/reset-mfa';
import { mockAws } from '../fixtures/aws-mocks';
import { httpEvent, lambdaContext } from '../fixtures/events';

const { ddb, cognito, ses } = mockAws();
beforeEach(() => {
  ddb.on(PutCommand).resolves({});
});

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });
const NOW_S = () => Math.floor(Date.now() / 1000);
const profile = (trustId: string, id: string, extra: Record<string, unknown> = {}) => ({
  ...keys.userProfile(trustId, id), id, trustId, email: `${id}@t.example`, firstName: 'F', lastName: 'L', userType: 'staff', status: 'active',
  source: 'manual', cognitoUsername: `cognito-${id}`, sessionsValidAfter: 0, version: 2, createdAt: '', updatedAt: '', ...extra,
});

/** A Trust Admin in a 2FA session, and a teacher at a school with TOTP on, as the mocked table holds them. */
function arrangeReset() {
  const trustId = randomUUID();
  const adminId = randomUUID();
  const sub = randomUUID();
  const schoolId = randomUUID();
  const targetId = randomUUID();
  ddb.on(GetCommand, { Key: keys.identity(sub) }).resolves({ Item: { trustId, userId: adminId } });
  ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: { id: trustId, name: 'Oak Trust', rootNodeId: trustId, treeVersion: 1, adminUserId: adminId, createdAt: '' } });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, adminId) } }).resolves({
    Items: [profile(trustId, adminId, { mfaEnabled: true, mfaEnabledAt: 1 }), { ...keys.assignment(trustId, adminId, 'a1'), id: 'a1', roleId: presetIds.trustAdmin, nodeId: trustId }],
  });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.treePartition(trustId) } }).resolves({
    Items: [
      { ...keys.node(trustId, trustId), id: trustId, kind: 'trust', name: 'T', parentId: null, version: 1 },
      { ...keys.node(trustId, schoolId), id: schoolId, kind: 'school', name: 'S', parentId: trustId, version: 1 },
    ],
  });
  const target = profile(trustId, targetId, { mfaEnabled: true, mfaEnabledAt: 100 });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, targetId) } }).resolves({
    Items: [
      target,
      { ...keys.membership(trustId, targetId, schoolId), nodeId: schoolId, primary: true, isManager: false },
      { ...keys.assignment(trustId, targetId, 't1'), id: 't1', roleId: presetIds.teacher, nodeId: schoolId },
    ],
  });
  ddb.on(TransactWriteCommand).resolves({});
  const event = httpEvent({ method: 'POST', path: `/users/${targetId}/mfa/reset`, routePath: '/users/{id}/mfa/reset', pathParameters: { id: targetId }, sub });
  return { event, target };
}

describe('POST /users/{id}/mfa/reset against Cognito', () => {
  it('turns TOTP off and cuts every session in the table first; when Cognito rate-limits, answers 429 without emailing (a retry finishes it)', async () => {
    const { event, target } = arrangeReset();
    cognito.on(AdminSetUserMFAPreferenceCommand).rejects(awsError('TooManyRequestsException'));
    const started = Math.floor(Date.now() / 1000);
    const response = await resetMfa(event, lambdaContext());
    expect(response.statusCode).toBe(429);
    const [update, audit] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(update!.Update!.ExpressionAttributeValues).toMatchObject({ ':mfaEnabled': false, ':seen': 2 });
    expect(update!.Update!.ExpressionAttributeValues![':sessionsValidAfter']).toBeGreaterThan(started); // every token of the reset's second or earlier is cut
    expect(update!.Update!.UpdateExpression).toMatch(/REMOVE #mfaEnabledAt, #mfaSessionIds$/);
    expect(audit!.Put!.Item).toMatchObject({ action: 'mfa.reset', targetId: target.id });
    expect(cognito.commandCalls(AdminSetUserMFAPreferenceCommand)[0]!.args[0].input).toMatchObject({
      Username: target.cognitoUsername, SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false },
    });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it("ignores only the emulator's \"unsupported\" answer to AdminSetUserMFAPreference, then signs out globally and emails the person", async () => {
    const { event, target } = arrangeReset();
    cognito.on(AdminSetUserMFAPreferenceCommand).rejects(awsError('Unsupported', 'Cognito Local unsupported feature: Unsupported x-amz-target header "AdminSetUserMFAPreference"'));
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});
    expect((await resetMfa(event, lambdaContext())).statusCode).toBe(204);
    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)[0]!.args[0].input.Username).toBe(target.cognitoUsername);
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Destination!.ToAddresses).toEqual([target.email]);
    // The next password sign-in finishes it, and only for an account whose TOTP the table says is off.
    const pending = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.UpdateExpression === 'SET cognitoTotpOffPending = :true')!;
    expect(pending.args[0].input.ConditionExpression).toBe('mfaEnabled = :false');

    cognito.on(AdminSetUserMFAPreferenceCommand).rejects(awsError('InternalErrorException', 'cognito broke'));
    expect((await resetMfa(event, lambdaContext())).statusCode).toBe(500);
  });
});

describe('POST /auth/mfa records a sign-in made in the second TOTP went on', () => {
  const SESSION = 'cognito-session-0123456789abcdef';

  function arrangeMfa(mfaEnabledAt: number) {
    const trustId = randomUUID();
    const userId = randomUUID();
    const account = profile(trustId, userId, { mfaEnabled: true, mfaEnabledAt });
    ddb.on(GetCommand, { Key: keys.email(account.email) }).resolves({ Item: { trustId, userId } });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) } }).resolves({ Items: [account] });
    ddb.on(GetCommand, { Key: keys.userProfile(trustId, userId) }).resolves({ Item: account });
    ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: { id: trustId, name: 'Oak', rootNodeId: trustId, treeVersion: 1, adminUserId: 'x', createdAt: '' } });
    ddb.on(GetCommand, { Key: keys.mfaSession(hashToken(SESSION)) }).resolves({ Item: { trustId, userId, expiresAt: NOW_S() + 100 } });
    ddb.on(DeleteCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    return { account, event: httpEvent({ method: 'POST', path: '/auth/mfa', body: { email: account.email, session: SESSION, code: '123456' } }) };
  }

  const issued = (authTime: number) => ({
    AccessToken: new UnsecuredJWT({ auth_time: authTime, origin_jti: 'origin-1', event_id: 'event-1', token_use: 'access' }).encode(),
    IdToken: new UnsecuredJWT({}).encode(), ExpiresIn: 3600,
  });
  const records = () => ddb.commandCalls(UpdateCommand).filter((c) => String(c.args[0].input.UpdateExpression).includes('mfaSessionIds'));

  it('by its origin_jti, on the condition that TOTP is still on since the same time', async () => {
    const authTime = NOW_S();
    const { event } = arrangeMfa(authTime + 1);
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: issued(authTime) });
    expect((await mfa(event, lambdaContext())).statusCode).toBe(200);
    expect(records()).toHaveLength(1);
    expect(records()[0]!.args[0].input).toMatchObject({
      ConditionExpression: expect.stringContaining('mfaEnabled = :true AND mfaEnabledAt = :at'),
      ExpressionAttributeValues: expect.objectContaining({ ':id': ['origin-1'], ':at': authTime + 1 }),
    });
  });

  it('not at all when its time alone shows it came after TOTP went on', async () => {
    const authTime = NOW_S();
    const { event } = arrangeMfa(authTime);
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: issued(authTime) });
    expect((await mfa(event, lambdaContext())).statusCode).toBe(200);
    expect(records()).toHaveLength(0);
  });
});

describe('POST /auth/login and a TOTP the table says is off', () => {
  it('never signs in around the challenge unless an admin reset left it pending (the emulator-only path)', async () => {
    const trustId = randomUUID();
    const userId = randomUUID();
    const account = profile(trustId, userId, { mfaEnabled: false });
    ddb.on(GetCommand, { Key: keys.email(account.email) }).resolves({ Item: { trustId, userId } });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) } }).resolves({ Items: [account] });
    ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: { id: trustId, name: 'Oak', rootNodeId: trustId, treeVersion: 1, adminUserId: 'x', createdAt: '' } });
    // Cognito still challenges: TOTP being turned on right now (Cognito first, then the table), not a reset.
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'cognito-session-0123456789abcdef' });
    const response = await login(httpEvent({ method: 'POST', path: '/auth/login', body: { email: account.email, password: 'Whatever-pass-1' } }), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!).challenge).toBe('MFA_TOTP');
    expect(cognito.commandCalls(AdminInitiateAuthCommand)).toHaveLength(0);
  });
});
