import { AdminDisableUserCommand, AdminEnableUserCommand, AdminUserGlobalSignOutCommand } from '@aws-sdk/client-cognito-identity-provider';
import { config } from '../../config';
import { logger } from '../../http/logger';
import { cognito, cognitoError } from './user-pool';

/**
 * The Cognito side of deactivation and sign-out. The table is the source of
 * truth (every request checks the account's status and "sessions valid
 * after"); these calls are defence in depth, so refresh tokens die in
 * Cognito too.
 */

export async function disableCognitoUser(cognitoUsername: string): Promise<void> {
  try {
    await cognito().send(new AdminDisableUserCommand({ UserPoolId: config().USER_POOL_ID, Username: cognitoUsername }));
  } catch (error) {
    throw cognitoError(error);
  }
}

export async function enableCognitoUser(cognitoUsername: string): Promise<void> {
  try {
    await cognito().send(new AdminEnableUserCommand({ UserPoolId: config().USER_POOL_ID, Username: cognitoUsername }));
  } catch (error) {
    throw cognitoError(error);
  }
}

/** cognito-local answers operations it lacks with `CognitoLocal#Unsupported`; only against the emulator is that not an error. */
export function emulatorLacks(error: unknown): boolean {
  return config().COGNITO_ENDPOINT !== undefined && error instanceof Error && error.name === 'Unsupported' && /Cognito Local unsupported/.test(error.message);
}

/** Revokes every refresh token of the user in Cognito (AWS); the emulator does not have it, which is ignored there and only there. */
export async function signOutEverywhere(cognitoUsername: string): Promise<void> {
  try {
    await cognito().send(new AdminUserGlobalSignOutCommand({ UserPoolId: config().USER_POOL_ID, Username: cognitoUsername }));
  } catch (error) {
    if (emulatorLacks(error)) {
      logger.debug('AdminUserGlobalSignOut is not supported by cognito-local; the table cut-off applies');
      return;
    }
    throw cognitoError(error);
  }
}
