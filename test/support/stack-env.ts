import { inject } from 'vitest';

/**
 * Points functions/config.ts at the test run's local stack, so integration
 * tests call the same repositories the handlers use.
 */
const stack = inject('stack');
Object.assign(process.env, {
  TABLE_NAME: stack.tableName,
  USER_POOL_ID: stack.userPoolId,
  USER_POOL_CLIENT_ID: stack.clientId,
  USER_POOL_CLIENT_SECRET: stack.clientSecret,
  AWS_REGION: stack.region,
  DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
  COGNITO_ENDPOINT: stack.cognitoEndpoint,
  SES_ENDPOINT: stack.sesEndpoint,
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
});
