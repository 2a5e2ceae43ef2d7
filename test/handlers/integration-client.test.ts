import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as check } from '../../functions/authz/check';
import { handler as getUser } from '../../functions/users/get-user';
import { handler as listNodes } from '../../functions/nodes/list-nodes';
import { keys } from '../../functions/adapters/dynamo/keys';
import { rateWindow } from '../../domain/integrations/client';
import { mockAws } from '../fixtures/aws-mocks';
import { httpEvent, lambdaContext } from '../fixtures/events';

/**
 * What the handlers do with an integration client's token once the
 * authorizer let it through: the client item is checked on every request
 * (gone → 401, window used → 429 with Retry-After), the scope is checked
 * again against the token and the item, and every log line carries the
 * client id. Paths the local stack cannot reach: its gateway refuses a wrong
 * scope first.
 */
// The logger reads its level when the handler modules load it: log at INFO in this file.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

const { ddb } = mockAws();

const clientId = 'client-abc';
const clientItem = (scopes: string[]) => ({
  ...keys.integrationClient(clientId), id: 'int-1', trustId: 't-1', clientId, name: 'App', nodeId: 'n-1', scopes, status: 'active',
  requestsPerWindow: 5, createdBy: 'u-1', createdAt: '2026-01-01T00:00:00Z', rateWindow: 0, rateCount: 1,
});

function clientEvent(scope: string, method = 'POST', path = '/authz/check', body: unknown = { userId: 'u-2', permission: 'classes.view', nodeId: 'n-1' }) {
  const event = httpEvent({ method, path, body, pathParameters: path.startsWith('/users/') ? { id: 'u-2' } : undefined, routePath: path.startsWith('/users/') ? '/users/{id}' : path });
  event.requestContext.authorizer.jwt.claims = { sub: clientId, client_id: clientId, token_use: 'access', scope: `trust-access/${scope}`, iat: '1', exp: '9999999999' };
  return event;
}

function captureLogs() {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return {
    lines: () => lines.flatMap((c) => c.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spy.mockRestore(),
  };
}

afterEach(() => vi.restoreAllMocks());

describe('an integration client on the handlers', () => {
  it('is refused (403) a route scope its token lacks, even past the authorizer, and logs its client id', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: clientItem(['authz.check', 'users.read']) });
    const logs = captureLogs();
    try {
      const response = await check(clientEvent('users.read'), lambdaContext());
      expect(response.statusCode).toBe(403);
    } finally {
      logs.restore();
    }
    const refused = logs.lines().find((l) => l.message === 'request refused');
    expect(refused).toMatchObject({ clientId, integrationId: 'int-1', trustId: 't-1', status: 403 });
    // Refused before anything of the trust was read.
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('is refused (403) a scope its token has but its client item no longer lists', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: clientItem(['authz.check']) });
    expect((await getUser(clientEvent('users.read', 'GET', '/users/u-2', undefined), lambdaContext())).statusCode).toBe(403);
  });

  it('gets 401 client_revoked once its item is gone (a deleted client), whatever its token says', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    const logs = captureLogs();
    let response;
    try {
      response = await check(clientEvent('authz.check'), lambdaContext());
    } finally {
      logs.restore();
    }
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body!).code).toBe('client_revoked');
    expect(logs.lines().find((l) => l.message === 'request refused')).toMatchObject({ clientId, status: 401 });
  });

  it('gets 429 with Retry-After when its window is used up', async () => {
    const { start } = rateWindow(Date.now(), 60);
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: { ...clientItem(['authz.check']), rateWindow: { N: String(start) }, rateCount: { N: '5' } } as never }));
    const response = await check(clientEvent('authz.check'), lambdaContext());
    expect(response.statusCode).toBe(429);
    const retryAfter = Number(response.headers!['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('is refused (403) by a route that takes no client scope, before any read', async () => {
    const event = clientEvent('authz.check', 'GET', '/nodes', undefined);
    const response = await listNodes(event, lambdaContext());
    expect(response.statusCode).toBe(403);
    expect(ddb.calls()).toHaveLength(0);
  });
});
