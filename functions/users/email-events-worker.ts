import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { planDeliveryFailure, type DeliveryFailure } from '../../domain/identity/email-delivery';
import { auditNodeOf } from '../../domain/identity/lifecycle';
import { findEmailOwner } from '../adapters/dynamo/account-repository';
import { loadPerson } from '../adapters/dynamo/person-repository';
import { deliveryFailures } from '../adapters/ses/events';
import { logger } from '../http/logger';
import { changeAccount } from '../shared/account-change';
import { accountSecurityEvent, outboxItems } from '../shared/account-security';

/** The actor of the audit records this worker writes: SES reported it, nobody did it. */
export const SES_ACTOR = 'system';

/**
 * SES's permanent bounces and complaints (the `email-events` queue): each
 * failed address is recorded on the account that has it, as
 * `emailDelivery` with an audit record `user.email_undeliverable` filed at
 * the person's primary place, so the admins who can see the person see why
 * their invitation never arrived, and an account_security event in the same
 * transaction (the outbox), so the admins who may unlock people there are
 * told: a DSL whose address bounces gets no safeguarding alert. An address no account has (any more) is
 * logged and dropped; the same event again, or an older one, changes nothing
 * (planDeliveryFailure). A store failure fails the message, which SQS
 * delivers again.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      for (const failure of deliveryFailures(record.body)) await recordFailure(failure);
    } catch (error) {
      logger.error('an SES email event could not be recorded', { error: error as Error, messageId: record.messageId });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

async function recordFailure(failure: DeliveryFailure): Promise<void> {
  // The owner, then the person in one Query (profile and placements: the audit's node), not the profile twice.
  const owner = await findEmailOwner(failure.address);
  const record = owner && (await loadPerson(owner.trustId, owner.userId));
  if (!record) {
    logger.info('SES reported an address no account has; nothing to record', { status: failure.status });
    return;
  }
  const { account } = record;
  const nodeId = auditNodeOf(record.person);
  const title = failure.status === 'bounced'
    ? 'email address undeliverable (it bounced): nothing more reaches it until it is changed'
    : 'marked our email as spam: nothing more reaches their address until it is changed';
  const stored = await changeAccount({
    account,
    actorId: SES_ACTOR,
    nodeId,
    plan: (current) => planDeliveryFailure(current, failure),
    // Only written with the change itself: the same report again raises nothing.
    extraItems: outboxItems(account.trustId, [accountSecurityEvent(account, nodeId, title)]),
  });
  logger.info('SES reported an account\'s address undeliverable', { userId: account.id, trustId: account.trustId, status: failure.status, recorded: stored.emailDelivery?.at === failure.at });
}
