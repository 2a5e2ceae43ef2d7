/**
 * The directory backfill (issue 9): profiles written before the directory
 * existed have no summary and no gsi3 keys, so the directory cannot see
 * them. This recomputes every person's summary from their partition (the
 * same pure function the writes use) and stores it with the gsi3 keys, on
 * the condition that the person's version is still the one read (a person
 * changed meanwhile is read again; the new write paths keep them right from
 * then on). A profile whose stored summary already matches is not written, so
 * running it again changes nothing.
 */
import { ScanCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { directorySummary, type Holdings } from '../../domain/directory/summary';
import type { Assignment, Membership } from '../../domain/access/resolve';
import { documentClient, tableName } from '../../functions/adapters/dynamo/client';
import { isConditionFailure } from '../../functions/adapters/dynamo/errors';
import { ASSIGNMENT_PREFIX, keys, MEMBER_PREFIX } from '../../functions/adapters/dynamo/keys';

export interface BackfillResult {
  profiles: number;
  written: number;
  unchanged: number;
  retried: number;
  seconds: number;
}

const FIELDS = ['pk', 'sk', 'trustId', 'nodeId', 'primary', 'isManager', 'jobTitle', 'id', 'roleId', 'validFrom', 'validUntil', 'version', 'directory', 'gsi3pk'];
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

function holdingsOf(items: Record<string, unknown>[]): Holdings {
  const memberships: Membership[] = [];
  const assignments: Assignment[] = [];
  for (const item of items) {
    const sk = String(item.sk);
    if (sk.startsWith(MEMBER_PREFIX)) {
      memberships.push({ nodeId: String(item.nodeId), primary: item.primary === true, isManager: item.isManager === true, ...(item.jobTitle ? { jobTitle: String(item.jobTitle) } : {}) });
    } else if (sk.startsWith(ASSIGNMENT_PREFIX)) {
      assignments.push({ id: String(item.id), roleId: String(item.roleId), nodeId: String(item.nodeId), ...(item.validUntil ? { validUntil: String(item.validUntil) } : {}) });
    }
  }
  return { memberships, assignments };
}

/** Every item of every person partition, grouped by partition (one parallel Scan of the table). */
async function scanPeople(segments: number): Promise<Map<string, Record<string, unknown>[]>> {
  const partitions = new Map<string, Record<string, unknown>[]>();
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documentClient().send(
          new ScanCommand({
            TableName: tableName(), Segment: segment, TotalSegments: segments, ExclusiveStartKey: start,
            FilterExpression: 'contains(#f0, :user)', ProjectionExpression: projection, ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':user': '#USER#' },
          }),
        );
        for (const item of page.Items ?? []) {
          const pk = String(item.pk);
          let list = partitions.get(pk);
          if (!list) partitions.set(pk, (list = []));
          list.push(item);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  return partitions;
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

/** Writes one person's summary if it differs; 'changed' when the version moved under it (read again and retry). */
async function backfillOne(items: Record<string, unknown>[]): Promise<'written' | 'unchanged' | 'changed' | 'gone'> {
  const profile = items.find((item) => item.sk === 'PROFILE');
  if (!profile || typeof profile.trustId !== 'string') return 'gone';
  const directory = directorySummary(holdingsOf(items));
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
  const partitions = await scanPeople(segments);
  log(`directory backfill: ${partitions.size} person partitions read in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const result: BackfillResult = { profiles: 0, written: 0, unchanged: 0, retried: 0, seconds: 0 };
  const queue = [...partitions.entries()];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queue.length) {
        const [pk, scanned] = queue[next++]!;
        let items = scanned;
        for (let attempt = 1; ; attempt++) {
          const outcome = await backfillOne(items);
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
  log(`directory backfill: ${result.written} written, ${result.unchanged} already right, ${result.retried} read again, in ${result.seconds.toFixed(1)} s`);
  return result;
}
