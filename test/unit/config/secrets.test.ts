import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretUnavailableError } from '../../../functions/adapters/secrets-extension';
import { secretReader, type SecretSettings } from '../../../functions/config';

/**
 * Review H, H-13: the secrets reader (functions/config.ts) against a local
 * fake of the Parameters and Secrets extension's endpoint (a loopback HTTP
 * server answering as the extension does). It fails closed on every answer
 * but a good one, and reads each secret once per container.
 */
const LINK_KEY = 'k'.repeat(48);
const CLIENT_SECRET = 'client-secret-from-secrets-manager';
const ARNS = {
  LINK_SIGNING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:LinkSigningKey-AbCdEf',
  USER_POOL_CLIENT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:AppClientSecret-GhIjKl',
};
const TOKEN = 'session-token-of-this-function';

type Answer = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let port: number;
let answer: Answer;
let requests: { secretId: string | null; token: string | undefined }[];

beforeEach(async () => {
  requests = [];
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    expect(url.pathname).toBe('/secretsmanager/get');
    requests.push({ secretId: url.searchParams.get('secretId'), token: req.headers['x-aws-parameters-secrets-token'] as string | undefined });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** What the extension answers: GetSecretValue's output as JSON. */
const secretJson = (secretString: unknown): Answer => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ARN: 'x', Name: 'x', SecretString: secretString, VersionId: 'v1' }));
};
const status = (code: number, body = '{"message":"AccessDeniedException"}'): Answer => (_req, res) => { res.writeHead(code).end(body); };
/** Values for each secret by its ARN. */
const bySecretId = (req: IncomingMessage, res: ServerResponse) => {
  const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('secretId');
  secretJson(id === ARNS.LINK_SIGNING_KEY_SECRET_ARN ? LINK_KEY : CLIENT_SECRET)(req, res);
};

const fromAws = (overrides: Partial<SecretSettings> = {}, timeoutMs = 1000) =>
  secretReader({ SECRETS_FROM: 'secrets-manager', ...ARNS, ...overrides }, { port, sessionToken: TOKEN, timeoutMs });

describe('secrets from Secrets Manager, through the extension', () => {
  it('reads each secret by its ARN with the session token, once per container, and one request for concurrent first uses', async () => {
    answer = bySecretId;
    const read = fromAws();
    const [a, b] = await Promise.all([read('LINK_SIGNING_KEY'), read('LINK_SIGNING_KEY')]);
    expect([a, b]).toEqual([LINK_KEY, LINK_KEY]);
    expect(await read('USER_POOL_CLIENT_SECRET')).toBe(CLIENT_SECRET);
    expect(await read('LINK_SIGNING_KEY')).toBe(LINK_KEY);
    expect(requests).toEqual([
      { secretId: ARNS.LINK_SIGNING_KEY_SECRET_ARN, token: TOKEN },
      { secretId: ARNS.USER_POOL_CLIENT_SECRET_ARN, token: TOKEN },
    ]);
  });

  it.each([400, 403, 404, 500, 502])('fails closed on a %i, and reads again on the next use (a failure is not kept)', async (code) => {
    answer = status(code);
    const read = fromAws();
    await expect(read('LINK_SIGNING_KEY')).rejects.toThrow(SecretUnavailableError);
    await expect(read('LINK_SIGNING_KEY')).rejects.toThrow(`answered ${code}`);
    answer = secretJson(LINK_KEY);
    expect(await read('LINK_SIGNING_KEY')).toBe(LINK_KEY);
    expect(requests).toHaveLength(3);
  });

  it('fails closed when the extension does not answer in time', async () => {
    answer = () => { /* never answers */ };
    const read = fromAws({}, 200);
    const started = Date.now();
    await expect(read('USER_POOL_CLIENT_SECRET')).rejects.toThrow(SecretUnavailableError);
    // Bounded by the timeout, not by the function's own (generous upper bound: no timing assertion beyond "it returned").
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails closed when the extension stalls in the middle of its answer', async () => {
    answer = (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"SecretString":"'); };
    await expect(fromAws({}, 200)('USER_POOL_CLIENT_SECRET')).rejects.toThrow(SecretUnavailableError);
  });

  it('fails closed when no extension listens (the layer is missing)', async () => {
    const read = secretReader({ SECRETS_FROM: 'secrets-manager', ...ARNS }, { port: 1, sessionToken: TOKEN, timeoutMs: 1000 });
    await expect(read('LINK_SIGNING_KEY')).rejects.toThrow(SecretUnavailableError);
  });

  it('never signs with an empty or short key: an empty, missing or short SecretString fails closed', async () => {
    for (const value of ['', undefined, 'short-key', 42]) {
      answer = secretJson(value);
      await expect(fromAws()('LINK_SIGNING_KEY'), String(value)).rejects.toThrow(SecretUnavailableError);
    }
    // The client secret has no length rule beyond "not empty".
    answer = secretJson('');
    await expect(fromAws()('USER_POOL_CLIENT_SECRET')).rejects.toThrow(SecretUnavailableError);
  });

  it('fails closed on an answer that is not JSON, without quoting it in the error', async () => {
    answer = status(200, `not json ${LINK_KEY}`);
    const error = (await fromAws()('LINK_SIGNING_KEY').then(() => undefined, (e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(`${error.message} ${String(error.cause ?? '')}`).not.toContain(LINK_KEY);
  });

  it('asks nothing without a session token or an ARN', async () => {
    answer = bySecretId;
    await expect(secretReader({ SECRETS_FROM: 'secrets-manager', ...ARNS }, { port, sessionToken: undefined, timeoutMs: 1000 })('LINK_SIGNING_KEY')).rejects.toThrow(SecretUnavailableError);
    await expect(fromAws({ LINK_SIGNING_KEY_SECRET_ARN: undefined })('LINK_SIGNING_KEY')).rejects.toThrow('LINK_SIGNING_KEY_SECRET_ARN');
    expect(requests).toEqual([]);
  });

  it('ignores values in the environment: SECRETS_FROM decides the source', async () => {
    answer = bySecretId;
    expect(await fromAws({ LINK_SIGNING_KEY: 'e'.repeat(40), USER_POOL_CLIENT_SECRET: 'from-env' })('USER_POOL_CLIENT_SECRET')).toBe(CLIENT_SECRET);
  });
});

describe('secrets from the environment (the local stack, tests, scripts)', () => {
  it('reads the values and never calls the extension', async () => {
    answer = bySecretId;
    const read = secretReader({ SECRETS_FROM: 'environment', LINK_SIGNING_KEY: LINK_KEY, USER_POOL_CLIENT_SECRET: 'local-secret', ...ARNS }, { port, sessionToken: TOKEN, timeoutMs: 1000 });
    expect(await read('LINK_SIGNING_KEY')).toBe(LINK_KEY);
    expect(await read('USER_POOL_CLIENT_SECRET')).toBe('local-secret');
    expect(requests).toEqual([]);
  });

  it('fails closed when a value is missing or the link key is short', async () => {
    const read = secretReader({ SECRETS_FROM: 'environment', LINK_SIGNING_KEY: 'short' }, { port, sessionToken: TOKEN, timeoutMs: 1000 });
    await expect(read('LINK_SIGNING_KEY')).rejects.toThrow(SecretUnavailableError);
    await expect(read('USER_POOL_CLIENT_SECRET')).rejects.toThrow('not set');
  });
});
