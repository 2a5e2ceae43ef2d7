import { RESOURCE_SERVER } from '../../domain/integrations/scopes';

interface PreTokenGenerationEvent {
  triggerSource: string;
  response: Record<string, unknown>;
}

/**
 * The user pool's pre-token-generation trigger (event version V3_0, which
 * covers client-credentials tokens). It stamps `aud: <resource server>` on
 * integration clients' access tokens: API Gateway's JWT authorizer matches
 * `aud` (or, without one, `client_id`) against a fixed audience list, and
 * integration app clients are created at run time, so their ids cannot be
 * on it. People's tokens pass unchanged.
 */
export const handler = async (event: PreTokenGenerationEvent): Promise<PreTokenGenerationEvent> => {
  if (event.triggerSource !== 'TokenGeneration_ClientCredentials') return event;
  event.response = { claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { aud: RESOURCE_SERVER } } } };
  return event;
};
