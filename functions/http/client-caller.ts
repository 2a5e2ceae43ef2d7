import type { Reach } from '../../domain/access/reach';
import { ForbiddenError, ThrottledError, UnauthenticatedError } from '../../domain/errors';
import { clientReach, type IntegrationClient } from '../../domain/integrations/client';
import { scopesInClaim, type IntegrationScope } from '../../domain/integrations/scopes';
import type { Trust } from '../../domain/org/trust';
import { admitClient } from '../adapters/dynamo/integration-repository';
import { getTrust, loadTrustContext, type TrustContext } from '../adapters/dynamo/trust-repository';
import { config } from '../config';
import { resolveCaller, type Caller, type VerifiedClaims } from './caller';
import { httpHandler, type HttpRequest, type Schemas } from './handler';
import { logger } from './logger';
import type { HttpResult } from './responses';

/** Another school app calling with its client-credentials token. It is no person: it has a node and scopes, never permissions. */
export interface ClientCaller {
  integration: IntegrationClient;
  trust: Trust;
  context: TrustContext;
  /** The nodes at or under the client's node: what it may see, cut exactly like a person's reach. */
  reach: Reach;
}

export const isClientCaller = (caller: Caller | ClientCaller): caller is ClientCaller => 'integration' in caller;

/**
 * A client-credentials access token: Cognito's claim shape for the grant
 * (`sub` is the app client id, `client_id` the same, no `username`).
 */
export function isClientToken(claims: VerifiedClaims | undefined): boolean {
  return claims?.token_use === 'access' && typeof claims.client_id === 'string' && claims.username === undefined && claims.sub === claims.client_id;
}

/**
 * The integration behind a token, on every request: its item must still
 * exist (deleting a client stops its live tokens at once; nothing is cached)
 * and its rate window must have room (429 with Retry-After), in one
 * UpdateItem; the route's scope must be both in the token and among the
 * client's scopes (the authorizer checked the token's already).
 */
export async function resolveClient(claims: VerifiedClaims | undefined, scope: IntegrationScope): Promise<ClientCaller> {
  const clientId = String(claims?.client_id);
  logger.appendKeys({ clientId });
  const { INTEGRATION_RATE_WINDOW_SECONDS } = config();
  const admission = await admitClient(clientId, INTEGRATION_RATE_WINDOW_SECONDS);
  if (!admission.admitted) {
    if (admission.reason === 'throttled') throw new ThrottledError({ retryAfterSeconds: admission.retryAfter });
    throw new UnauthenticatedError('client_revoked', 'This client no longer exists; its tokens stopped working');
  }
  const integration = admission.client;
  logger.appendKeys({ trustId: integration.trustId, integrationId: integration.id });
  if (!scopesInClaim(claims?.scope).includes(scope) || !integration.scopes.includes(scope)) {
    throw new ForbiddenError(`This client lacks the ${scope} scope`);
  }
  const trust = await getTrust(integration.trustId);
  if (!trust) throw new UnauthenticatedError('client_revoked', 'This client no longer exists; its tokens stopped working');
  const context = await loadTrustContext(trust);
  return { integration, trust, context, reach: clientReach(context.tree, integration.nodeId) };
}

/**
 * A signed-in route that integration clients with `scope` may call too: a
 * person's token is resolved as everywhere, a client's by resolveClient.
 * The function decides what each may see (a client: its node's subtree).
 */
export function userOrClientHandler<S extends Schemas>(
  scope: IntegrationScope,
  schemas: S,
  fn: (request: HttpRequest<S, 'user', Caller | ClientCaller>) => Promise<HttpResult>,
) {
  const resolve = (claims: VerifiedClaims | undefined): Promise<Caller | ClientCaller> =>
    isClientToken(claims) ? resolveClient(claims, scope) : resolveCaller(claims);
  return httpHandler<S, 'user', Caller | ClientCaller>({ ...schemas, auth: 'user', resolveCaller: resolve }, fn);
}
