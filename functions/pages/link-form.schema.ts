import * as z from '../shared/zod';

/**
 * The invitation and reset pages (functions/pages/link-page.ts): the link's
 * query and the form post. The functions read them with these schemas and the
 * route table documents the same ones, so /openapi.json says the limits: a
 * longer token or password is a 400 page, never a password set.
 */
export const LINK_TOKEN_MAX = 200;
export const FORM_PASSWORD_MAX = 256;

export const linkFormSchema = z.object({
  token: z._default(z.string().check(z.maxLength(LINK_TOKEN_MAX)), ''),
  password: z._default(z.string().check(z.maxLength(FORM_PASSWORD_MAX)), ''),
  confirm: z._default(z.string().check(z.maxLength(FORM_PASSWORD_MAX)), ''),
});

export const linkQuerySchema = z.object({ token: z.optional(z.string().check(z.maxLength(LINK_TOKEN_MAX))) });
