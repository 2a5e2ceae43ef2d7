import { describe, expect, it } from 'vitest';
import type { Account } from '../../../domain/identity/account';
import { DELIVERY_DETAIL_MAX, planDeliveryFailure, type DeliveryFailure } from '../../../domain/identity/email-delivery';
import { UNCHANGED } from '../../../domain/identity/lifecycle';
import { deliveryFailures } from '../../../functions/adapters/ses/events';
import { sesEvent } from '../../../infra/local/local-routes';

function account(overrides: Partial<Account> = {}): Account {
  return {
    id: 'u1', trustId: 't1', email: 'jane.smith@school.example', firstName: 'Jane', lastName: 'Smith', userType: 'staff', status: 'invited', source: 'manual',
    cognitoUsername: 'sub-1', sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 3, createdAt: '2026-09-01T00:00:00.000Z', updatedAt: '',
    ...overrides,
  };
}

const bounce = (overrides: Partial<DeliveryFailure> = {}): DeliveryFailure => ({
  address: 'jane.smith@school.example', status: 'bounced', at: '2026-12-01T10:00:00.000Z', detail: 'General 5.1.1', ...overrides,
});

describe('planDeliveryFailure', () => {
  it('records a bounce of the address the account has, with the audit before and after', () => {
    const change = planDeliveryFailure(account(), bounce());
    expect(change).toEqual({
      set: { emailDelivery: { status: 'bounced', at: '2026-12-01T10:00:00.000Z', detail: 'General 5.1.1' } },
      remove: [],
      action: 'user.email_undeliverable',
      before: { email: 'jane.smith@school.example', emailDelivery: null },
      after: { email: 'jane.smith@school.example', emailDelivery: { status: 'bounced', at: '2026-12-01T10:00:00.000Z', detail: 'General 5.1.1' } },
    });
  });

  it('matches the address whatever its case (SES reports it as the receiving server wrote it)', () => {
    expect(planDeliveryFailure(account(), bounce({ address: 'Jane.Smith@School.EXAMPLE' }))).not.toBe(UNCHANGED);
  });

  it('records nothing once the account has another address: the report is about the old one', () => {
    expect(planDeliveryFailure(account({ email: 'jane@new.example' }), bounce())).toBe(UNCHANGED);
  });

  it('records the same report once, and never lets an older report replace a newer one (at-least-once, out of order)', () => {
    const recorded = account({ emailDelivery: { status: 'complained', at: '2026-12-01T10:00:00.000Z', detail: 'abuse' } });
    expect(planDeliveryFailure(recorded, bounce())).toBe(UNCHANGED);
    expect(planDeliveryFailure(recorded, bounce({ at: '2026-12-01T09:00:00.000Z' }))).toBe(UNCHANGED);
    expect(planDeliveryFailure(recorded, bounce({ at: '2026-12-01T11:00:00.000Z' }))).toMatchObject({ set: { emailDelivery: { status: 'bounced', at: '2026-12-01T11:00:00.000Z' } } });
  });

  it('keeps at most DELIVERY_DETAIL_MAX characters of what the receiving server said', () => {
    const change = planDeliveryFailure(account(), bounce({ detail: 'x'.repeat(5_000) }));
    expect(change !== UNCHANGED && change.set.emailDelivery!.detail.length).toBe(DELIVERY_DETAIL_MAX);
  });
});

describe('deliveryFailures (SES event records)', () => {
  const at = new Date('2026-12-01T10:00:00.000Z');

  it('reads every recipient of a permanent bounce, with the sub-type and SMTP status as the reason', () => {
    const event = sesEvent('Jane.Smith@School.example', 'bounce', at);
    (event.bounce as { bouncedRecipients: unknown[] }).bouncedRecipients.push({ emailAddress: 'Head <head@school.example>', status: '5.2.1' });
    expect(deliveryFailures(JSON.stringify(event))).toEqual([
      { address: 'jane.smith@school.example', status: 'bounced', at: at.toISOString(), detail: 'General 5.1.1' },
      { address: 'head@school.example', status: 'bounced', at: at.toISOString(), detail: 'General 5.2.1' },
    ]);
  });

  it('ignores a transient bounce, which SES retries by itself', () => {
    const event = sesEvent('jane@school.example', 'bounce', at) as { bounce: { bounceType: string } };
    event.bounce.bounceType = 'Transient';
    expect(deliveryFailures(JSON.stringify(event))).toEqual([]);
  });

  it('reads a complaint', () => {
    expect(deliveryFailures(JSON.stringify(sesEvent('jane@school.example', 'complaint', at)))).toEqual([
      { address: 'jane@school.example', status: 'complained', at: at.toISOString(), detail: 'abuse' },
    ]);
  });

  it('unwraps an SNS envelope (a subscription without raw delivery) and reads SES\'s older notificationType', () => {
    const { eventType: _e, ...rest } = sesEvent('jane@school.example', 'bounce', at);
    const envelope = { Type: 'Notification', MessageId: 'm', TopicArn: 'arn:aws:sns:eu-west-2:1:t', Message: JSON.stringify({ ...rest, notificationType: 'Bounce' }) };
    expect(deliveryFailures(JSON.stringify(envelope))).toHaveLength(1);
  });

  it('names nobody for other events (a delivery, a reject)', () => {
    expect(deliveryFailures(JSON.stringify({ eventType: 'Delivery', delivery: { timestamp: at.toISOString(), recipients: ['jane@school.example'] }, mail: {} }))).toEqual([]);
    expect(deliveryFailures(JSON.stringify({ eventType: 'Reject', reject: { reason: 'Bad content' }, mail: {} }))).toEqual([]);
  });

  it('throws on a body that is not an SES event, so the message is not lost silently', () => {
    expect(() => deliveryFailures('not json')).toThrow();
    expect(() => deliveryFailures(JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Permanent' } }))).toThrow();
  });
});
