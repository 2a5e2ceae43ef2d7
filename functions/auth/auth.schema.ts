import { z } from 'zod';

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'not a valid email address' }))
  .transform((email) => email.toLowerCase());

export const loginBodySchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
});

export const refreshBodySchema = z.strictObject({
  refreshToken: z.string().min(20).max(8192),
});

export const tokensSchema = z
  .object({
    accessToken: z.string(),
    idToken: z.string(),
    refreshToken: z.string().optional(),
    expiresIn: z.number().int(),
  })
  .meta({ id: 'Tokens' });

const linkToken = z.string().trim().min(20).max(200).regex(/^[A-Za-z0-9_-]+$/, 'not a valid link token');
const newPassword = z.string().min(1).max(256);

export const acceptInvitationBodySchema = z.strictObject({ token: linkToken, password: newPassword });
export const passwordResetBodySchema = z.strictObject({ email: emailSchema });
export const confirmPasswordResetBodySchema = z.strictObject({ token: linkToken, password: newPassword });
