import * as z from '../shared/zod';
import type { ZodType } from './types';

/** Response helpers of the route table. */
export const sentSchema = z.object({ status: z.literal('sent') });
export const ok = (schema: ZodType, description = 'OK') => ({ description, schema });
/** The link pages answer HTML whatever happens, so a person always sees a page. */
export const html = (description: string) => ({ description, contentType: 'text/html', schema: z.string() });
export const linkPageOutcomes = {
  400: html('invalid_token or weak_password, as a page'), 409: html('The account is not in a state the link applies to'),
  410: html('The link expired or was used'), 429: html('throttled'), 500: html('Something went wrong, as a page'),
  503: html('timeout: it took too long, as a page'),
};

