import type { Reach } from '../access/reach';
import { unlocksAt } from '../identity/lockout';
import type { ReportParams } from './catalogue';
import { compareByName, DAY_MS, personCells, reportResult, reportScope, visiblePeople, type Cell, type LockedAccountsData, type ReportData, type ReportResult } from './model';

/**
 * The reports about accounts rather than access (domain/reports/reports.ts
 * holds the catalogue's registry and the access reports): who does not use
 * their account, who is locked out, whose address no longer receives email.
 * The same cut as every report: people visible in the scope, reach ∩ the
 * subtree of `nodeId`.
 */

export type DormantReason = 'never_signed_in' | 'not_since' | 'invitation_not_accepted';

/**
 * `dormant-accounts`: people in scope who have not used their account for
 * `days` days, with a `reason`:
 * - `not_since`: active, last signed in `days` or more days ago;
 * - `never_signed_in`: active, never signed in, and active for `days` days
 *   (since accepting the invitation, or since creation when there was none),
 *   so an account made yesterday is not "dormant";
 * - `invitation_not_accepted`: invited `days` or more days ago and still
 *   `invited` (flagged here rather than in a report of their own: both are
 *   accounts nobody uses).
 * Locked accounts are in `locked-accounts`, inactive ones are not listed.
 * `daysSince` counts whole days since the date the reason is about.
 * Order: last name, first name, id.
 */
export function dormantAccountsReport(data: ReportData, params: ReportParams<'dormant-accounts'>, reach: Reach, now: Date): ReportResult {
  const scope = reportScope(data.tree, reach, params.nodeId);
  const at = now.getTime();
  const cutoff = at - params.days * DAY_MS;
  const rows = visiblePeople(data.people, scope)
    .sort(compareByName)
    .flatMap((person): Cell[][] => {
      let since: string;
      let reason: DormantReason;
      if (person.status === 'active') {
        since = person.lastSignInAt ?? person.acceptedAt ?? person.createdAt;
        reason = person.lastSignInAt ? 'not_since' : 'never_signed_in';
      } else if (person.status === 'invited') {
        since = person.createdAt;
        reason = 'invitation_not_accepted';
      } else return [];
      const sinceMs = Date.parse(since);
      if (!(sinceMs <= cutoff)) return [];
      return [[
        ...personCells(person),
        person.userType,
        person.status,
        reason,
        person.lastSignInAt ?? null,
        person.createdAt,
        Math.floor((at - sinceMs) / DAY_MS),
      ]];
    });
  return reportResult('dormant-accounts', rows, now);
}

/**
 * `locked-accounts`: people in scope whose account is locked, with when it
 * locked and, when the trust unlocks by itself, when it will (null: only an
 * admin unlocks it). Order: last name, first name, id.
 */
export function lockedAccountsReport(data: LockedAccountsData, params: ReportParams<'locked-accounts'>, reach: Reach, now: Date): ReportResult {
  const scope = reportScope(data.tree, reach, params.nodeId);
  const rows = visiblePeople(data.people, scope)
    .filter((person) => person.status === 'locked')
    .sort(compareByName)
    .map((person): Cell[] => [
      ...personCells(person),
      person.userType,
      person.lockedAt ?? null,
      (data.lockout && unlocksAt(person, data.lockout)?.toISOString()) ?? null,
    ]);
  return reportResult('locked-accounts', rows, now);
}

/**
 * `undeliverable-emails`: people in scope whose address SES reported
 * undeliverable (domain/identity/email-delivery.ts), with what it said and
 * when; inactive accounts are left out (nothing is sent to them). Order: last
 * name, first name, id.
 */
export function undeliverableEmailsReport(data: ReportData, params: ReportParams<'undeliverable-emails'>, reach: Reach, now: Date): ReportResult {
  const scope = reportScope(data.tree, reach, params.nodeId);
  const rows = visiblePeople(data.people, scope)
    .filter((person) => person.emailDelivery !== undefined && person.status !== 'inactive')
    .sort(compareByName)
    .map((person): Cell[] => [
      ...personCells(person),
      person.userType,
      person.status,
      person.emailDelivery!.status,
      person.emailDelivery!.at,
      person.emailDelivery!.detail,
    ]);
  return reportResult('undeliverable-emails', rows, now);
}
