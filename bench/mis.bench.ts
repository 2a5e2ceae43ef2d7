import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetIds } from '../domain/access/roles';
import { readRoster } from '../domain/mis/oneroster';
import { planMisSync, type MisPerson, type MisSettings } from '../domain/mis/plan';
import type { TreeSeed } from '../domain/org/new-trust';
import { startLocalStack } from '../infra/local/stack';
import { generatedRoster, onerosterBundle } from '../test/fixtures/oneroster';
import type { BenchResult } from './results';

const PORTS = { port: 3971, dynamoPort: 3972, cognitoPort: 3973, sesPort: 3974 };
const PASSWORD = 'Bench-Password-123';
const STAFF = 2_000;
const GUARDIANS = 6_000;
/** People applied on the local stack (each a Cognito user and a transaction, one after another as the worker does). */
const APPLIED = 300;

const settings: MisSettings = { enabled: true, orgSourcedId: 'org-bench', roleMap: { teacher: presetIds.teacher }, parents: true, inviteNew: false, leaverGraceDays: 0, maxLeaverShare: 0.2 };

function time<T>(fn: () => T): [T, number] {
  const started = performance.now();
  const result = fn();
  return [result, (performance.now() - started) / 1000];
}

/**
 * The MIS sync at one school's scale: reading and planning a roster of 2,000
 * staff and 6,000 guardians (the pure half, in process: a first run that
 * creates everyone, and a steady-state night where everyone is known and one
 * in fifty changed name), then the worker's apply on the local stack for
 * 300 people (creates with their Cognito users; a rename of each; an
 * unchanged night), with DynamoDB calls counted per changed person.
 */
export async function benchMis(): Promise<BenchResult[]> {
  const people = generatedRoster(STAFF, { prefix: 'bench', domain: 'bench.example', guardians: GUARDIANS });
  const zip = onerosterBundle({ org: { sourcedId: 'org-bench', name: 'Bench School' }, people });
  const [roster, readSeconds] = time(() => readRoster(zip));
  const now = new Date();
  const none = { takenElsewhere: new Set<string>(), now };
  const [first, firstSeconds] = time(() => planMisSync({ settings, roster, people: [], ...none }));
  if (first.changes.length !== STAFF + GUARDIANS) throw new Error(`first plan: ${first.changes.length} changes`);
  const known: MisPerson[] = roster.users.map((u, i) => ({
    userId: `u${i}`, misId: u.sourcedId, email: u.email!, firstName: i % 50 === 0 ? 'Old' : u.givenName, lastName: u.familyName,
    userType: u.sourcedId.includes('guardian') ? 'parent' : 'staff', status: 'invited', source: 'mis', edited: false, member: true,
    primaryElsewhere: false, placedElsewhere: false,
    misRoleIds: [u.sourcedId.includes('guardian') ? presetIds.parent : people[i]!.role === 'teacher' ? presetIds.teacher : presetIds.staff],
  }));
  const [steady, steadySeconds] = time(() => planMisSync({ settings, roster, people: known, ...none }));
  if (steady.changes.length !== Math.ceil((STAFF + GUARDIANS) / 50)) throw new Error(`steady plan: ${steady.changes.length} changes, ${JSON.stringify(steady.changes[0])}`);

  const stateDir = mkdtempSync(join(tmpdir(), 'trust-access-mis-bench-'));
  const stack = await startLocalStack({ stateDir, ...PORTS, region: 'eu-west-2', tableName: 'trust-access', demoAdminPassword: PASSWORD });
  try {
    const { createTrust } = await import('../functions/trusts/create-trust');
    const { documentClient } = await import('../functions/adapters/dynamo/client');
    const { putMisSettings } = await import('../functions/adapters/dynamo/mis-repository');
    const { createRun, getRun, newRunId, putRosterRef } = await import('../functions/adapters/dynamo/mis-sync-repository');
    const { saveRoster } = await import('../functions/adapters/files/roster-store');
    const { runSync } = await import('../functions/mis/run-worker');
    const { auditRecord } = await import('../domain/audit/audit-record');

    const tree: TreeSeed[] = [{ kind: 'cluster', name: 'C' }, { kind: 'school', name: 'A', parent: 'C' }];
    const plan = await createTrust({ name: 'MIS Bench Trust', adminEmail: `bench-${randomUUID()}@bench.example`, adminFirstName: 'Bench', adminLastName: 'Admin', adminPassword: PASSWORD, tree });
    const trustId = plan.trust.id;
    const school = plan.children.find((n) => n.name === 'A')!.id;
    const at = new Date().toISOString();
    const audit = () => auditRecord({ id: randomUUID(), at: new Date().toISOString(), actorId: plan.admin.id, action: 'bench', targetType: 'node', targetId: school, nodeId: school });
    await putMisSettings(trustId, { ...settings, parents: false, nodeId: school, updatedBy: plan.admin.id, updatedAt: at, version: 1 }, audit());

    const client = documentClient();
    const originalSend = client.send.bind(client);
    let calls = 0;
    client.send = ((command: never, ...rest: never[]) => {
      calls++;
      return originalSend(command, ...rest);
    }) as typeof client.send;

    const staff = people.slice(0, APPLIED);
    const syncOnce = async (list: typeof staff) => {
      const rosterId = randomUUID();
      await saveRoster(trustId, school, rosterId, onerosterBundle({ org: { sourcedId: 'org-bench', name: 'Bench School' }, people: list }));
      await putRosterRef(trustId, school, { rosterId, uploadedBy: plan.admin.id, uploadedAt: at, bytes: 0 }, audit());
      const runId = newRunId();
      await createRun(trustId, {
        id: runId, nodeId: school, status: 'queued', dryRun: false, requestedBy: plan.admin.id, startedAt: at, finishedAt: null, rosterId: null,
        created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0, skippedEdited: 0, errors: [], errorsOmitted: 0,
      });
      calls = 0;
      const started = performance.now();
      await runSync({ trustId, nodeId: school, runId });
      const seconds = (performance.now() - started) / 1000;
      const run = (await getRun(trustId, runId))!;
      if (run.errors.length > 0) throw new Error(`bench run errors: ${JSON.stringify(run.errors.slice(0, 3))}`);
      return { seconds, calls, run };
    };
    const created = await syncOnce(staff);
    const unchanged = await syncOnce(staff);
    const renamed = await syncOnce(staff.map((p) => ({ ...p, familyName: `${p.familyName}-Renamed` })));
    client.send = originalSend;
    if (created.run.created !== APPLIED || renamed.run.updated !== APPLIED || unchanged.run.unchanged !== APPLIED) throw new Error('unexpected run counts');
    return [
      { name: `MIS roster read (${STAFF} staff + ${GUARDIANS} guardians, ${(zip.length / 1024).toFixed(0)} KB zip)`, unit: 's', value: readSeconds },
      { name: `MIS plan, first run: everyone new (${STAFF + GUARDIANS} people; target < 2 s)`, unit: 's', value: firstSeconds },
      { name: `MIS plan, a steady night: everyone known, 1 in 50 renamed (${STAFF + GUARDIANS} people; target < 2 s)`, unit: 's', value: steadySeconds },
      { name: `MIS apply on the local stack: creates with Cognito users (${APPLIED} staff)`, unit: 'people/s', value: APPLIED / created.seconds },
      { name: 'MIS apply: DynamoDB calls per created person (incl. the school load and run records)', unit: 'calls', value: created.calls / APPLIED },
      { name: `MIS apply on the local stack: renames (${APPLIED} staff)`, unit: 'people/s', value: APPLIED / renamed.seconds },
      { name: 'MIS apply: DynamoDB calls per renamed person (incl. loading the school\'s MIS people)', unit: 'calls', value: renamed.calls / APPLIED },
      { name: `MIS run with nothing to change (${APPLIED} staff known)`, unit: 's', value: unchanged.seconds },
    ];
  } finally {
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
