import { CreateUserPoolClientCommand, DeleteUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CLIENT_TOKEN_TTL_SECONDS, oauthScope, type IntegrationScope } from '../../../domain/integrations/scopes';
import { required } from '../../config';
import { cognito, cognitoError } from './user-pool';

/**
 * An integration client is a user-pool app client of its own: confidential
 * (Cognito generates and keeps the secret; the API hands it out once and
 * never stores it), the client-credentials grant only, the resource server's
 * scopes it was given, access tokens of at most an hour. cognito-local keeps
 * the same settings, and the local stack's token endpoint honours them.
 */
export async function createAppClient(input: { integrationId: string; scopes: IntegrationScope[] }): Promise<{ clientId: string; clientSecret: string }> {
  try {
    const { UserPoolClient } = await cognito().send(
      new CreateUserPoolClientCommand({
        UserPoolId: required('USER_POOL_ID'),
        ClientName: `integration-${input.integrationId}`,
        GenerateSecret: true,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: input.scopes.map(oauthScope),
        // No sign-in flows of people: only the token endpoint's client-credentials grant.
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        SupportedIdentityProviders: ['COGNITO'],
        AccessTokenValidity: CLIENT_TOKEN_TTL_SECONDS / 60,
        TokenValidityUnits: { AccessToken: 'minutes' },
        EnableTokenRevocation: true,
        PreventUserExistenceErrors: 'ENABLED',
      }),
    );
    if (!UserPoolClient?.ClientId || !UserPoolClient.ClientSecret) throw new Error('Cognito returned no client id or secret');
    return { clientId: UserPoolClient.ClientId, clientSecret: UserPoolClient.ClientSecret };
  } catch (error) {
    throw cognitoError(error);
  }
}

/** Idempotent: a client already gone is fine. */
export async function deleteAppClient(clientId: string): Promise<void> {
  try {
    await cognito().send(new DeleteUserPoolClientCommand({ UserPoolId: required('USER_POOL_ID'), ClientId: clientId }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return;
    throw cognitoError(error);
  }
}
