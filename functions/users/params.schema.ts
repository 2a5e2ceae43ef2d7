import { idSchema, subjectIdSchema } from '../shared/schemas';
import * as z from '../shared/zod';

/**
 * Path parameters of the /users/{id}/… routes. Apart from the bodies in
 * user.schema.ts so that a route without a body (most of them) neither
 * bundles nor builds the others' schemas.
 */
export const userParamsSchema = z.object({ id: idSchema });
export const membershipParamsSchema = z.object({ id: idSchema, nodeId: idSchema });
export const assignmentParamsSchema = z.object({ id: idSchema, assignmentId: idSchema });
export const subjectParamsSchema = z.object({ id: idSchema, subjectId: subjectIdSchema });
