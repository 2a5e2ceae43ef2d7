import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUnsubscribe } from '../../domain/notifications/unsubscribe-token';
import { mockAws } from '../fixtures/aws-mocks';
import { httpEvent, lambdaContext } from '../fixtures/events';

/**
 * Review H, H-13, through real handlers: with SECRETS_FROM=secrets-manager
 * (as the API stack sets it) the sign-in and link functions read their
 * secrets from the Parameters and Secrets extension (a fake of its endpoint
 * here), never from the environment, and a secret that cannot be read fails
 * the request closed (500, nothing signed, accepted or sent to Cognito).
 * The handlers are imported after the environment is set: config() reads it
 * once.
 */
const { ddb, cognito } = mockAws();

const CLIENT_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:ApiClientCredential-AbCdEf';
const LINK_KEY_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:LinkSigningKey-GhIjKl';
const CLIENT_SECRET = 'the-client-secret-in-secrets-manager';
const LINK_KEY = 'L'.repeat(64);
const TOKEN = 'session-token-of-this-container';

let server: Server;
const healthy = new Set<string>();
const reads: string[] = [];
let login: typeof import('../../functions/auth/login').handler;
let unsubscribePage: typeof import('../../functions/notifications/unsubscribe-page').handler;

beforeAll(async () => {
  server = createServer((req, res) => {
    const secretId = new URL(req.url ?? '/', 'http://localhost').searchParams.get('secretId') ?? '';
    if (req.headers['x-aws-parameters-secrets-token'] !== TOKEN) return void res.writeHead(401).end();
    reads.push(secretId);
    if (!healthy.has(secretId)) return void res.writeHead(503).end('{"message":"Secrets Manager unavailable"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SecretString: secretId === LINK_KEY_ARN ? LINK_KEY : CLIENT_SECRET }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    SECRETS_FROM: 'secrets-manager',
    USER_POOL_CLIENT_SECRET_ARN: CLIENT_SECRET_ARN,
    LINK_SIGNING_KEY_SECRET_ARN: LINK_KEY_ARN,
    AWS_SESSION_TOKEN: TOKEN,
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String((server.address() as AddressInfo).port),
    // The local values must never be used on this path.
    USER_POOL_CLIENT_SECRET: 'environment-secret-must-not-be-used',
    LINK_SIGNING_KEY: 'E'.repeat(64),
  });
  ({ handler: login } = await import('../../functions/auth/login'));
  ({ handler: unsubscribePage } = await import('../../functions/notifications/unsubscribe-page'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  // Nobody is found: the login spends a decoy Cognito call, the unsubscribe link's account does not exist.
  ddb.onAnyCommand().resolves({});
});

describe('the app client secret', () => {
  const attempt = () => login(httpEvent({ method: 'POST', path: '/auth/login', body: { email: 'nobody@test.example', password: 'Whatever-pass-1' } }), lambdaContext());

  it('fails a sign-in closed while it cannot be read, and calls Cognito with no secret hash', async () => {
    healthy.delete(CLIENT_SECRET_ARN);
    const response = await attempt();
    expect(response.statusCode).toBe(500);
    expect(cognito.commandCalls(InitiateAuthCommand)).toHaveLength(0);
  });

  it('signs the Cognito call with the secret from Secrets Manager, read once for the container', async () => {
    healthy.add(CLIENT_SECRET_ARN);
    cognito.on(InitiateAuthCommand).rejects(Object.assign(new Error('NotAuthorizedException'), { name: 'NotAuthorizedException', $metadata: {} }));
    const before = reads.filter((id) => id === CLIENT_SECRET_ARN).length;
    expect((await attempt()).statusCode).toBe(401);
    expect((await attempt()).statusCode).toBe(401);
    const calls = cognito.commandCalls(InitiateAuthCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    for (const input of calls) {
      const username = input.AuthParameters!.USERNAME!;
      expect(input.AuthParameters!.SECRET_HASH).toBe(createHmac('sha256', CLIENT_SECRET).update(username + input.ClientId!).digest('base64'));
    }
    expect(reads.filter((id) => id === CLIENT_SECRET_ARN).length - before).toBe(1);
  });
});

describe('the link-signing key', () => {
  const open = (token: string) => unsubscribePage(httpEvent({ method: 'GET', path: '/notifications/unsubscribe', query: { token } }), lambdaContext());
  const claim = { trustId: 't-1', userId: 'u-1', category: 'digest' };
  const accountReads = () => ddb.commandCalls(GetCommand).length;

  it('answers a link with an error page (500), and accepts nothing, while the key cannot be read', async () => {
    healthy.delete(LINK_KEY_ARN);
    const response = await open(signUnsubscribe(claim, LINK_KEY));
    expect(response.statusCode).toBe(500);
    expect(response.headers?.['content-type']).toContain('text/html');
    expect(accountReads()).toBe(0);
  });

  it('checks links with the key from Secrets Manager, not the environment\'s', async () => {
    healthy.add(LINK_KEY_ARN);
    // Signed with the environment's value: refused before any read of the account.
    expect((await open(signUnsubscribe(claim, 'E'.repeat(64)))).statusCode).toBe(400);
    expect(accountReads()).toBe(0);
    // Signed with the secret's value: genuine, so the account is looked up (and, not found here, the link is refused).
    expect((await open(signUnsubscribe(claim, LINK_KEY))).statusCode).toBe(400);
    expect(accountReads()).toBeGreaterThan(0);
  });
});
