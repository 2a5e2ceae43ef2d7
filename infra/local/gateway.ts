import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import { RESOURCE_SERVER, tokenMayCall } from '../../domain/integrations/scopes';
import { gatewayRefusal } from '../../functions/http/gateway-refusals';
import type { RouteDef } from '../../functions/routes';
import { DEFAULT_TIMEOUT_SECONDS } from '../../functions/route-table/types';

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface JwtSettings {
  issuer: string;
  jwksUri: string;
  clientId: string;
}

/**
 * Checks a bearer token as API Gateway's JWT authorizer does: RS256 signature
 * from the pool's JWKS, issuer, expiry, and the audience: `aud` when the token
 * has one, else `client_id`, must be the app client (or the integrations'
 * resource server). Like the authorizer it does not look at `token_use`: a
 * Cognito ID token (aud = the app client) passes here and is then refused by
 * the route's scopes (403), as in AWS; resolveCaller refuses it again.
 */
export function jwtVerifier(settings: JwtSettings, alsoTrusted?: (token: string) => Promise<JWTPayload | undefined>) {
  const jwks = createRemoteJWKSet(new URL(settings.jwksUri));
  return async (authorization: string | undefined): Promise<JWTPayload | undefined> => {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return undefined;
    // Integration clients' tokens, from the local stack's own token endpoint (infra/local/token-endpoint.ts).
    const other = await alsoTrusted?.(token);
    if (other) return other;
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: settings.issuer, algorithms: ['RS256'], requiredClaims: ['exp', 'iat', 'sub'] });
      // API Gateway validates client_id only if aud is absent (the jwtAudience of infra/stacks/api-stack.ts).
      const audiences = [settings.clientId, RESOURCE_SERVER];
      const claimed = payload.aud !== undefined ? [payload.aud].flat() : [payload.client_id];
      return claimed.some((a) => typeof a === 'string' && audiences.includes(a)) ? payload : undefined;
    } catch {
      return undefined;
    }
  };
}

interface Match {
  route: RouteDef;
  params: Record<string, string>;
}

function matcher(routes: RouteDef[]) {
  const compiled = routes.map((route) => {
    const names: string[] = [];
    const pattern = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { route, names, regex: new RegExp(`^${pattern}$`) };
  });
  // As API Gateway does: a route with fewer path variables wins (`/users/export.csv` before `/users/{id}`).
  compiled.sort((a, b) => a.names.length - b.names.length);
  return (method: string, path: string): Match | 'method_not_allowed' | undefined => {
    let pathMatched = false;
    for (const { route, names, regex } of compiled) {
      const found = regex.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeSegment(found[i + 1]!)])) };
    }
    return pathMatched ? 'method_not_allowed' : undefined;
  };
}

/**
 * A path segment decoded as API Gateway passes path parameters. One whose
 * percent-encoding is broken (`%%%`, `%E9` alone) is passed as it came, for
 * the route's schema to refuse (a 400 naming the parameter: no id format
 * allows `%`), where decodeURIComponent's URIError made the gateway answer 500.
 */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The TCP peer's address, as API Gateway gives it (plain IPv4, not the IPv4-mapped IPv6 form Node reports). */
function clientIp(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolveBody(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Media types API Gateway passes as text (everything else is base64). */
function isTextType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return /^(text\/|application\/(json|[a-z.+-]*\+json|x-www-form-urlencoded|xml|problem\+json))/i.test(contentType.trim());
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  response.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>);
  response.end(result.body ?? '');
}

export interface GatewayOptions {
  root: string;
  routes: RouteDef[];
  verify: ReturnType<typeof jwtVerifier>;
  /** Local-only paths (`/_local/*`), answered before the route table. */
  local?: (method: string, path: string, body: string, headers: Record<string, string>, query: URLSearchParams) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;
}

/**
 * A small HTTP server that turns each request into an API Gateway (HTTP API,
 * payload 2.0) event and calls the very handler module Lambda runs.
 */
export function createGateway(options: GatewayOptions): Server {
  const match = matcher(options.routes);
  const invocations = invocationStore();
  const modules = new Map<string, Promise<Handler>>();
  const load = (file: string) => {
    let handler = modules.get(file);
    if (!handler) {
      handler = import(pathToFileURL(resolve(options.root, file)).href).then((m: { handler: Handler }) => m.handler);
      modules.set(file, handler);
    }
    return handler;
  };

  return createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const method = (request.method ?? 'GET').toUpperCase();
      const raw = await readBody(request);
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      // As API Gateway: a body that is not text (a zip) is passed base64-encoded with isBase64Encoded, so its bytes survive.
      const binary = raw.length > 0 && !isTextType(headers['content-type']);
      const body = binary ? raw.toString('base64') : raw.toString('utf8');
      const local = await options.local?.(method, url.pathname, body, headers, url.searchParams);
      if (local) return send(response, local);
      const found = match(method, url.pathname);
      // API Gateway's own answers, not problem documents (functions/http/gateway-refusals.ts; review H, H-4). An HTTP API has
      // no 405: a method with no route on a known path is 404 too. Not emulated: the stage throttle's 429.
      if (found === undefined || found === 'method_not_allowed') return send(response, gatewayRefusal(404));
      let claims: JWTPayload | undefined;
      if (found.route.auth === 'user') {
        claims = await options.verify(headers.authorization);
        if (!claims) return send(response, gatewayRefusal(401));
        // The route's authorization scopes, as API Gateway's JWT authorizer checks them (a person's scope, or the route's integration scope).
        if (!tokenMayCall(claims.scope, found.route.clientScope)) return send(response, gatewayRefusal(403));
      }
      const query: Record<string, string> = {};
      url.searchParams.forEach((value, key) => (query[key] = key in query ? `${query[key]},${value}` : value));
      const requestId = randomUUID();
      const now = new Date();
      const routeKey = `${found.route.method} ${found.route.path}`;
      const event = {
        version: '2.0',
        routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ''),
        headers,
        queryStringParameters: Object.keys(query).length ? query : undefined,
        pathParameters: Object.keys(found.params).length ? found.params : undefined,
        body: body === '' ? undefined : body,
        isBase64Encoded: binary,
        requestContext: {
          accountId: 'local', apiId: 'local', domainName: headers.host ?? 'localhost', domainPrefix: 'local',
          http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: clientIp(request), userAgent: headers['user-agent'] ?? '' },
          requestId, routeKey, stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime(),
          authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: (claims ?? {}) as Record<string, string>, scopes: [] } },
        },
      } as APIGatewayProxyEventV2WithJWTAuthorizer;
      const functionName = found.route.handler.replace(/^functions\//, '').replace(/\.ts$/, '').replace(/\//g, '-');
      // Loading the module is Lambda's init, not the invocation: the timeout starts after it.
      const handler = await load(found.route.handler);
      // The route's own timeout, counting down as in Lambda (middy answers 503 `timeout` a second before it ends).
      const deadline = Date.now() + (found.route.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
      const context = {
        awsRequestId: requestId, functionName, functionVersion: '$LATEST', memoryLimitInMB: '1024',
        invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
        logGroupName: `/aws/lambda/${functionName}`, logStreamName: 'local', callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), done: () => undefined, fail: () => undefined, succeed: () => undefined,
      } as Context;
      const store = await invocations;
      send(response, await store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, () => handler(event, context)));
    } catch (error) {
      // A function that fails to answer (throws, cannot load): API Gateway's own 500.
      console.error('gateway error', error);
      send(response, gatewayRefusal(500));
    }
  });
}

/**
 * Lambda runs one request per container at a time, but this gateway runs
 * many at once in one process, where the logger's per-request keys (request
 * id, trust, user) would leak from one request into another's lines. Lambda's
 * own multi-concurrency mechanism fixes that: with AWS_LAMBDA_MAX_CONCURRENCY
 * set, Powertools keeps those keys per invocation in the runtime's
 * InvokeStore (AsyncLocalStorage), and each request runs inside its own
 * invocation context, as the managed runtime does.
 */
function invocationStore(): Promise<InvokeStoreBase> {
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';
  return InvokeStore.getInstanceAsync(true);
}
