import { z } from 'zod';
import { TOTP_CHALLENGE } from '../../domain/identity/totp';
import { emailSchema } from './auth.schema';

export const totpCodeSchema = z.string().trim().regex(/^\d{6}$/, 'six digits from your authenticator app');

export const mfaBodySchema = z.strictObject({
  email: emailSchema,
  /** The `session` the login answer carried with its challenge. */
  session: z.string().min(20).max(4096),
  code: totpCodeSchema,
});

export const challengeSchema = z.object({ challenge: z.literal(TOTP_CHALLENGE), session: z.string() }).meta({ id: 'MfaChallenge' });

export const totpSetupSchema = z.object({ secret: z.string(), otpauthUri: z.string() }).meta({ id: 'TotpSetup' });
export const totpVerifyBodySchema = z.strictObject({ code: totpCodeSchema });
