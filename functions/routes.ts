import { coreRoutes } from './route-table/core';
import { featureRoutes } from './route-table/features';
import type { RouteDef } from './route-table/types';

/**
 * The route table: the one source the CDK API, the local gateway and
 * /openapi.json are all built from. `handler` is the module (relative to the
 * project root) whose `handler` export Lambda runs. The entries live by area
 * under route-table/; their order here is the order of /openapi.json.
 */
export type { CognitoCall, HttpMethod, RouteDef, TableWrite } from './route-table/types';
export { DEFAULT_TABLE_WRITES } from './route-table/types';
export { jobs, queues, type JobDef, type QueueDef } from './route-table/jobs';

export const routes: RouteDef[] = [...coreRoutes, ...featureRoutes];
