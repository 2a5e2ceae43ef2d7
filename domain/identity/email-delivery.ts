import type { Account } from './account';
import { UNCHANGED, type AccountChange, type Transition } from './lifecycle';

/**
 * What SES last reported about an email to the account's address that did
 * not arrive: a permanent bounce (the mailbox does not exist, the domain
 * refuses, or the address is on SES's suppression list after an earlier
 * bounce) or a complaint (the person marked our email as spam; SES then
 * suppresses the address too). Either way nothing more reaches the address,
 * invitations and safeguarding alerts included, until it changes: the admin
 * sees it on the person (`GET /users/{id}`), and an email change clears it.
 */
export interface EmailDelivery {
  status: 'bounced' | 'complained';
  /** When SES reported it (ISO). */
  at: string;
  /** SES's short reason: the bounce sub-type and SMTP status (`General 5.1.1`), or the complaint's feedback type. */
  detail: string;
}

/** One recipient's outcome in an SES event. */
export interface DeliveryFailure {
  address: string;
  status: EmailDelivery['status'];
  at: string;
  detail: string;
}

/** The most of SES's reason kept on the account (it can quote the receiving server's whole answer). */
export const DELIVERY_DETAIL_MAX = 200;

/**
 * Records a failure on the account it was about, once: nothing when the
 * account's address is no longer the one that failed (changed since the
 * email went), or when the account already holds this report or a later one
 * (SES and SQS deliver at least once, and out of order).
 */
export function planDeliveryFailure(account: Account, failure: DeliveryFailure): Transition {
  if (account.email.toLowerCase() !== failure.address.toLowerCase()) return UNCHANGED;
  const current = account.emailDelivery;
  if (current && current.at >= failure.at) return UNCHANGED;
  const emailDelivery: EmailDelivery = { status: failure.status, at: failure.at, detail: failure.detail.slice(0, DELIVERY_DETAIL_MAX) };
  const change: AccountChange = {
    set: { emailDelivery },
    remove: [],
    action: 'user.email_undeliverable',
    before: { email: account.email, emailDelivery: current ?? null },
    after: { email: account.email, emailDelivery },
  };
  return change;
}
