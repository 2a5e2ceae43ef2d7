import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { Caller, VerifiedClaims } from './caller';
import { ThrottledError } from '../../domain/errors';
import { fieldErrors, RequestValidationError, toProblem, type Problem } from './errors';
import { logger } from './logger';
import type { HttpResult } from './responses';
import type * as z from '../shared/zod';

type ZodType = z.ZodMiniType;

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export interface Schemas {
  body?: ZodType;
  query?: ZodType;
  params?: ZodType;
}

type Parsed<S extends ZodType | undefined> = S extends ZodType ? z.output<S> : undefined;

export interface HttpRequest<S extends Schemas, A extends 'public' | 'user', C = Caller> {
  body: Parsed<S['body']>;
  query: Parsed<S['query']>;
  params: Parsed<S['params']>;
  headers: Record<string, string | undefined>;
  caller: A extends 'user' ? C : undefined;
  requestId: string;
  event: HttpEvent;
}

interface State {
  body?: unknown;
  query?: unknown;
  params?: unknown;
  caller?: unknown;
}

/** What the middlewares parsed, kept beside the event for the route's function. */
/** How long before Lambda's timeout a request gives up and answers 503 `timeout` (middy's `timeoutEarlyInMillis`). */
const TIMEOUT_MARGIN_MS = 1000;

const parsed = new WeakMap<HttpEvent, State>();

/**
 * The schemas each handler validates with, by handler: the strictness guard
 * (test/unit/contract/openapi-no-looser.test.ts) checks they are the ones the
 * route table documents in /openapi.json.
 */
export const handlerSchemas = new WeakMap<object, Schemas>();

const state = (request: { event: HttpEvent }): State => {
  const existing = parsed.get(request.event);
  if (existing) return existing;
  const fresh: State = {};
  parsed.set(request.event, fresh);
  return fresh;
};

/** Parses a JSON body; malformed JSON is a 400 naming the body, never a 500. */
const jsonBody = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: (request) => {
    const { body, isBase64Encoded } = request.event;
    if (body === undefined || body === '') return;
    const contentType = lowerCaseHeaders(request.event.headers)['content-type'] ?? '';
    // A zip (an MIS roster) comes base64-encoded, as API Gateway passes any binary body; the route gets it as base64 text.
    if (contentType.startsWith('application/zip')) {
      state(request).body = isBase64Encoded ? body : Buffer.from(body, 'utf8').toString('base64');
      return;
    }
    const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
    // HTML forms (the invitation and reset pages) post form-encoded bodies; everything else is JSON.
    // The CSV import takes the file as it is; its handler reads it.
    if (contentType.startsWith('text/csv')) {
      state(request).body = text;
      return;
    }
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      state(request).body = Object.fromEntries(new URLSearchParams(text));
      return;
    }
    try {
      state(request).body = JSON.parse(text);
    } catch {
      throw new RequestValidationError([{ path: 'body', message: 'malformed JSON' }], 'malformed_json', 'The body is not valid JSON');
    }
  },
});

/** Validates body, query string and path parameters against the route's zod schemas. */
const validate = (schemas: Schemas): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: (request) => {
    const s = state(request);
    const inputs = {
      body: s.body,
      query: request.event.queryStringParameters ?? {},
      params: request.event.pathParameters ?? {},
    };
    const errors = (['params', 'query', 'body'] as const).flatMap((part) => {
      const schema = schemas[part];
      if (!schema) return [];
      const result = schema.safeParse(inputs[part]);
      if (result.success) {
        s[part] = result.data;
        return [];
      }
      return fieldErrors(result.error, part === 'body' ? '' : part).map((e) => ({ ...e, path: e.path || part }));
    });
    if (errors.length > 0) throw new RequestValidationError(errors);
  },
});

/**
 * How a signed-in route learns its caller. Only `userHandler`
 * (./user-handler.ts) passes it, so the account code and its DynamoDB
 * adapters load only in the functions of signed-in routes.
 */
export type ResolveCaller<C = Caller> = (claims: VerifiedClaims | undefined) => Promise<C>;

/** The keys every log line of the request carries: the trust, and the person or the integration client. */
const logKeys = (caller: unknown): Record<string, string> => {
  const c = caller as { trust: { id: string }; account?: { id: string }; integration?: { id: string; clientId: string } };
  if (c.integration) return { trustId: c.trust.id, clientId: c.integration.clientId, integrationId: c.integration.id };
  return { trustId: c.trust.id, userId: c.account!.id };
};

const callerContext = (resolveCaller: ResolveCaller<unknown>): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: async (request) => {
    const claims = request.event.requestContext.authorizer?.jwt?.claims as VerifiedClaims | undefined;
    const caller = await resolveCaller(claims);
    state(request).caller = caller;
    logger.appendKeys(logKeys(caller));
  },
});

/**
 * Every thrown error becomes a problem document; unknown ones are logged and
 * answered with a bare 500. A page a person opens from an email (`errorPage`)
 * answers the same status as a page instead, so a browser never shows JSON.
 */
const problemResponses = (errorPage?: (problem: Problem) => HttpResult): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: (request) => {
    const { problem, known } = toProblem(request.error);
    if (known) logger.info('request refused', { status: problem.status, code: problem.code });
    else logger.error('unhandled error', request.error as Error);
    if (errorPage) {
      request.response = errorPage(problem);
      return;
    }
    request.response = {
      statusCode: problem.status,
      headers: { 'content-type': 'application/problem+json', ...(problem.status === 429 ? { 'retry-after': String(request.error instanceof ThrottledError ? request.error.retryAfterSeconds : 1) } : {}) },
      body: JSON.stringify(problem),
    };
  },
});

const requestId = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: (request) => {
    logger.appendKeys({ requestId: request.event.requestContext.requestId, route: request.event.routeKey });
  },
});

/**
 * The chain every route shares: logger context → JSON body → zod validation
 * → caller account → the route's own function; errors leave as problems.
 * Public routes call it directly; signed-in routes go through `userHandler`,
 * which adds the caller step.
 */
export function httpHandler<S extends Schemas, A extends 'public' | 'user', C = Caller>(
  options: { auth: A; errorPage?: (problem: Problem) => HttpResult } & S & (A extends 'user' ? { resolveCaller: ResolveCaller<C> } : unknown),
  fn: (request: HttpRequest<S, A, C>) => Promise<HttpResult>,
) {
  // A second before Lambda's timeout the request answers 503 `timeout` (errors.ts), so even CPU-bound work that holds the
  // event loop past a few milliseconds answers a problem document, not API Gateway's bare 5xx.
  const chain = middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: TIMEOUT_MARGIN_MS })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(requestId())
    .use(jsonBody())
    .use(validate(options))
    .use(problemResponses(options.errorPage));
  // The type above makes a signed-in route name its resolver; were it missing, the step would throw (a 500), never let the request through.
  if (options.auth === 'user') chain.use(callerContext((options as unknown as { resolveCaller: ResolveCaller<unknown> }).resolveCaller));
  const handler = chain.handler(async (event) => {
    const s = parsed.get(event) ?? {};
    return fn({
      body: s.body,
      query: s.query,
      params: s.params,
      caller: s.caller,
      headers: lowerCaseHeaders(event.headers),
      requestId: event.requestContext.requestId,
      event,
    } as HttpRequest<S, A, C>);
  });
  handlerSchemas.set(handler, { body: options.body, query: options.query, params: options.params });
  return handler;
}

function lowerCaseHeaders(headers: Record<string, string | undefined> | undefined) {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}
