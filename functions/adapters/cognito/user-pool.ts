import { createHmac, randomBytes } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { ConflictError, ThrottledError, UnauthenticatedError } from '../../../domain/errors';
import { invalidCredentials } from '../../../domain/identity/login';
import { WeakPasswordError } from '../../../domain/identity/password-policy';
import { config, localCredentials, required, secret } from '../../config';
import { SecretUnavailableError } from '../secrets-extension';

let client: CognitoIdentityProviderClient | undefined;

export function cognito(): CognitoIdentityProviderClient {
  if (!client) {
    const { AWS_REGION, COGNITO_ENDPOINT } = config();
    client = new CognitoIdentityProviderClient({
      region: AWS_REGION,
      endpoint: COGNITO_ENDPOINT,
      credentials: localCredentials(COGNITO_ENDPOINT),
    });
  }
  return client;
}

/** The app client is confidential: only this service, which knows the secret, can sign people in. */
export async function secretHash(username: string): Promise<string> {
  return createHmac('sha256', await secret('USER_POOL_CLIENT_SECRET')).update(username + required('USER_POOL_CLIENT_ID')).digest('base64');
}

/** Cognito's own rate limits become a 429 the client can retry, not a 500. */
export function cognitoError(error: unknown): unknown {
  // ForbiddenException: the pool's WAF blocked the call (the per-client-IP sign-in rate rule).
  if (error instanceof Error && ['TooManyRequestsException', 'LimitExceededException', 'ForbiddenException'].includes(error.name)) {
    return new ThrottledError({ cause: error });
  }
  return error;
}

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  expiresIn: number;
}

export type PasswordAuthOutcome = { kind: 'tokens'; tokens: Tokens } | { kind: 'challenge'; challenge: string; session: string };

const REJECTED = new Set(['NotAuthorizedException', 'InvalidPasswordException', 'UserNotFoundException', 'PasswordResetRequiredException', 'UserNotConfirmedException']);

export function toTokens(result: AuthenticationResultType | undefined): Tokens {
  if (!result?.AccessToken || !result.IdToken) throw new Error('Cognito returned no tokens');
  return {
    accessToken: result.AccessToken,
    idToken: result.IdToken,
    ...(result.RefreshToken ? { refreshToken: result.RefreshToken } : {}),
    expiresIn: result.ExpiresIn ?? 3600,
  };
}

/** The header the user pool's WAF rate rule counts by (infra/stacks/stateful-stack.ts, SIGN_IN_RATE_LIMIT). */
export const CLIENT_IP_HEADER = 'x-forwarded-for';

/**
 * Tells Cognito who the client is: `UserContextData.IpAddress` for its
 * threat protection (adaptive authentication, compromised credentials), and
 * the header the pool's per-IP WAF rule counts by. The API calls Cognito from
 * Lambda, so without these every sign-in would seem to come from AWS.
 */
export function fromClient<C extends InitiateAuthCommand | RespondToAuthChallengeCommand>(command: C, sourceIp: string | undefined): C {
  if (!sourceIp) return command;
  command.input.UserContextData = { IpAddress: sourceIp };
  (command as InitiateAuthCommand).middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers[CLIENT_IP_HEADER] = sourceIp;
      return next(args);
    },
    { step: 'build', name: 'forwardClientIp' },
  );
  return command;
}

/**
 * USER_PASSWORD_AUTH with SECRET_HASH; a wrong password and an unknown user
 * give the same error. `username` is the Cognito username the table stores
 * (an email also works, for the decoy).
 */
export async function passwordAuth(username: string, password: string, sourceIp: string | undefined): Promise<PasswordAuthOutcome> {
  try {
    const result = await cognito().send(
      fromClient(
        new InitiateAuthCommand({
          ClientId: required('USER_POOL_CLIENT_ID'),
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: username, PASSWORD: password, SECRET_HASH: await secretHash(username) },
        }),
        sourceIp,
      ),
    );
    if (result.ChallengeName) {
      return { kind: 'challenge', challenge: result.ChallengeName, session: result.Session ?? '' };
    }
    return { kind: 'tokens', tokens: toTokens(result.AuthenticationResult) };
  } catch (error) {
    if (error instanceof Error && REJECTED.has(error.name)) throw invalidCredentials();
    throw cognitoError(error);
  }
}

/**
 * Spends the same Cognito round trip as a real attempt for an email that is
 * unknown or may not sign in, so response times do not reveal accounts.
 */
export async function decoyPasswordAuth(password: string, sourceIp: string | undefined): Promise<never> {
  await passwordAuth(`decoy-${randomBytes(8).toString('hex')}@invalid.invalid`, password, sourceIp).catch((error: unknown) => {
    // Throttled (Cognito's limits, the per-IP WAF rule) answers 429 as a real attempt would; an unreadable secret 500, as it would.
    if (error instanceof ThrottledError || error instanceof SecretUnavailableError) throw error;
  });
  throw invalidCredentials();
}

export async function refreshAuth(refreshToken: string, cognitoUsername: string, sourceIp: string | undefined): Promise<Tokens> {
  try {
    const result = await cognito().send(
      fromClient(
        new InitiateAuthCommand({
          ClientId: required('USER_POOL_CLIENT_ID'),
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: refreshToken, SECRET_HASH: await secretHash(cognitoUsername) },
        }),
        sourceIp,
      ),
    );
    const { refreshToken: _same, ...tokens } = toTokens(result.AuthenticationResult);
    return tokens;
  } catch (error) {
    if (error instanceof Error && REJECTED.has(error.name)) {
      throw new UnauthenticatedError('invalid_refresh_token', 'The refresh token is not valid; sign in again');
    }
    throw cognitoError(error);
  }
}

/**
 * Creates the Cognito user (no Cognito email: the service sends its own) and
 * returns its username (the sub). For bootstrap paths only (trust creation,
 * seeding), which checked the table first: a Cognito user left behind by a
 * failed earlier attempt is taken over. POST /users claims the email first
 * and adopts only what no account uses (functions/identity/new-login.ts).
 */
export async function createCognitoUser(email: string): Promise<string> {
  const created = await createNewCognitoUser(email);
  if (created) return created;
  const existing = await findCognitoUsername(email);
  if (!existing) throw new Error('Cognito reported the user as existing but does not find it');
  return existing;
}

/** The new user's username, or undefined when a user with this email exists already (nothing is changed then). */
export async function createNewCognitoUser(email: string): Promise<string | undefined> {
  try {
    const result = await cognito().send(
      new AdminCreateUserCommand({
        UserPoolId: config().USER_POOL_ID,
        Username: email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    const username = result.User?.Username;
    if (!username) throw new Error('Cognito created a user without a username');
    return username;
  } catch (error) {
    if (error instanceof Error && error.name === 'UsernameExistsException') return undefined;
    throw cognitoError(error);
  }
}

/** The username (sub) of the Cognito user signing in with this email, if any. */
export async function findCognitoUsername(email: string): Promise<string | undefined> {
  try {
    const { Username } = await cognito().send(new AdminGetUserCommand({ UserPoolId: config().USER_POOL_ID, Username: email }));
    return Username;
  } catch (error) {
    if (error instanceof Error && error.name === 'UserNotFoundException') return undefined;
    throw cognitoError(error);
  }
}

/**
 * Sets the password for good. Our policy is checked first (domain/identity/password-policy.ts); a password
 * Cognito still refuses (its own character rules) is the person's 400 weak_password, never a 500.
 */
export async function setPermanentPassword(cognitoUsername: string, password: string): Promise<void> {
  try {
    await cognito().send(
      new AdminSetUserPasswordCommand({ UserPoolId: config().USER_POOL_ID, Username: cognitoUsername, Password: password, Permanent: true }),
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'InvalidPasswordException') throw new WeakPasswordError(['only characters the sign-in service accepts (no line breaks)']);
    throw error;
  }
}

export async function deleteCognitoUser(cognitoUsername: string): Promise<void> {
  await cognito().send(new AdminDeleteUserCommand({ UserPoolId: config().USER_POOL_ID, Username: cognitoUsername }));
}

/** Moves the Cognito login to a new email (verified: the admin vouches for it, as at creation). */
export async function updateCognitoEmail(cognitoUsername: string, email: string): Promise<void> {
  try {
    await cognito().send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: config().USER_POOL_ID,
        Username: cognitoUsername,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof Error && (error.name === 'AliasExistsException' || error.name === 'UsernameExistsException')) {
      throw new ConflictError('email_taken', 'This email already has an account');
    }
    throw cognitoError(error);
  }
}
