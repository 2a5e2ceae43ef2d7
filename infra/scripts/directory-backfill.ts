/**
 * The directory backfill (issue 9): profiles written before the directory
 * existed have no summary and no gsi3 keys, so the directory cannot see
 * them. This recomputes every person's summary from their partition (the
 * same pure function the writes use) and stores it with the gsi3 keys, on
 * the condition that the person's version is still the one read (a person
 * changed meanwhile is read again; the new write paths keep them right from
 * then on). A profile whose stored summary already matches is not written, so
 * running it again changes nothing.
 *
 * Summary v3 (issue 13): each role assignment carries who granted it and
 * when (domain/audit/grant.ts), stamped by every write since. An assignment
 * item stored before has none: this fills it once from the assignment's
 * `role.assigned` audit record (`backfilled`), or marks it `missing` when
 * the trail has none, then writes the summary that copies the stamps. The
 * records come from the same parallel Scan as the partitions (no Query per
 * person). A stamp is written only where none is (never over a newer one).
 */
import { ScanCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { directorySummary, type Holdings } from '../../domain/directory/summary';
import { grantIndex, grantKey, readStamp, stampOf, type GrantAudit, type GrantStamp } from '../../domain/audit/grant';
import type { Assignment, Membership } from '../../domain/access/resolve';
import { documentClient, tableName } from '../../functions/adapters/dynamo/client';
import { isConditionFailure } from '../../functions/adapters/dynamo/errors';
import { ASSIGNMENT_PREFIX, keys, MEMBER_PREFIX } from '../../functions/adapters/dynamo/keys';

export interface BackfillResult {
  profiles: number;
  written: number;
  unchanged: number;
  retried: number;
  /** Assignment items given a stamp: from their audit record, or marked missing. */
  backfilled: number;
  missing: number;
  seconds: number;
}

const FIELDS = [
  'pk', 'sk', 'trustId', 'nodeId', 'primary', 'isManager', 'jobTitle', 'id', 'roleId', 'validFrom', 'validUntil', 'version', 'directory', 'gsi3pk',
  'grantRecord', 'grantedBy', 'grantedAt', 'entity', 'action', 'actorId', 'targetId', 'at', 'after',
];
const names = Object.fromEntries(FIELDS.map((field, i) => [`#f${i}`, field]));
const projection = Object.keys(names).join(', ');

/** JSON with sorted keys, so a stored map and a computed object compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function holdingsOf(items: Record<string, unknown>[]): Holdings & { grants: Map<string, GrantStamp> } {
  const memberships: Membership[] = [];
  const assignments: Assignment[] = [];
  const grants = new Map<string, GrantStamp>();
  for (const item of items) {
    const sk = String(item.sk);
    if (sk.startsWith(MEMBER_PREFIX)) {
      memberships.push({ nodeId: String(item.nodeId), primary: item.primary === true, isManager: item.isManager === true, ...(item.jobTitle ? { jobTitle: String(item.jobTitle) } : {}) });
    } else if (sk.startsWith(ASSIGNMENT_PREFIX)) {
      assignments.push({
        id: String(item.id), roleId: String(item.roleId), nodeId: String(item.nodeId),
        ...(item.validFrom ? { validFrom: String(item.validFrom) } : {}), ...(item.validUntil ? { validUntil: String(item.validUntil) } : {}),
      });
      const stamp = readStamp(item);
      if (stamp) grants.set(String(item.id), stamp);
    }
  }
  return { memberships, assignments, grants };
}

interface Scanned {
  partitions: Map<string, Record<string, unknown>[]>;
  /** The `role.assigned` audit records of the table. */
  grantAudits: GrantAudit[];
}

/** Every item of every person partition, grouped by partition, and every `role.assigned` audit record (one parallel Scan of the table). */
async function scanPeople(segments: number): Promise<Scanned> {
  const partitions = new Map<string, Record<string, unknown>[]>();
  const grantAudits: GrantAudit[] = [];
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documentClient().send(
          new ScanCommand({
            TableName: tableName(), Segment: segment, TotalSegments: segments, ExclusiveStartKey: start,
            FilterExpression: 'contains(#f0, :user) OR (#f17 = :audit AND #f18 = :assigned)', ProjectionExpression: projection, ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':user': '#USER#', ':audit': 'audit', ':assigned': 'role.assigned' },
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.entity === 'audit') {
            grantAudits.push({ action: String(item.action), actorId: String(item.actorId), targetId: String(item.targetId), at: String(item.at), after: item.after });
            continue;
          }
          const pk = String(item.pk);
          let list = partitions.get(pk);
          if (!list) partitions.set(pk, (list = []));
          list.push(item);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  return { partitions, grantAudits };
}

async function readPartition(pk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(
      new QueryCommand({
        TableName: tableName(), KeyConditionExpression: '#f0 = :pk', ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: projection, ExpressionAttributeNames: names, ConsistentRead: true, ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Stamps one assignment item that has none (a stamp written meanwhile, or the item deleted, wins: nothing written). */
async function stampAssignment(item: Record<string, unknown>, stamp: GrantStamp): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: `SET grantRecord = :kind${stamp.grantedBy ? ', grantedBy = :by' : ''}${stamp.grantedAt ? ', grantedAt = :at' : ''}`,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(grantRecord)',
        ExpressionAttributeValues: { ':kind': stamp.grantRecord, ...(stamp.grantedBy ? { ':by': stamp.grantedBy } : {}), ...(stamp.grantedAt ? { ':at': stamp.grantedAt } : {}) },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * Stamps the person's unstamped assignments from their audit records, then
 * writes their summary if it differs; 'changed' when the version moved under
 * it (read again and retry: an assignment removed meanwhile bumps it).
 */
async function backfillOne(items: Record<string, unknown>[], audits: ReadonlyMap<string, GrantAudit>, result: BackfillResult): Promise<'written' | 'unchanged' | 'changed' | 'gone'> {
  const profile = items.find((item) => item.sk === 'PROFILE');
  if (!profile || typeof profile.trustId !== 'string') return 'gone';
  const holdings = holdingsOf(items);
  for (const item of items) {
    if (!String(item.sk).startsWith(ASSIGNMENT_PREFIX) || holdings.grants.has(String(item.id))) continue;
    const stamp = stampOf(audits.get(grantKey(String(profile.id), String(item.id))), 'backfilled');
    await stampAssignment(item, stamp);
    holdings.grants.set(String(item.id), stamp);
    result[stamp.grantRecord === 'missing' ? 'missing' : 'backfilled']++;
  }
  const directory = directorySummary(holdings);
  const gsi3pk = keys.directoryIndex(profile.trustId);
  if (profile.gsi3pk === gsi3pk && canonical(profile.directory) === canonical(directory)) return 'unchanged';
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: profile.pk, sk: 'PROFILE' },
        UpdateExpression: 'SET directory = :dir, gsi3pk = :dirpk, gsi3sk = :changed',
        ConditionExpression: 'version = :seen',
        ExpressionAttributeValues: { ':dir': directory, ':dirpk': gsi3pk, ':changed': new Date().toISOString(), ':seen': profile.version },
      }),
    );
    return 'written';
  } catch (error) {
    if (isConditionFailure(error)) return 'changed';
    throw error;
  }
}

export async function backfillDirectory(options: { concurrency?: number; segments?: number; log?: (line: string) => void } = {}): Promise<BackfillResult> {
  const { concurrency = 8, segments = 4, log = () => undefined } = options;
  const started = performance.now();
  const { partitions, grantAudits } = await scanPeople(segments);
  const audits = grantIndex(grantAudits);
  log(`directory backfill: ${partitions.size} person partitions and ${grantAudits.length} role.assigned records read in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const result: BackfillResult = { profiles: 0, written: 0, unchanged: 0, retried: 0, backfilled: 0, missing: 0, seconds: 0 };
  const queue = [...partitions.entries()];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queue.length) {
        const [pk, scanned] = queue[next++]!;
        let items = scanned;
        for (let attempt = 1; ; attempt++) {
          const outcome = await backfillOne(items, audits, result);
          if (outcome === 'gone') break;
          if (outcome !== 'changed') {
            result.profiles++;
            result[outcome]++;
            break;
          }
          if (attempt >= 10) throw new Error(`directory backfill: ${pk} kept changing`);
          result.retried++;
          items = await readPartition(pk);
        }
        if ((result.written + result.unchanged) % 10_000 === 0 && result.written > 0) log(`  ${result.written + result.unchanged} / ${queue.length}`);
      }
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  log(`directory backfill: ${result.written} written, ${result.unchanged} already right, ${result.retried} read again, ${result.backfilled} grants stamped from the trail, ${result.missing} without a record, in ${result.seconds.toFixed(1)} s`);
  return result;
}
