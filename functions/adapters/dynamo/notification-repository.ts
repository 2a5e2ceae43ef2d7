import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EventContent } from '../../../domain/notifications/categories';
import type { StoredPreferences } from '../../../domain/notifications/preferences';
import type { Candidate, Recipient } from '../../../domain/notifications/recipients';
import { VersionConflictError } from '../../../domain/errors';
import { documentClient, queryAll, tableName } from './client';
import { decodeCursor, encodeCursor, TIME_AND_ID_KEY } from './cursor';
import { isConditionFailure, rethrowStoreError } from './errors';
import { ASSIGNMENT_PREFIX, keys } from './keys';
import { toPersonRecord, type PersonRecord } from './person-repository';

// A person's notification preferences
export async function getPreferences(trustId: string, userId: string): Promise<StoredPreferences | undefined> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.notificationPreferences(trustId, userId), ConsistentRead: true }));
    if (!Item) return undefined;
    return { categories: (Item.categories ?? {}) as StoredPreferences['categories'], ...(Item.digestHour === undefined ? {} : { digestHour: Item.digestHour as number }), version: Item.version as number };
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** The person's choices, on the condition that they are still at the version the client saw (0: none stored yet). */
export async function putPreferences(trustId: string, userId: string, next: Omit<StoredPreferences, 'version'>, expectedVersion: number, now: string): Promise<StoredPreferences> {
  const stored: StoredPreferences = { ...next, version: expectedVersion + 1 };
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.notificationPreferences(trustId, userId), entity: 'notification-preferences', trustId, userId, ...stored, updatedAt: now },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
        ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
      }),
    );
    return stored;
  } catch (error) {
    if (isConditionFailure(error)) throw new VersionConflictError();
    return rethrowStoreError(error);
  }
}

/** A notification event as stored: what arrived, who sent it, and who it goes to. */
export interface StoredEvent extends EventContent {
  id: string;
  keyHash: string;
  receivedAt: string;
  sender: { type: 'user' | 'client' | 'service'; id: string };
  recipients: Recipient[];
}

const EVENT_FIELDS = ['id', 'keyHash', 'category', 'nodeId', 'subjectId', 'title', 'summary', 'link', 'occurredAt', 'receivedAt', 'sender', 'recipients'] as const;

function toEvent(item: Record<string, unknown>): StoredEvent {
  return Object.fromEntries(EVENT_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as unknown as StoredEvent;
}

// Candidates for an event's recipients: holders, at these nodes, of these roles (gsi1 `ASSIGN#` of each node), each person with their preferences
export async function loadRecipientCandidates(trustId: string, nodeIds: readonly string[], roleIds: ReadonlySet<string>): Promise<Candidate[]> {
  const assignments = (
    await Promise.all(
      nodeIds.map((nodeId) =>
        queryAll({
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.nodeIndex(trustId, nodeId), ':prefix': ASSIGNMENT_PREFIX },
        }),
      ),
    )
  ).flat();
  const userIds = [...new Set(assignments.filter((a) => roleIds.has(String(a.roleId))).map((a) => String(a.userId)))];
  const candidates = await mapLimit(userIds, 16, async (userId) => {
    const addressee = await loadAddressee(trustId, userId);
    if (!addressee) return undefined;
    const { record, preferences, digestHour } = addressee;
    const candidate: Candidate = { person: record.person, email: record.account.email };
    if (preferences) candidate.preferences = preferences;
    if (digestHour !== undefined) candidate.digestHour = digestHour;
    return candidate;
  });
  return candidates.filter((c): c is NonNullable<typeof c> => c !== undefined);
}

/** A person as a notification decision needs them: their record and their delivery choices, as stored now. */
export interface Addressee {
  record: PersonRecord;
  preferences?: Candidate['preferences'];
  digestHour?: number;
}

// A person's record and notification preferences: one consistent Query of their partition (the preferences item is in it)
export async function loadAddressee(trustId: string, userId: string): Promise<Addressee | undefined> {
  const items = await queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) }, ConsistentRead: true });
  const record = toPersonRecord(items);
  if (!record) return undefined;
  const prefs = items.find((item) => item.sk === keys.notificationPreferences(trustId, userId).sk);
  return {
    record,
    ...(prefs?.categories ? { preferences: prefs.categories as Candidate['preferences'] } : {}),
    ...(typeof prefs?.digestHour === 'number' ? { digestHour: prefs.digestHour } : {}),
  };
}

/**
 * Stores an event once per idempotency key: the event item is written only
 * if no event has that key, and a repeat gets the first one back. Each
 * recipient's entry is then put unless it exists, so a repeat after a crash
 * half-way writes the missing entries and never resets one already emailed.
 */
export async function storeEvent(trustId: string, event: StoredEvent): Promise<{ event: StoredEvent; duplicate: boolean }> {
  const key = keys.notificationEvent(trustId, event.keyHash);
  let stored = event;
  let duplicate = false;
  try {
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: { ...key, entity: 'notification-event', trustId, ...event }, ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (error) {
    if (!isConditionFailure(error)) return rethrowStoreError(error);
    duplicate = true;
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
    stored = toEvent(Item!);
  }
  await mapLimit(stored.recipients, 16, async (recipient) => {
    try {
      await documentClient().send(new PutCommand({ TableName: tableName(), Item: inboxItem(trustId, stored, recipient), ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (!isConditionFailure(error)) rethrowStoreError(error);
    }
  });
  return { event: stored, duplicate };
}

function inboxItem(trustId: string, event: StoredEvent, recipient: Recipient): Record<string, unknown> {
  const key = keys.inboxEntry(trustId, recipient.userId, event.receivedAt, event.id);
  return {
    ...key, entity: 'notification', trustId, userId: recipient.userId, eventId: event.id, eventKeyHash: event.keyHash,
    category: event.category, nodeId: event.nodeId, title: event.title, occurredAt: event.occurredAt, receivedAt: event.receivedAt, delivery: recipient.delivery,
    ...(event.subjectId ? { subjectId: event.subjectId } : {}), ...(event.summary ? { summary: event.summary } : {}), ...(event.link ? { link: event.link } : {}),
    // Digest entries wait in a sparse index until the person's digest takes them.
    ...(recipient.dueAt ? { dueAt: recipient.dueAt, gsi1pk: keys.pendingDigests(trustId), gsi1sk: `${recipient.dueAt}#${recipient.userId}#${event.id}` } : {}),
    // Immediate entries wait in another until they are emailed: the queue's worker and the sweep both read it.
    ...(recipient.delivery === 'immediate' ? { gsi2pk: keys.pendingImmediate(trustId), gsi2sk: `${event.receivedAt}#${recipient.userId}#${event.id}` } : {}),
  };
}

export interface FeedEntry {
  id: string;
  category: string;
  nodeId: string;
  subjectId?: string;
  title: string;
  summary?: string;
  link?: string;
  occurredAt: string;
  delivery: 'immediate' | 'digest';
  emailedAt?: string;
}

// A person's notifications, newest first, one page
export async function listFeed(trustId: string, userId: string, limit: number, cursor: string | undefined): Promise<{ items: FeedEntry[]; nextCursor: string | null }> {
  const after = decodeCursor(cursor, ['sk'], { sk: TIME_AND_ID_KEY });
  try {
    const page = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.inboxPartition(trustId, userId) },
        ScanIndexForward: false,
        Limit: limit,
        ...(after ? { ExclusiveStartKey: { pk: keys.inboxPartition(trustId, userId), sk: after.sk } } : {}),
      }),
    );
    const items = (page.Items ?? []).map((item) => {
      const fields = ['category', 'nodeId', 'subjectId', 'title', 'summary', 'link', 'occurredAt', 'delivery', 'emailedAt'] as const;
      return { id: String(item.eventId), ...Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) } as FeedEntry;
    });
    return { items, nextCursor: encodeCursor(page.LastEvaluatedKey, ['sk']) };
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** An entry waiting to be emailed, at once or in a digest. */
export interface PendingEntry extends EventContent {
  key: { pk: string; sk: string };
  userId: string;
  eventId: string;
  eventKeyHash: string;
  receivedAt: string;
  /** Emails of this entry that failed so far (failEntry). */
  attempts?: number;
}

function toPending(item: Record<string, unknown>): PendingEntry {
  const fields = ['userId', 'eventId', 'eventKeyHash', 'category', 'nodeId', 'subjectId', 'title', 'summary', 'link', 'occurredAt', 'receivedAt', 'attempts'] as const;
  return { key: { pk: String(item.pk), sk: String(item.sk) }, ...Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) } as PendingEntry;
}

// Entries to email at once, not yet emailed (gsi2, sparse): the sweep's read of a trust
export async function pendingImmediate(trustId: string): Promise<PendingEntry[]> {
  const items = await queryAll({ IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': keys.pendingImmediate(trustId) } });
  return items.map(toPending);
}

/**
 * One event's entries to email at once, not yet emailed (the queue's
 * message): the event item names its recipients, so each entry is read by
 * its key (GetItem, then BatchGetItem by 100, consistent). The cost follows
 * the event's recipients, never the trust's other waiting entries.
 */
export async function pendingImmediateOfEvent(trustId: string, eventKeyHash: string): Promise<PendingEntry[]> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.notificationEvent(trustId, eventKeyHash), ConsistentRead: true }));
    if (!Item) return [];
    const event = toEvent(Item);
    const entryKeys = event.recipients.filter((r) => r.delivery === 'immediate').map((r) => keys.inboxEntry(trustId, r.userId, event.receivedAt, event.id));
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < entryKeys.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = { [tableName()]: { Keys: entryKeys.slice(i, i + 100).map((key) => ({ ...key })), ConsistentRead: true } };
      while (request && Object.keys(request).length > 0) {
        const result = await documentClient().send(new BatchGetCommand({ RequestItems: request }));
        items.push(...(result.Responses?.[tableName()] ?? []));
        request = result.UnprocessedKeys as typeof request;
      }
    }
    // Still waiting: in the pending index (an emailed, skipped or given-up entry has left it).
    return items.filter((item) => item.gsi2pk !== undefined).map(toPending);
  } catch (error) {
    return rethrowStoreError(error);
  }
}

// Digest entries due by `now` (gsi1, sparse, sorted by when each is due)
export async function pendingDigests(trustId: string, now: string): Promise<PendingEntry[]> {
  const items = await queryAll({
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :due',
    ExpressionAttributeValues: { ':pk': keys.pendingDigests(trustId), ':due': `${now}#\uffff` },
  });
  return items.map(toPending);
}

/**
 * Takes an entry for one sender run: only if it was not sent, and nobody
 * holds it or their hold is older than `staleBefore` (a worker that died).
 * So a retried or overlapping run never emails an entry twice.
 */
export async function claimEntry(entry: PendingEntry, run: string, now: string, staleBefore: string, maxAttempts?: number): Promise<boolean> {
  // An entry whose last attempt failed is being given up (failEntry): nobody takes it meanwhile.
  const attemptsLeft = maxAttempts === undefined ? '' : ' AND (attribute_not_exists(attempts) OR attempts < :max)';
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: entry.key,
        UpdateExpression: 'SET claimedBy = :run, claimedAt = :now',
        ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(sentAt) AND (attribute_not_exists(claimedBy) OR claimedAt < :stale)${attemptsLeft}`,
        ExpressionAttributeValues: { ':run': run, ':now': now, ':stale': staleBefore, ...(maxAttempts === undefined ? {} : { ':max': maxAttempts }) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}

/** Gives an entry back after the email failed, so the next run sends it. */
export async function releaseEntry(entry: PendingEntry, run: string): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({ TableName: tableName(), Key: entry.key, UpdateExpression: 'REMOVE claimedBy, claimedAt', ConditionExpression: 'claimedBy = :run', ExpressionAttributeValues: { ':run': run } }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) rethrowStoreError(error);
  }
}

/** The entry was emailed (or will never be: `skipped`); it leaves its pending index. */
export async function finishEntry(entry: PendingEntry, how: 'immediate' | 'digest' | 'skipped', now: string): Promise<void> {
  const attribute = how === 'immediate' ? 'emailedAt' : how === 'digest' ? 'digestedAt' : 'skippedAt';
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: entry.key,
        UpdateExpression: `SET sentAt = :now, ${attribute} = :now REMOVE claimedBy, claimedAt, gsi1pk, gsi1sk, gsi2pk, gsi2sk`,
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  } catch (error) {
    rethrowStoreError(error);
  }
}

/**
 * Its email failed: the entry is given back with the attempt counted, so the
 * next run tries again; at the `maxAttempts`th failure it is given up
 * instead (`failedAt`, out of its pending index, never tried again; the feed
 * still shows it). Only the run holding the claim counts, so a failure is
 * counted once, and a claim (given the same maximum) never takes an entry
 * between its last failure and its giving up.
 */
export async function failEntry(entry: PendingEntry, run: string, now: string, maxAttempts: number, counts = true): Promise<{ attempts: number; givenUp: boolean }> {
  let attempts: number;
  try {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(), Key: entry.key,
        // A failure that is not this email's (an SES outage, throttling) gives the entry back uncounted.
        UpdateExpression: counts ? 'SET lastFailedAt = :now ADD attempts :one REMOVE claimedBy, claimedAt' : 'SET lastFailedAt = :now REMOVE claimedBy, claimedAt',
        ConditionExpression: 'claimedBy = :run',
        ExpressionAttributeValues: { ':run': run, ':now': now, ...(counts ? { ':one': 1 } : {}) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    attempts = Number(Attributes?.attempts ?? (counts ? 1 : 0));
  } catch (error) {
    if (isConditionFailure(error)) return { attempts: entry.attempts ?? 0, givenUp: false };
    return rethrowStoreError(error);
  }
  if (attempts < maxAttempts) return { attempts, givenUp: false };
  return { attempts, givenUp: await giveUpEntry(entry, now) };
}

/**
 * Gives an entry up for good (its last attempt failed): `failedAt`, out of
 * its pending index. Also for one a run left at its maximum without this
 * (it died in between): no claim takes such an entry.
 */
export async function giveUpEntry(entry: PendingEntry, now: string): Promise<boolean> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(), Key: entry.key,
        UpdateExpression: 'SET sentAt = :now, failedAt = :now REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
        // Unless another run took it meanwhile (it counts its own failure, or sends it).
        ConditionExpression: 'attribute_not_exists(sentAt) AND attribute_not_exists(claimedBy)',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
