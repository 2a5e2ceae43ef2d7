import type { Account } from '../../domain/identity/account';
import { outboxPut, type OutboxEvent } from '../adapters/dynamo/outbox-repository';
import type { TransactItem } from '../adapters/dynamo/transaction';
import { newId, nowIso } from './ids';

/**
 * The service's own `account_security` events (a lockout, a 2FA reset, a
 * sensitive grant, a role widening) are written into the change's own
 * transaction as one outbox item (outbox-repository.ts): the event exists
 * exactly when the change does, and the notify job raises it on its next
 * sweep to whoever may unlock people there (the decision engine decides).
 * The functions that change people so carry neither the notifications code
 * nor a queue client. Grants and role edits build theirs in
 * security-events.ts.
 */
export type Named = Pick<Account, 'id' | 'firstName' | 'lastName'>;

export const CATEGORY = 'account_security';

/** One event about `subject` at `nodeId` (the trust when null); `key` makes a re-run that reports the same stored change raise it once. */
export function accountSecurityEvent(subject: Named, nodeId: string | null, title: string, key?: string): OutboxEvent {
  return {
    category: CATEGORY, nodeId, title, subject: { id: subject.id, firstName: subject.firstName, lastName: subject.lastName },
    ...(key ? { key: `${CATEGORY}:${key}` } : {}),
  };
}

/** The outbox item of a change's events, for its transaction: none when it has none, else exactly one. */
export function outboxItems(trustId: string, events: readonly OutboxEvent[], at: string = nowIso()): TransactItem[] {
  return events.length === 0 ? [] : [outboxPut(trustId, at, newId(), events)];
}

