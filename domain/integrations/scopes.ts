/**
 * The one catalogue of integration scopes: what another school app's client
 * credentials may be allowed to do. In AWS each is a scope of the user pool's
 * resource server (`<RESOURCE_SERVER>/<scope>` in the token's `scope` claim);
 * the route table names the scope a route accepts (`clientScope`), from which
 * the API Gateway authorizer's per-route scopes and the local gateway's check
 * are both built.
 */
export const RESOURCE_SERVER = 'trust-access';

/** The scope Cognito puts in every person's access token (user-pool API sign-in). */
export const PERSON_SCOPE = 'aws.cognito.signin.user.admin';

const definitions = [
  { scope: 'authz.check', description: 'Ask POST /authz/check and /authz/batch about people at or under the client\'s node' },
  { scope: 'users.read', description: 'Read people at or under the client\'s node (GET /users/{id}, later GET /users)' },
  { scope: 'notifications.send', description: 'Send notification events at or under the client\'s node (POST /notifications/events)' },
] as const;

export type IntegrationScope = (typeof definitions)[number]['scope'];

export const integrationScopes: readonly { scope: IntegrationScope; description: string }[] = definitions;
export const integrationScopeNames = definitions.map((d) => d.scope) as [IntegrationScope, ...IntegrationScope[]];

/** `authz.check` → `trust-access/authz.check`, as Cognito writes it. */
export const oauthScope = (scope: IntegrationScope): string => `${RESOURCE_SERVER}/${scope}`;

/** The integration scopes a token's space-separated `scope` claim carries (anything else is ignored). */
export function scopesInClaim(claim: unknown): IntegrationScope[] {
  if (typeof claim !== 'string') return [];
  const names = new Set<string>(integrationScopeNames);
  return claim
    .split(' ')
    .filter((s) => s.startsWith(`${RESOURCE_SERVER}/`))
    .map((s) => s.slice(RESOURCE_SERVER.length + 1))
    .filter((s): s is IntegrationScope => names.has(s));
}

/**
 * The scopes a route's authorizer accepts: every signed-in route takes a
 * person's token; a route open to integrations also takes its scope. A token
 * with none of them is refused (403) before the function runs.
 */
export function routeScopes(clientScope: IntegrationScope | undefined): string[] {
  return clientScope ? [PERSON_SCOPE, oauthScope(clientScope)] : [PERSON_SCOPE];
}

/** Whether a token's `scope` claim satisfies a route (API Gateway: any one of the route's scopes). */
export function tokenMayCall(scopeClaim: unknown, clientScope: IntegrationScope | undefined): boolean {
  const held = new Set(typeof scopeClaim === 'string' ? scopeClaim.split(' ') : []);
  return routeScopes(clientScope).some((s) => held.has(s));
}

/** Access tokens of integration clients live at most this long (Cognito's app client setting). */
export const CLIENT_TOKEN_TTL_SECONDS = 3600;
