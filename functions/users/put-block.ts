import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { authorize } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { nowIso } from '../shared/ids';
import { changePerson } from './person-change';
import { requireSchool } from './school';
import { putBlockBodySchema, subjectParamsSchema } from './user.schema';

/** Blocks a person from one pupil's record: every check about that pupil then answers no for them. */
export const handler = httpHandler({ auth: 'user', params: subjectParamsSchema, body: putBlockBodySchema }, async ({ caller, params, body }) => {
  refuseSelfChange(caller, params.id, 'safeguarding blocks');
  requireSchool(caller.context.tree, body.schoolId);
  authorize(caller, 'safeguarding.blocks.manage', body.schoolId);
  const block = { subjectId: params.subjectId, schoolId: body.schoolId, ...(body.reason ? { reason: body.reason } : {}) };
  await changePerson(
    caller,
    params.id,
    ({ person }) => ({
      ops: [{ type: 'putBlock', block, createdAt: nowIso() }],
      audit: [{ action: 'block.set', nodeId: body.schoolId, before: person.blocks.find((b) => b.subjectId === params.subjectId) ?? null, after: block }],
      result: null,
    }),
    ['users.view', 'safeguarding.blocks.manage'],
  );
  return json(200, block);
});
