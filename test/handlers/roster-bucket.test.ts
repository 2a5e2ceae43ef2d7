import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { getRosterRef, getRun, listRuns } from '../../functions/adapters/dynamo/mis-sync-repository';
import { recordApiUpload } from '../../functions/adapters/dynamo/roster-uploads';
import { loadRoster, saveRoster } from '../../functions/adapters/files/roster-store';
import { handler as rosterDropped, MAX_DROPPED_ROSTER_BYTES } from '../../functions/mis/roster-dropped';
import { handler as runWorker } from '../../functions/mis/run-worker';
import { s3ObjectCreated, saveMisSettings, sqsRecord } from '../fixtures/mis';
import { generatedRoster, onerosterBundle } from '../fixtures/oneroster';
import { makeTrust, type TestTrust } from '../fixtures/trust';

/**
 * The roster bucket's code path as it runs in AWS: the roster store on S3
 * (ROSTER_BUCKET, no local folder) and the queues on SQS, both under
 * aws-sdk-client-mock; DynamoDB and Cognito are the local stack's. S3's event
 * for a dropped zip goes through the mis-rosters handler, the message it
 * sends through the run worker, which reads the zip with GetObject.
 */
vi.hoisted(() => {
  process.env.ROSTER_BUCKET = 'trust-access-test-mis-rosters';
  process.env.MIS_RUN_QUEUE_URL = 'https://sqs.eu-west-2.amazonaws.com/123456789012/mis-runs';
  delete process.env.MIS_ROSTER_DIR;
});

const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
afterAll(() => {
  s3.restore();
  sqs.restore();
});
beforeEach(() => {
  s3.reset();
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
});

const BUCKET = 'trust-access-test-mis-rosters';
const context = { getRemainingTimeInMillis: () => 900_000 } as Context;
const sent = () => sqs.commandCalls(SendMessageCommand).map((c) => ({ url: c.args[0].input.QueueUrl, body: JSON.parse(c.args[0].input.MessageBody!) }));
const objectBody = (zip: Uint8Array) => ({ Body: { transformToByteArray: async () => zip } as never });

let trust: TestTrust;
let school: string;

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  await saveMisSettings(trust.trustId, school, trust.adminId, { orgSourcedId: 'org-s3' });
});

describe('roster store on S3', () => {
  it('puts and gets rosters at mis/<trust>/<school>/<roster>.zip in ROSTER_BUCKET; a missing one (404, or 403 without ListBucket) is none', async () => {
    s3.on(PutObjectCommand).resolves({});
    await saveRoster('t1', 'n1', 'r1', new Uint8Array([0x50, 0x4b, 3, 4]));
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: BUCKET, Key: 'mis/t1/n1/r1.zip', ContentType: 'application/zip' });
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: 'mis/t1/n1/r1.zip' }).resolves(objectBody(new Uint8Array([1, 2, 3])));
    expect(await loadRoster('t1', 'n1', 'r1')).toEqual(new Uint8Array([1, 2, 3]));
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: 'mis/t1/n1/gone.zip' }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    expect(await loadRoster('t1', 'n1', 'gone')).toBeUndefined();
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: 'mis/t1/n1/broken.zip' }).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    await expect(loadRoster('t1', 'n1', 'broken')).rejects.toThrow('slow down');
  });
});

describe('a zip dropped in the roster bucket', () => {
  it('queues one run of the school on mis-runs, whatever the number of deliveries, and the worker applies the dropped roster read from S3', async () => {
    const people = generatedRoster(3, { prefix: 's3drop', domain: 'mis.test.example' });
    const zip = onerosterBundle({ org: { sourcedId: 'org-s3', name: 'North School' }, people });
    const key = `mis/${trust.trustId}/${school}/nightly-export.zip`;
    const event = s3ObjectCreated(key, { size: zip.length, sequencer: '0055AED6DCD90281E5' });
    expect(await rosterDropped(event)).toEqual({ batchItemFailures: [] });
    const [first, ...none] = sent();
    expect(none).toEqual([]);
    expect(first!.url).toBe(process.env.MIS_RUN_QUEUE_URL);
    expect(first!.body).toEqual({ trustId: trust.trustId, nodeId: school, runId: expect.any(String) });
    expect(await getRun(trust.trustId, first!.body.runId)).toMatchObject({ status: 'queued', rosterId: 'nightly-export', requestedBy: trust.adminId, dryRun: false });
    expect(await getRosterRef(trust.trustId, school)).toMatchObject({ rosterId: 'nightly-export', uploadedBy: 'roster-bucket', bytes: zip.length });

    // The same event again (at-least-once): the same run id is sent again, no second run is made.
    sqs.resetHistory();
    await rosterDropped(event);
    expect(sent().map((m) => m.body.runId)).toEqual([first!.body.runId]);
    expect((await listRuns(trust.trustId, school, { limit: 50 })).items.filter((r) => r.rosterId === 'nightly-export')).toHaveLength(1);

    // The worker reads the object it names and applies it; the message sent twice runs once.
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).resolves(objectBody(zip));
    await runWorker({ Records: [sqsRecord(JSON.stringify(first!.body))] }, context);
    await runWorker({ Records: [sqsRecord(JSON.stringify(first!.body))] }, context);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(await getRun(trust.trustId, first!.body.runId)).toMatchObject({ status: 'done', rosterId: 'nightly-export', created: 3, errors: [] });

    // An older write of the same key arriving after the newer one: nothing.
    sqs.resetHistory();
    await rosterDropped(s3ObjectCreated(key, { sequencer: '0055AED6DCD90281E4' }));
    expect(sent()).toEqual([]);
  });

  it("queues nothing for the API's own upload, a school without enabled settings, a bad key or an unknown school; fails an oversized drop's run", async () => {
    // The API records its upload before it puts the object, so the object's event finds it.
    await recordApiUpload(trust.trustId, school, { rosterId: 'api-upload-1', source: 'api', uploadedBy: trust.adminId, uploadedAt: new Date().toISOString(), bytes: 10 });
    await rosterDropped(s3ObjectCreated(`mis/${trust.trustId}/${school}/api-upload-1.zip`));
    const south = trust.nodes['South School']!.id;
    await rosterDropped(s3ObjectCreated(`mis/${trust.trustId}/${south}/no-settings.zip`));
    await rosterDropped(s3ObjectCreated(`mis/${trust.trustId}/${school}/roster export.zip`));
    await rosterDropped(s3ObjectCreated(`mis/${trust.trustId}/${trust.nodes.North!.id}/a-cluster.zip`));
    await rosterDropped(s3ObjectCreated(`mis/${trust.trustId}/no-such-node/x.zip`));
    expect(await rosterDropped({ Records: [sqsRecord(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET }))] })).toEqual({ batchItemFailures: [] });
    expect(sent()).toEqual([]);
    // The school without settings keeps the dropped roster as its latest, with no run.
    expect(await getRosterRef(trust.trustId, south)).toMatchObject({ rosterId: 'no-settings' });
    expect((await listRuns(trust.trustId, south, { limit: 50 })).items).toEqual([]);

    await rosterDropped(s3ObjectCreated(`mis/${trust.trustId}/${school}/huge.zip`, { size: MAX_DROPPED_ROSTER_BYTES + 1 }));
    expect(sent()).toEqual([]);
    const [huge] = (await listRuns(trust.trustId, school, { limit: 50 })).items.filter((r) => r.rosterId === 'huge');
    expect(huge).toMatchObject({ status: 'failed', errors: [expect.objectContaining({ code: 'roster_too_large' })] });
  });

  it('fails the run, not the queue, when the dropped object is gone by the time the worker reads it', async () => {
    const key = `mis/${trust.trustId}/${school}/expired.zip`;
    await rosterDropped(s3ObjectCreated(key, { sequencer: '0066' }));
    const [message] = sent();
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    expect(await runWorker({ Records: [sqsRecord(JSON.stringify(message!.body))] }, context)).toEqual({ batchItemFailures: [] });
    expect(await getRun(trust.trustId, message!.body.runId)).toMatchObject({ status: 'failed', errors: [expect.objectContaining({ code: 'no_roster' })] });
  });

  it('reports a message back to SQS when recording fails, so it is delivered again', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('SQS is down'));
    const event = s3ObjectCreated(`mis/${trust.trustId}/${school}/retry-me.zip`, { sequencer: '0077' });
    expect((await rosterDropped(event)).batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    // Delivered again: the recorded drop is found and its run is sent this time.
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    expect(await rosterDropped(event)).toEqual({ batchItemFailures: [] });
    const runIds = sent().map((m) => m.body.runId);
    expect(new Set(runIds).size).toBe(1);
    expect((await listRuns(trust.trustId, school, { limit: 50 })).items.filter((r) => r.rosterId === 'retry-me')).toHaveLength(1);
  });
});
