import {
  AdminInitiateAuthCommand,
  AdminSetUserMFAPreferenceCommand,
  AssociateSoftwareTokenCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { InvalidInputError, UnauthenticatedError } from '../../../domain/errors';
import { invalidMfaCode, invalidMfaSession } from '../../../domain/identity/login';
import { config, required } from '../../config';
import { logger } from '../../http/logger';
import { cognito, cognitoError, secretHash, toTokens, fromClient, type Tokens } from './user-pool';
import { emulatorLacks } from './user-status';

/**
 * TOTP with Cognito. Setting it up uses the person's own access token (no IAM
 * rights involved: Cognito checks the token); answering the sign-in challenge
 * uses the confidential app client, like the password step.
 */

const named = (error: unknown, ...names: string[]) => error instanceof Error && names.includes(error.name);

/** A token Cognito no longer honours (expired, or signed out globally in AWS). */
function tokenError(error: unknown): unknown {
  if (named(error, 'NotAuthorizedException')) return new UnauthenticatedError('session_revoked', 'This session is no longer valid; sign in again');
  return cognitoError(error);
}

/** Starts TOTP set-up: a new secret for the person's authenticator app (it counts only once verified). */
export async function associateTotp(accessToken: string): Promise<string> {
  try {
    const { SecretCode } = await cognito().send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }));
    if (!SecretCode) throw new Error('Cognito returned no TOTP secret');
    return SecretCode;
  } catch (error) {
    throw tokenError(error);
  }
}

const wrongSetupCode = () =>
  new InvalidInputError('invalid_mfa_code', 'The code from your authenticator app is not right', [{ path: 'code', message: 'does not match; check the time on your device' }]);

/**
 * Proves the app holds the secret, then makes TOTP the person's preferred
 * and required second factor: from now on every password sign-in gets the
 * SOFTWARE_TOKEN_MFA challenge.
 */
export async function verifyAndRequireTotp(accessToken: string, code: string): Promise<void> {
  try {
    const { Status } = await cognito().send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: code, FriendlyDeviceName: 'Authenticator app' }));
    if (Status !== 'SUCCESS') throw wrongSetupCode();
    await cognito().send(
      new SetUserMFAPreferenceCommand({ AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }),
    );
  } catch (error) {
    // AWS answers a wrong set-up code with EnableSoftwareTokenMFAException, the emulator with CodeMismatchException.
    if (named(error, 'CodeMismatchException', 'EnableSoftwareTokenMFAException')) throw wrongSetupCode();
    if (named(error, 'InvalidParameterException')) {
      throw new InvalidInputError('mfa_setup_required', 'Start the set-up first (POST /me/mfa/totp/setup)', [{ path: 'code', message: 'no authenticator app is being set up' }]);
    }
    throw tokenError(error);
  }
}

/**
 * Answers the SOFTWARE_TOKEN_MFA challenge. USERNAME and SECRET_HASH use the
 * Cognito username (USER_ID_FOR_SRP), which is what Cognito expects after a
 * sign-in by email alias. A wrong or reused code is `invalid_mfa_code`; an
 * expired or foreign session is `invalid_mfa_session`.
 */
export async function answerTotpChallenge(cognitoUsername: string, session: string, code: string, sourceIp: string | undefined): Promise<Tokens> {
  try {
    const result = await cognito().send(
      fromClient(new RespondToAuthChallengeCommand({
        ClientId: required('USER_POOL_CLIENT_ID'),
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: session,
        ChallengeResponses: { USERNAME: cognitoUsername, SOFTWARE_TOKEN_MFA_CODE: code, SECRET_HASH: await secretHash(cognitoUsername) },
      }), sourceIp),
    );
    if (result.ChallengeName) throw new Error(`Unexpected further challenge ${result.ChallengeName}`);
    return toTokens(result.AuthenticationResult);
  } catch (error) {
    if (named(error, 'CodeMismatchException', 'ExpiredCodeException')) throw invalidMfaCode();
    if (named(error, 'NotAuthorizedException', 'UserNotFoundException')) throw invalidMfaSession();
    throw cognitoError(error);
  }
}

/**
 * Checks a current code against the person's authenticator (their own access
 * token; the secret never leaves Cognito). A wrong code is 400
 * `invalid_mfa_code` naming the field.
 */
export async function checkTotpCode(accessToken: string, code: string): Promise<void> {
  try {
    const { Status } = await cognito().send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: code }));
    if (Status !== 'SUCCESS') throw wrongSetupCode();
  } catch (error) {
    if (named(error, 'CodeMismatchException', 'EnableSoftwareTokenMFAException')) throw wrongSetupCode();
    throw tokenError(error);
  }
}

/** The person turns TOTP off with their own access token: password-only sign-ins from now on. */
export async function stopRequiringTotp(accessToken: string): Promise<void> {
  try {
    await cognito().send(new SetUserMFAPreferenceCommand({ AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false } }));
  } catch (error) {
    throw tokenError(error);
  }
}

/**
 * An admin turns a person's TOTP off (lost device). cognito-local lacks
 * AdminSetUserMFAPreference: there, and only there, the answer is `deferred`
 * and the person's next password sign-in finishes the job with their own
 * token (finishDeferredTotpOff), since the table already says TOTP is off.
 */
export async function adminStopRequiringTotp(cognitoUsername: string): Promise<'done' | 'deferred'> {
  try {
    await cognito().send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: config().USER_POOL_ID, Username: cognitoUsername, SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false },
      }),
    );
    return 'done';
  } catch (error) {
    if (emulatorLacks(error)) {
      logger.debug('AdminSetUserMFAPreference is not supported by cognito-local; TOTP goes off at the next sign-in');
      return 'deferred';
    }
    throw cognitoError(error);
  }
}

/**
 * Emulator only: the password was right, Cognito still asks for TOTP, but an
 * admin reset turned it off and the table marks it pending
 * (adminStopRequiringTotp was deferred).
 * Signs in again without the challenge (cognito-local's AdminInitiateAuth
 * never asks for MFA) and turns TOTP off with the person's own token.
 * Against AWS this answers undefined and the challenge stands: Cognito is
 * then authoritative and the admin's reset must be retried.
 */
export async function finishDeferredTotpOff(cognitoUsername: string, password: string): Promise<Tokens | undefined> {
  if (config().COGNITO_ENDPOINT === undefined) return undefined;
  const result = await cognito().send(
    new AdminInitiateAuthCommand({
      UserPoolId: config().USER_POOL_ID, ClientId: required('USER_POOL_CLIENT_ID'), AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: cognitoUsername, PASSWORD: password, SECRET_HASH: await secretHash(cognitoUsername) },
    }),
  );
  const tokens = toTokens(result.AuthenticationResult);
  await stopRequiringTotp(tokens.accessToken);
  return tokens;
}
