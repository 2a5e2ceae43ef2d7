import { compilePerson, type CompiledPerson } from '../../domain/access/resolve';
import type { Account } from '../../domain/identity/account';
import { categoryByCode, deliveryFor, type NotificationCategory } from '../../domain/notifications/categories';
import { digestEmail, eventEmail, groupDigest, type DigestEvent } from '../../domain/notifications/digest';
import { mayHear } from '../../domain/notifications/recipients';
import type { Trust } from '../../domain/org/trust';
import type { OrgTree } from '../../domain/org/tree';
import { claimEntry, failEntry, finishEntry, giveUpEntry, loadAddressee, mapLimit, pendingDigests, pendingImmediate, pendingImmediateOfEvent, type Addressee, type PendingEntry } from '../adapters/dynamo/notification-repository';
import { loadTrustNow, type TrustContext } from '../adapters/dynamo/trust-repository';
import { sendMail } from '../adapters/ses/mailer-v2';
import { logger } from '../http/logger';
import { newId } from '../shared/ids';
import { decidedAt } from '../shared/job-time';
import { emailLinks } from './links';

/** A hold on an entry older than this belongs to a sender that died; the entry goes out again. */
const STALE_CLAIM_MS = 15 * 60_000;

/**
 * Failed emails of one entry after which it is given up (`failedAt`, logged
 * `notification email given up`; the feed still has it), so an address or a
 * message SES refuses for good is not retried for ever. Immediate: the
 * queue's 5 deliveries, then 5-minute sweeps, so about an hour in AWS.
 * Digest: three hourly runs; the next day's digest is never held back by it.
 * Only refusals of the email itself count (refusedForGood): an SES outage,
 * throttling or a paused account gives the entry back uncounted, so it waits
 * for SES however long that takes and no safeguarding email is given up
 * because SES was down (review D, D4; README, Notifications).
 */
export const MAX_SEND_ATTEMPTS = { immediate: 10, digest: 3 } as const;

/** SES answers that refuse this email for good (its address or its content), not SES being unable to send now. */
const REFUSED_FOR_GOOD = new Set(['MessageRejected', 'BadRequestException', 'InvalidParameterValue', 'NotFoundException']);

export function refusedForGood(error: unknown): boolean {
  return REFUSED_FOR_GOOD.has((error as { name?: string } | undefined)?.name ?? '');
}

export interface DeliverySummary {
  sent: number;
  skipped: number;
  /** Emails that failed (their entries wait for the next run, or were given up). */
  failed: number;
  /** Entries given up after MAX_SEND_ATTEMPTS failed emails. */
  givenUp: number;
}

export const noDeliveries = (): DeliverySummary => ({ sent: 0, skipped: 0, failed: 0, givenUp: 0 });

export const addDeliveries = (a: DeliverySummary, b: DeliverySummary): DeliverySummary => ({
  sent: a.sent + b.sent, skipped: a.skipped + b.skipped, failed: a.failed + b.failed, givenUp: a.givenUp + b.givenUp,
});

/** Gives each entry back (failEntry), counting the failure when SES refused the email for good; logs those given up. */
async function failed(entries: readonly PendingEntry[], run: string, at: string, how: keyof typeof MAX_SEND_ATTEMPTS, summary: DeliverySummary, error: unknown): Promise<void> {
  const counts = refusedForGood(error);
  await mapLimit(entries, 8, async (entry) => {
    const { attempts, givenUp } = await failEntry(entry, run, at, MAX_SEND_ATTEMPTS[how], counts);
    if (!givenUp) return;
    summary.givenUp += 1;
    logger.error('notification email given up after its last attempt; the entry stays in the feed', { how, attempts, eventId: entry.eventId, userId: entry.userId });
  });
}

const asEvent = (entry: PendingEntry, category: NotificationCategory): DigestEvent => ({
  id: entry.eventId, category, nodeId: entry.nodeId, title: entry.title, occurredAt: entry.occurredAt,
  ...(entry.summary ? { summary: entry.summary } : {}), ...(entry.link ? { link: entry.link } : {}),
});

const nodeName = (tree: OrgTree) => (id: string) => tree.nodes.get(id)?.name ?? 'your school';

/** What one email is decided on, read right after its entries were claimed (stateAtSend). */
interface SendState {
  trust: Trust;
  context: TrustContext;
  account: Account;
  person: CompiledPerson;
  preferences: Addressee['preferences'];
}

/**
 * The trust and the recipient as they are at the send, read after the claim
 * and before the decision, so a change committed while the run was under way
 * (a block, a deactivation or lock, a 2FA reset, a role removed, narrowed or
 * expired, a node moved, a policy turned on, the category turned off) decides
 * this email (review J, J1 and J5): the trust's META item (one GetItem), its
 * tree and roles (loadTrustContext: read again only when the trust's version
 * moved, from this container's cache otherwise) and the person's partition
 * with their preferences (one Query). Undefined when either is gone.
 */
async function stateAtSend(trustId: string, userId: string): Promise<SendState | undefined> {
  const [current, addressee] = await Promise.all([loadTrustNow(trustId), loadAddressee(trustId, userId)]);
  if (!current || !addressee) return undefined;
  const { trust, context } = current;
  const { account, person } = addressee.record;
  return { trust, context, account, person: compilePerson(person, context.roles, context.tree), preferences: addressee.preferences };
}

/**
 * Whether an entry may still be emailed to its person, on the state at the
 * send (stateAtSend): the recipient decision of its arrival (mayHear) asked
 * again, so a block on the pupil, a role lost, a deactivation or a 2FA reset
 * since the event arrived stops the email, and so does the person's choice
 * of `off` for its category since (the entry is marked skipped; it stays in
 * the feed).
 */
function stillHears(entry: PendingEntry, category: NotificationCategory | undefined, state: SendState | undefined, now: Date): category is NotificationCategory {
  if (!category || !state) return false;
  const { trust, context } = state;
  if (deliveryFor(category, state.preferences, trust.policies.notificationDefaults) === 'off') return false;
  const event = { category, nodeId: entry.nodeId, ...(entry.subjectId === undefined ? {} : { subjectId: entry.subjectId }) };
  return mayHear({ event, tree: context.tree, roles: context.roles, policies: trust.policies, person: state.person, now: decidedAt(now) });
}

/**
 * Emails every entry of a trust that waits to go out at once (or one
 * event's, for the queue's message, read by key: pendingImmediateOfEvent):
 * each entry is claimed first, so a retry or a second worker never sends it
 * twice, and given back when SES fails, so the next run sends it, until its
 * MAX_SEND_ATTEMPTS.immediate-th failure gives it up. An entry its person
 * may no longer hear of (stillHears, on the state read after its claim:
 * stateAtSend) is marked skipped, never emailed.
 */
export async function deliverImmediate(trustId: string, now: Date, eventKeyHash?: string): Promise<DeliverySummary> {
  const summary = noDeliveries();
  const entries = eventKeyHash ? await pendingImmediateOfEvent(trustId, eventKeyHash) : await pendingImmediate(trustId);
  if (entries.length === 0) return summary;
  const run = newId();
  const at = now.toISOString();
  const stale = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  await mapLimit(entries, 8, async (entry) => {
    const category = categoryByCode.get(entry.category);
    if (!(await claimEntry(entry, run, at, stale, MAX_SEND_ATTEMPTS.immediate))) {
      if ((entry.attempts ?? 0) >= MAX_SEND_ATTEMPTS.immediate && (await giveUpEntry(entry, at))) summary.givenUp += 1;
      return;
    }
    // Decided on the trust and the person as they are now, after the claim (review J, J1): not on a copy from the run's start.
    const state = await stateAtSend(trustId, entry.userId);
    if (!stillHears(entry, category, state, now)) {
      await finishEntry(entry, 'skipped', at);
      summary.skipped += 1;
      return;
    }
    const { trust, context, account } = state!;
    const { links, headers } = await emailLinks(trustId, account.id, category.code);
    try {
      await sendMail(account.email, eventEmail({ trustName: trust.name, schoolName: nodeName(context.tree)(entry.nodeId), event: asEvent(entry, category), links }), { headers });
    } catch (error) {
      logger.error('notification email failed; it goes out on the next run', { error, eventId: entry.eventId, userId: entry.userId, attempts: (entry.attempts ?? 0) + 1 });
      summary.failed += 1;
      await failed([entry], run, at, 'immediate', summary, error);
      return;
    }
    await finishEntry(entry, 'immediate', at);
    summary.sent += 1;
  });
  return summary;
}

/**
 * Sends each person whose digest is due one email with every due entry, by
 * school and category, bounded (DIGEST_LIMITS): what it only counts is marked
 * sent with the rest, as the feed holds it, so a backlog never outgrows the
 * email. Entries are claimed one by one before the email goes,
 * so a job that runs twice or overlaps never puts an entry in two emails, and
 * a person with nothing due gets nothing. Each entry is checked again
 * (stillHears, on the state read after the person's claims: stateAtSend):
 * one its person may no longer hear of is marked skipped and left out of
 * the email.
 */
export async function deliverDigests(trustId: string, now: Date): Promise<DeliverySummary> {
  const summary = noDeliveries();
  const at = now.toISOString();
  const entries = await pendingDigests(trustId, at);
  if (entries.length === 0) return summary;
  const byUser = new Map<string, PendingEntry[]>();
  for (const entry of entries) byUser.set(entry.userId, [...(byUser.get(entry.userId) ?? []), entry]);
  const run = newId();
  const stale = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  await mapLimit([...byUser], 8, async ([userId, mine]) => {
    const claimed = (
      await mapLimit(mine, 8, async (entry) => {
        if (await claimEntry(entry, run, at, stale, MAX_SEND_ATTEMPTS.digest)) return entry;
        // One a run left at its last attempt without giving it up (it died in between).
        if ((entry.attempts ?? 0) >= MAX_SEND_ATTEMPTS.digest && (await giveUpEntry(entry, at))) summary.givenUp += 1;
        return undefined;
      })
    ).filter((e): e is PendingEntry => e !== undefined);
    if (claimed.length === 0) return;
    // Decided on the trust and the person as they are now, after their claims (review J, J1): not on a copy from the run's start.
    const state = await stateAtSend(trustId, userId);
    const allowed = claimed.filter((entry) => stillHears(entry, categoryByCode.get(entry.category), state, now));
    const refused = claimed.filter((entry) => !allowed.includes(entry));
    await mapLimit(refused, 8, (entry) => finishEntry(entry, 'skipped', at));
    summary.skipped += refused.length;
    if (allowed.length === 0 || !state) return;
    const { trust, context, account } = state;
    const events = allowed.map((entry) => asEvent(entry, categoryByCode.get(entry.category)!));
    const { links, headers } = await emailLinks(trustId, userId, 'digest');
    const sections = groupDigest(events, nodeName(context.tree), [...categoryByCode.values()]);
    const email = digestEmail({ trustName: trust.name, firstName: account.firstName, sections, links });
    try {
      await sendMail(account.email, email, { headers });
    } catch (error) {
      logger.error('digest email failed; it goes out on the next run', { error, userId, entries: allowed.length });
      summary.failed += 1;
      await failed(allowed, run, at, 'digest', summary, error);
      return;
    }
    if (email.counted > 0) logger.info('digest bounded', { userId, listed: email.listed, counted: email.counted });
    await mapLimit(allowed, 8, (entry) => finishEntry(entry, 'digest', at));
    summary.sent += 1;
  });
  return summary;
}
