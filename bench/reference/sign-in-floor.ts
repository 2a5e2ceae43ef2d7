import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import * as z from 'zod/mini';

/**
 * The floor of `npm run bench -- bundles` (issue 8, point 3): the smallest
 * sign-in the fixed stack allows, made only of what the developers' guide
 * fixes (the DynamoDB, Cognito and SES clients, middy, zod): read the
 * account, ask Cognito, email on a refusal. No logging, lockout, audit,
 * problem documents or 2FA. If this alone is over 1.2× of the DynamoDB-only
 * reference, no sign-in function built on the stack can be within it.
 */
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const body = z.object({ email: z.email(), password: z.string().check(z.maxLength(256)) });

export const handler = middy(async (event: { body?: string }) => {
  const input = body.parse(JSON.parse(event.body ?? '{}'));
  const { Item } = await db.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: `EMAIL#${input.email}`, sk: 'EMAIL' } }));
  const answer = await new CognitoIdentityProviderClient({}).send(
    new InitiateAuthCommand({ ClientId: 'c', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: String(Item?.username), PASSWORD: input.password } }),
  );
  if (!answer.AuthenticationResult) {
    await new SESClient({}).send(new SendEmailCommand({ Source: 's', Destination: { ToAddresses: [input.email] }, Message: { Subject: { Data: 'x' }, Body: { Text: { Data: 'y' } } } }));
  }
  return { statusCode: 200, body: JSON.stringify(answer.AuthenticationResult ?? {}) };
});
