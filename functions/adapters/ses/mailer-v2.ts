import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Email } from '../../../domain/identity/emails';
import { config, localCredentials } from '../../config';

let client: SESv2Client | undefined;

function ses(): SESv2Client {
  if (!client) {
    const { AWS_REGION, SES_ENDPOINT } = config();
    client = new SESv2Client({ region: AWS_REGION, endpoint: SES_ENDPOINT, credentials: localCredentials(SES_ENDPOINT) });
  }
  return client;
}

export interface Attachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

/**
 * One email through SESv2's simple content, which carries custom headers
 * (List-Unsubscribe for RFC 8058 one-click) and attachments (scheduled
 * reports) without hand-built MIME.
 */
export async function sendMail(to: string, email: Email, extras: { headers?: Record<string, string>; attachments?: Attachment[] } = {}): Promise<void> {
  const { SES_SENDER, SES_CONFIGURATION_SET } = config();
  await ses().send(
    new SendEmailCommand({
      FromEmailAddress: SES_SENDER,
      Destination: { ToAddresses: [to] },
      ConfigurationSetName: SES_CONFIGURATION_SET,
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
          ...(extras.headers ? { Headers: Object.entries(extras.headers).map(([Name, Value]) => ({ Name, Value })) } : {}),
          ...(extras.attachments
            ? { Attachments: extras.attachments.map((a) => ({ FileName: a.filename, ContentType: a.contentType, RawContent: a.content, ContentDisposition: 'ATTACHMENT' as const })) }
            : {}),
        },
      },
    }),
  );
}
