import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import type { Email } from '../../../domain/identity/emails';
import { config, localCredentials } from '../../config';

let client: SESClient | undefined;

function ses(): SESClient {
  if (!client) {
    const { AWS_REGION, SES_ENDPOINT } = config();
    client = new SESClient({ region: AWS_REGION, endpoint: SES_ENDPOINT, credentials: localCredentials(SES_ENDPOINT) });
  }
  return client;
}

/** Sends one email with HTML and text parts through SES (the configuration set records delivery events). */
export async function sendEmail(to: string, email: Email): Promise<void> {
  const { SES_SENDER, SES_CONFIGURATION_SET } = config();
  await ses().send(
    new SendEmailCommand({
      Source: SES_SENDER,
      Destination: { ToAddresses: [to] },
      ConfigurationSetName: SES_CONFIGURATION_SET,
      Message: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
      },
    }),
  );
}
