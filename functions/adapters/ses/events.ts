import type { DeliveryFailure } from '../../../domain/identity/email-delivery';
import * as z from '../../shared/zod';

/**
 * SES's event records (a configuration set's event destination, delivered
 * through SNS to SQS with raw message delivery, so the SQS body is SES's JSON;
 * an SNS envelope is unwrapped too). Only the fields read here are checked;
 * SES adds fields over time.
 */
const recipient = z.looseObject({ emailAddress: z.string(), status: z.optional(z.string()), diagnosticCode: z.optional(z.string()) });
const sesEvent = z.looseObject({
  eventType: z.optional(z.string()),
  /** SES's older identity notifications name the kind here instead. */
  notificationType: z.optional(z.string()),
  bounce: z.optional(z.looseObject({
    bounceType: z.string(),
    bounceSubType: z.optional(z.string()),
    bouncedRecipients: z.array(recipient),
    timestamp: z.string(),
  })),
  complaint: z.optional(z.looseObject({
    complainedRecipients: z.array(recipient),
    complaintFeedbackType: z.optional(z.string()),
    timestamp: z.string(),
  })),
});
const snsEnvelope = z.looseObject({ Type: z.literal('Notification'), Message: z.string() });

/** `Jane Smith <jane@x.org>` → `jane@x.org`; a bare address as it is. */
function addressOf(value: string): string {
  return (/<([^<>]+)>\s*$/.exec(value)?.[1] ?? value).trim().toLowerCase();
}

/**
 * The recipients an SES event says nothing more will reach: every recipient
 * of a permanent bounce (a transient one SES retries by itself), every
 * recipient of a complaint. Other events (deliveries, rejects, sends) name
 * none. Throws on a body that is not an SES event at all, so the message goes
 * to the dead-letter queue rather than being lost silently.
 */
export function deliveryFailures(body: string): DeliveryFailure[] {
  let parsed: unknown = JSON.parse(body);
  const envelope = snsEnvelope.safeParse(parsed);
  if (envelope.success) parsed = JSON.parse(envelope.data.Message);
  const event = sesEvent.parse(parsed);
  const kind = event.eventType ?? event.notificationType;
  if (kind === 'Bounce' && event.bounce?.bounceType === 'Permanent') {
    const { bounce } = event;
    return bounce.bouncedRecipients.map((r) => ({
      address: addressOf(r.emailAddress), status: 'bounced', at: bounce.timestamp,
      detail: [bounce.bounceSubType, r.status].filter(Boolean).join(' ') || 'Permanent',
    }));
  }
  if (kind === 'Complaint' && event.complaint) {
    const { complaint } = event;
    return complaint.complainedRecipients.map((r) => ({
      address: addressOf(r.emailAddress), status: 'complained', at: complaint.timestamp, detail: complaint.complaintFeedbackType ?? 'complaint',
    }));
  }
  return [];
}
