import { TOTP_CHALLENGE } from '../../domain/identity/totp';
import * as z from '../shared/zod';
import { emailSchema } from './auth.schema';

export const totpCodeSchema = z.string().check(z.trim(), z.regex(/^\d{6}$/, 'six digits from your authenticator app'));

export const mfaBodySchema = z.strictObject({
  email: emailSchema,
  /** The `session` the login answer carried with its challenge. */
  session: z.string().check(z.minLength(20), z.maxLength(4096)),
  code: totpCodeSchema,
});

export const challengeSchema = z.object({ challenge: z.literal(TOTP_CHALLENGE), session: z.string() }).register(z.globalRegistry, { id: 'MfaChallenge' });

export const totpSetupSchema = z.object({ secret: z.string(), otpauthUri: z.string() }).register(z.globalRegistry, { id: 'TotpSetup' });
export const totpVerifyBodySchema = z.strictObject({ code: totpCodeSchema });
