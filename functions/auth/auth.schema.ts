import * as z from '../shared/zod';

/**
 * An email address: trimmed, at most 254 characters, zod's email pattern,
 * then lower-cased. z.toJSONSchema describes a pipe by its first step, so the
 * format and the pattern (zod's own regex) are stated for /openapi.json here.
 */
export const emailSchema = z.pipe(
  z.pipe(z.string().check(z.trim(), z.maxLength(254)), z.email({ error: 'not a valid email address' })),
  z.transform((email: string) => email.toLowerCase()),
).register(z.globalRegistry, { format: 'email', pattern: z.regexes.email.source });

export const loginBodySchema = z.strictObject({
  email: emailSchema,
  password: z.string().check(z.minLength(1), z.maxLength(256)),
});

export const refreshBodySchema = z.strictObject({
  refreshToken: z.string().check(z.minLength(20), z.maxLength(8192)),
});

export const tokensSchema = z
  .object({
    accessToken: z.string(),
    idToken: z.string(),
    refreshToken: z.optional(z.string()),
    expiresIn: z.number().check(z.int()),
  })
  .register(z.globalRegistry, { id: 'Tokens' });

const linkToken = z.string().check(z.trim(), z.minLength(20), z.maxLength(200), z.regex(/^[A-Za-z0-9_-]+$/, 'not a valid link token'));
const newPassword = z.string().check(z.minLength(1), z.maxLength(256));

export const acceptInvitationBodySchema = z.strictObject({ token: linkToken, password: newPassword });
export const passwordResetBodySchema = z.strictObject({ email: emailSchema });
export const confirmPasswordResetBodySchema = z.strictObject({ token: linkToken, password: newPassword });
