import { randomUUID } from 'node:crypto';
import { InitiateAuthCommand, RespondToAuthChallengeCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../domain/identity/token-hash';
import { CLIENT_IP_HEADER } from '../../functions/adapters/cognito/user-pool';
import { keys } from '../../functions/adapters/dynamo/keys';
import { handler as login } from '../../functions/auth/login';
import { handler as mfa } from '../../functions/auth/mfa';
import { handler as refresh } from '../../functions/auth/refresh';
import { mockAws } from '../fixtures/aws-mocks';
import { httpEvent, lambdaContext } from '../fixtures/events';

const { ddb, cognito } = mockAws();

const CLIENT_IP = '203.0.113.7';
const SESSION = 'cognito-session-0123456789abcdef';
const awsError = (name: string) => Object.assign(new Error(name), { name, $metadata: {} });
const code = (response: { body?: string }) => JSON.parse(response.body ?? '{}').code;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An account the mocked table returns for its email, in a trust with the given policies. */
function arrangeAccount(profile: Record<string, unknown> = {}, policies: Record<string, unknown> = { maxFailedLogins: 5 }) {
  const trustId = randomUUID();
  const userId = randomUUID();
  const email = `${userId}@test.example`;
  const account = {
    ...keys.userProfile(trustId, userId), id: userId, trustId, email, firstName: 'Jo', lastName: 'Bloggs', userType: 'staff', status: 'active',
    source: 'manual', cognitoUsername: randomUUID(), sessionsValidAfter: 0, version: 1, createdAt: '', updatedAt: '', ...profile,
  };
  ddb.on(GetCommand, { Key: keys.email(email) }).resolves({ Item: { trustId, userId } });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) } }).resolves({ Items: [account] });
  ddb.on(GetCommand, { Key: keys.userProfile(trustId, userId) }).resolves({ Item: account });
  ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: { id: trustId, name: 'Oak', rootNodeId: trustId, treeVersion: 1, adminUserId: 'a', createdAt: '', policies } });
  return { trustId, userId, email, account };
}

/** The failure counter of an email that may not sign in, as stored. */
function arrangeCounter(email: string, counter: Record<string, unknown>) {
  ddb.on(GetCommand, { Key: keys.signInFailures(hashToken(email)) }).resolves({ Item: { ...keys.signInFailures(hashToken(email)), ...counter } });
}

const loginEvent = (email: string) => httpEvent({ method: 'POST', path: '/auth/login', body: { email, password: 'Whatever-pass-1' }, sourceIp: CLIENT_IP });
const counterWrites = (email: string) =>
  [...ddb.commandCalls(UpdateCommand), ...ddb.commandCalls(PutCommand)]
    .map((c) => c.args[0].input as { Key?: { pk: string }; Item?: { pk: string }; UpdateExpression?: string; ExpressionAttributeValues?: Record<string, unknown> })
    .filter((input) => (input.Key ?? input.Item)?.pk === keys.signInFailures(hashToken(email)).pk);

describe('the client IP reaches Cognito on every sign-in call', () => {
  it('sends the request\'s source IP with the password step', async () => {
    const { email } = arrangeAccount();
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    await login(loginEvent(email), lambdaContext());
    expect(cognito.commandCalls(InitiateAuthCommand)[0]!.args[0].input.UserContextData).toEqual({ IpAddress: CLIENT_IP });
  });

  it('adds it as the header the user pool\'s per-IP WAF rule counts by', async () => {
    const { email } = arrangeAccount();
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    await login(loginEvent(email), lambdaContext());
    const command = cognito.commandCalls(InitiateAuthCommand)[0]!.args[0];
    // Run the command's own middleware as the SDK would while building the HTTP request.
    let headers: Record<string, string> = {};
    const handler = command.middlewareStack.resolve(async (args) => {
      headers = (args.request as { headers: Record<string, string> }).headers;
      return { output: {} as never, response: {} };
    }, {} as never);
    await handler({ input: command.input, request: { headers: {} } } as never);
    expect(headers[CLIENT_IP_HEADER]).toBe(CLIENT_IP);
  });

  it('answers 429, uncounted, when the WAF blocks the sign-in call, for a known and for an unknown email alike', async () => {
    ddb.on(GetCommand).resolves({});
    const { email } = arrangeAccount();
    cognito.on(InitiateAuthCommand).rejects(awsError('ForbiddenException'));
    const known = await login(loginEvent(email), lambdaContext());
    const unknown = await login(loginEvent('nobody@test.example'), lambdaContext());
    expect([known.statusCode, unknown.statusCode]).toEqual([429, 429]);
    expect(code(known)).toBe(code(unknown));
    // Each reserved its attempt; neither counted a failure.
    expect(ddb.commandCalls(UpdateCommand).filter((c) => /^ADD /.test(c.args[0].input.UpdateExpression ?? ''))).toHaveLength(0);
  });

  it('sends it with the decoy attempt for an unknown email too', async () => {
    ddb.on(GetCommand).resolves({});
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    await login(loginEvent('nobody@test.example'), lambdaContext());
    expect(cognito.commandCalls(InitiateAuthCommand)[0]!.args[0].input.UserContextData).toEqual({ IpAddress: CLIENT_IP });
  });

  it('sends it with the TOTP step', async () => {
    const { email, trustId, userId } = arrangeAccount({ mfaEnabled: true, mfaEnabledAt: 1 });
    ddb.on(GetCommand, { Key: keys.mfaSession(hashToken(SESSION)) }).resolves({ Item: { trustId, userId, expiresAt: nowSeconds() + 100 } });
    cognito.on(RespondToAuthChallengeCommand).rejects(awsError('CodeMismatchException'));
    ddb.on(UpdateCommand).resolves({ Attributes: { failedLogins: 1 } });
    const response = await mfa(httpEvent({ method: 'POST', path: '/auth/mfa', body: { email, session: SESSION, code: '123456' }, sourceIp: CLIENT_IP }), lambdaContext());
    expect(code(response)).toBe('invalid_mfa_code');
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)[0]!.args[0].input.UserContextData).toEqual({ IpAddress: CLIENT_IP });
  });

  it('sends it with a refresh', async () => {
    const { trustId, userId, account } = arrangeAccount();
    const token = `refresh-${randomUUID()}`;
    ddb.on(GetCommand, { Key: keys.refreshToken(hashToken(token)) }).resolves({
      Item: { trustId, userId, cognitoUsername: account.cognitoUsername, authTime: nowSeconds(), expiresAt: nowSeconds() + 100 },
    });
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { AccessToken: new UnsecuredJWT({}).encode(), IdToken: new UnsecuredJWT({}).encode(), ExpiresIn: 3600 } });
    const response = await refresh(httpEvent({ method: 'POST', path: '/auth/refresh', body: { refreshToken: token }, sourceIp: CLIENT_IP }), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(cognito.commandCalls(InitiateAuthCommand)[0]!.args[0].input.UserContextData).toEqual({ IpAddress: CLIENT_IP });
  });
});

describe('an email that may not sign in locks like an account', () => {
  it('answers 423 without asking Cognito once an unknown email\'s live counter reached the default limit', async () => {
    ddb.on(GetCommand).resolves({});
    arrangeCounter('nobody@test.example', { failures: 5, lockedAt: new Date().toISOString(), expiresAt: nowSeconds() + 600 });
    const response = await login(loginEvent('nobody@test.example'), lambdaContext());
    expect(response.statusCode).toBe(423);
    expect(code(response)).toBe('account_locked');
    expect(cognito.commandCalls(InitiateAuthCommand)).toHaveLength(0);
  });

  it('counts each failure atomically and locks at the limit for a day when the policy has no auto-unlock', async () => {
    ddb.on(GetCommand).resolves({});
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    ddb.on(UpdateCommand, { UpdateExpression: 'ADD failures :one SET entity = :entity, expiresAt = :until' }).resolves({ Attributes: { failures: 5 } });
    const before = nowSeconds();
    const response = await login(loginEvent('nobody@test.example'), lambdaContext());
    // The failure that reaches the limit is still a 401, exactly as for an account.
    expect(response.statusCode).toBe(401);
    const [reserve, add, lock] = counterWrites('nobody@test.example');
    expect(reserve!.UpdateExpression).toContain('reservedAttempts = :one');
    expect(add!.UpdateExpression).toContain('ADD failures :one');
    expect(lock!.UpdateExpression).toBe('SET lockedAt = :at, expiresAt = :until');
    expect(lock!.ExpressionAttributeValues![':until']).toBeGreaterThanOrEqual(before + 24 * 3600);
  });

  it('for an invited account, counts under its trust\'s policy: locks at its limit, for its auto-unlock time', async () => {
    const { email } = arrangeAccount({ status: 'invited' }, { maxFailedLogins: 3, autoUnlockMinutes: 15 });
    ddb.on(GetCommand, { Key: keys.signInFailures(hashToken(email)) }).resolves({});
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    ddb.on(UpdateCommand).resolves({ Attributes: { failures: 3 } });
    const before = nowSeconds();
    expect((await login(loginEvent(email), lambdaContext())).statusCode).toBe(401);
    const lock = counterWrites(email).find((w) => w.UpdateExpression?.startsWith('SET lockedAt'))!;
    expect(lock.ExpressionAttributeValues![':until']).toBeGreaterThanOrEqual(before + 15 * 60);
    expect(lock.ExpressionAttributeValues![':until']).toBeLessThan(before + 15 * 60 + 5);
  });

  it('forgets an expired counter that TTL has not deleted yet: starts again at one, no 423', async () => {
    ddb.on(GetCommand).resolves({});
    arrangeCounter('nobody@test.example', { failures: 5, lockedAt: '2026-01-01T00:00:00Z', expiresAt: nowSeconds() - 1 });
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException'));
    const response = await login(loginEvent('nobody@test.example'), lambdaContext());
    expect(response.statusCode).toBe(401);
    // The attempt's reservation starts the counter afresh (lock gone), then the failure counts on it.
    const [fresh, add] = counterWrites('nobody@test.example');
    expect(fresh!.UpdateExpression).toBe('SET entity = :entity, failures = :zero, reservedAttempts = :one, reservedUntil = :until, expiresAt = :day REMOVE lockedAt');
    expect(fresh!.ExpressionAttributeValues).toMatchObject({ ':zero': 0, ':one': 1 });
    expect(add!.UpdateExpression).toContain('ADD failures :one');
  });

  it('answers 423 without asking Cognito when the email\'s attempts in flight took every place, as for an account', async () => {
    ddb.on(GetCommand).resolves({});
    arrangeCounter('nobody@test.example', { failures: 1, reservedAttempts: 5, reservedUntil: nowSeconds() + 30, expiresAt: nowSeconds() + 600 });
    ddb.on(UpdateCommand).rejects(awsError('ConditionalCheckFailedException'));
    const response = await login(loginEvent('nobody@test.example'), lambdaContext());
    expect(response.statusCode).toBe(423);
    expect(code(response)).toBe('account_locked');
    expect(cognito.commandCalls(InitiateAuthCommand)).toHaveLength(0);
    expect(counterWrites('nobody@test.example').map((w) => w.UpdateExpression)).toEqual([
      'SET reservedAttempts = reservedAttempts + :one, reservedUntil = :until',
      'SET reservedAttempts = if_not_exists(failures, :zero) + :one, reservedUntil = :until',
    ]);
  });
});
