import { categoryByCode, type NotificationCategory } from '../../domain/notifications/categories';
import { digestEmail, eventEmail, groupDigest, type DigestEvent } from '../../domain/notifications/digest';
import type { OrgTree } from '../../domain/org/tree';
import { claimEntry, finishEntry, mapLimit, pendingDigests, pendingImmediate, releaseEntry, type PendingEntry } from '../adapters/dynamo/notification-repository';
import { loadAccounts } from '../adapters/dynamo/person-repository';
import { getTrust, loadTree } from '../adapters/dynamo/trust-repository';
import { sendMail } from '../adapters/ses/mailer-v2';
import { logger } from '../http/logger';
import { newId } from '../shared/ids';
import { emailLinks } from './links';

/** A hold on an entry older than this belongs to a sender that died; the entry goes out again. */
const STALE_CLAIM_MS = 15 * 60_000;

export interface DeliverySummary {
  sent: number;
  skipped: number;
  failed: number;
}

const asEvent = (entry: PendingEntry, category: NotificationCategory): DigestEvent => ({
  id: entry.eventId, category, nodeId: entry.nodeId, title: entry.title, occurredAt: entry.occurredAt,
  ...(entry.summary ? { summary: entry.summary } : {}), ...(entry.link ? { link: entry.link } : {}),
});

const nodeName = (tree: OrgTree) => (id: string) => tree.nodes.get(id)?.name ?? 'your school';

/**
 * Emails every entry of a trust that waits to go out at once (or one
 * event's, for the queue's message): each entry is claimed first, so a retry
 * or a second worker never sends it twice, and given back when SES fails, so
 * the next run sends it. An entry for someone no longer active is dropped.
 */
export async function deliverImmediate(trustId: string, now: Date, eventKeyHash?: string): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, skipped: 0, failed: 0 };
  const entries = await pendingImmediate(trustId, eventKeyHash);
  if (entries.length === 0) return summary;
  const trust = await getTrust(trustId);
  if (!trust) return summary;
  const tree = await loadTree(trust);
  const accounts = new Map((await loadAccounts(trustId, [...new Set(entries.map((e) => e.userId))])).map((a) => [a.id, a]));
  const run = newId();
  const at = now.toISOString();
  const stale = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  await mapLimit(entries, 8, async (entry) => {
    const category = categoryByCode.get(entry.category);
    const account = accounts.get(entry.userId);
    if (!(await claimEntry(entry, run, at, stale))) return;
    if (!category || !account || account.status === 'inactive') {
      await finishEntry(entry, 'skipped', at);
      summary.skipped += 1;
      return;
    }
    const { links, headers } = emailLinks(trustId, account.id, category.code);
    try {
      await sendMail(account.email, eventEmail({ trustName: trust.name, schoolName: nodeName(tree)(entry.nodeId), event: asEvent(entry, category), links }), { headers });
    } catch (error) {
      logger.error('notification email failed; it goes out on the next run', { error, eventId: entry.eventId, userId: entry.userId });
      await releaseEntry(entry, run);
      summary.failed += 1;
      return;
    }
    await finishEntry(entry, 'immediate', at);
    summary.sent += 1;
  });
  return summary;
}

/**
 * Sends each person whose digest is due one email with every due entry, by
 * school and category. Entries are claimed one by one before the email goes,
 * so a job that runs twice or overlaps never puts an entry in two emails, and
 * a person with nothing due gets nothing.
 */
export async function deliverDigests(trustId: string, now: Date): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, skipped: 0, failed: 0 };
  const at = now.toISOString();
  const entries = await pendingDigests(trustId, at);
  if (entries.length === 0) return summary;
  const trust = await getTrust(trustId);
  if (!trust) return summary;
  const tree = await loadTree(trust);
  const byUser = new Map<string, PendingEntry[]>();
  for (const entry of entries) byUser.set(entry.userId, [...(byUser.get(entry.userId) ?? []), entry]);
  const accounts = new Map((await loadAccounts(trustId, [...byUser.keys()])).map((a) => [a.id, a]));
  const run = newId();
  const stale = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  await mapLimit([...byUser], 8, async ([userId, mine]) => {
    const claimed = (await mapLimit(mine, 8, async (entry) => ((await claimEntry(entry, run, at, stale)) ? entry : undefined))).filter((e): e is PendingEntry => e !== undefined);
    if (claimed.length === 0) return;
    const account = accounts.get(userId);
    if (!account || account.status === 'inactive') {
      await mapLimit(claimed, 8, (entry) => finishEntry(entry, 'skipped', at));
      summary.skipped += claimed.length;
      return;
    }
    const events = claimed.flatMap((entry) => {
      const category = categoryByCode.get(entry.category);
      return category ? [asEvent(entry, category)] : [];
    });
    const { links, headers } = emailLinks(trustId, userId, 'digest');
    const sections = groupDigest(events, nodeName(tree), [...categoryByCode.values()]);
    try {
      await sendMail(account.email, digestEmail({ trustName: trust.name, firstName: account.firstName, sections, links }), { headers });
    } catch (error) {
      logger.error('digest email failed; it goes out on the next run', { error, userId });
      await mapLimit(claimed, 8, (entry) => releaseEntry(entry, run));
      summary.failed += 1;
      return;
    }
    await mapLimit(claimed, 8, (entry) => finishEntry(entry, 'digest', at));
    summary.sent += 1;
  });
  return summary;
}
