import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../functions/adapters/dynamo/client';
import { keys } from '../../functions/adapters/dynamo/keys';
import { loadPerson } from '../../functions/adapters/dynamo/person-repository';
import { PersonWriteConflictError, writePersonChange } from '../../functions/adapters/dynamo/person-writes';
import { createUser } from '../fixtures/people';
import { makeTrust } from '../fixtures/trust';

/**
 * Blocks and child links are keyed by pupil alone: a write lands only over
 * the item the plan read, even when the person's version did not move (an
 * item written by a path that does not bump it). The refusal is
 * `person_changed`, which changePerson plans again on.
 */
describe('block and link writes on DynamoDB Local', () => {
  it('refuses to overwrite or delete a block or link that is no longer the one read', async () => {
    const t = await makeTrust();
    const north = t.nodes['North School']!.id;
    const south = t.nodes['South School']!.id;
    const created = await createUser(t.token, { userType: 'parent', memberships: [{ nodeId: north }] });
    const read = (await loadPerson(t.trustId, created.id))!;
    const now = new Date().toISOString();
    // Another school's items appear behind the plan's back, the version untouched.
    const sneak = (key: { pk: string; sk: string }, entity: string, reason?: string) =>
      documentClient().send(new PutCommand({ TableName: tableName(), Item: { ...key, entity, trustId: t.trustId, userId: created.id, subjectId: 'pupil-1', schoolId: south, ...(reason ? { reason } : {}) } }));
    await sneak(keys.block(t.trustId, created.id, 'pupil-1'), 'block', 'south reason');
    await sneak(keys.childLink(t.trustId, created.id, 'pupil-1'), 'child-link');

    const refused = async (op: Parameters<typeof writePersonChange>[1][number]) => {
      const error = await writePersonChange(read, [op], [], now).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(PersonWriteConflictError);
      expect((error as PersonWriteConflictError).reason).toBe('person_changed');
    };
    await refused({ type: 'putBlock', block: { subjectId: 'pupil-1', schoolId: north }, createdAt: now, replaces: null });
    await refused({ type: 'putBlock', block: { subjectId: 'pupil-1', schoolId: north }, createdAt: now, replaces: { subjectId: 'pupil-1', schoolId: north } });
    await refused({ type: 'deleteBlock', subjectId: 'pupil-1', schoolId: north });
    await refused({ type: 'putChild', link: { subjectId: 'pupil-1', schoolId: north }, createdAt: now, replaces: null });
    await refused({ type: 'deleteChild', subjectId: 'pupil-1', schoolId: north });

    const after = (await loadPerson(t.trustId, created.id))!;
    expect(after.person.blocks).toEqual([{ subjectId: 'pupil-1', schoolId: south, reason: 'south reason' }]);
    expect(after.person.children).toEqual([{ subjectId: 'pupil-1', schoolId: south }]);

    // Over the item as it is, the write lands.
    await writePersonChange(after, [{ type: 'putBlock', block: { subjectId: 'pupil-1', schoolId: south, reason: 'updated' }, createdAt: now, replaces: after.person.blocks[0]! }], [], now);
    expect((await loadPerson(t.trustId, created.id))!.person.blocks).toEqual([{ subjectId: 'pupil-1', schoolId: south, reason: 'updated' }]);
  });
});
