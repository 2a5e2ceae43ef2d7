import * as z from '../shared/zod';

/** The unsubscribe link's query (the page and the one-click post read it with this schema; /openapi.json documents the same one). */
export const unsubscribeQuerySchema = z.object({ token: z.optional(z.string().check(z.maxLength(1000))) });
