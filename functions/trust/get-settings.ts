import { trustSettings } from '../../domain/org/trust';
import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { authorize } from '../shared/authorize';

/** The trust's name and policies, for org.manage at the trust root; the version is the ETag a PATCH echoes. */
export const handler = userHandler({}, async ({ caller }) => {
  authorize(caller, 'org.manage', caller.trust.rootNodeId);
  return entity(200, trustSettings(caller.trust));
});
