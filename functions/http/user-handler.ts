import { resolveCaller } from './caller';
import { httpHandler, type HttpRequest, type Schemas } from './handler';
import type { HttpResult } from './responses';

/**
 * A signed-in route: the one chain of ./handler.ts with the caller's account
 * loaded before the route's function. Kept apart so that public functions
 * (health, docs, sign-in, pages) never bundle the account code.
 */
export function userHandler<S extends Schemas>(schemas: S, fn: (request: HttpRequest<S, 'user'>) => Promise<HttpResult>) {
  return httpHandler<S, 'user'>({ ...schemas, auth: 'user', resolveCaller }, fn);
}
