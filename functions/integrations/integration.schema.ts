import { integrationScopeNames } from '../../domain/integrations/scopes';
import { cursorSchema, idSchema, limitSchema, NOT_BLANK } from '../shared/schemas';
import * as z from '../shared/zod';
import { GRANT_TYPE, SCOPE_FORMAT, SCOPE_MAX_LENGTH } from '../oauth/token-form';

export const scopeSchema = z.enum(integrationScopeNames);

export const createIntegrationBodySchema = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)).register(z.globalRegistry, NOT_BLANK),
  scopes: z.array(scopeSchema).check(
    z.minLength(1),
    z.refine((s) => new Set(s).size === s.length, { message: 'each scope once' }),
  ).register(z.globalRegistry, { uniqueItems: true }),
  nodeId: idSchema,
  /** This client's rate limit: requests per rate window (default INTEGRATION_REQUESTS_PER_WINDOW). */
  requestsPerWindow: z.optional(z.number().check(z.int(), z.gte(1), z.lte(100_000))),
});

export const integrationSchema = z
  .object({
    id: z.string(),
    clientId: z.string(),
    name: z.string(),
    scopes: z.array(scopeSchema),
    nodeId: z.string(),
    status: z.literal('active'),
    requestsPerWindow: z.number(),
    rateWindowSeconds: z.number(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .register(z.globalRegistry, { id: 'Integration' });

export const createdIntegrationSchema = z.extend(integrationSchema, {
  /** Shown in this answer only; never stored by the API, never shown again. */
  clientSecret: z.string(),
  tokenEndpoint: z.string(),
});

export const integrationListSchema = z.object({ items: z.array(integrationSchema), nextCursor: z.nullable(z.string()) });

export const integrationListQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });

/** RFC 6749 §4.4.2: the client-credentials request (form-encoded). */
/** The token form as functions/oauth/token-form.ts checks it (the function answers RFC 6749 errors, so it does not parse with this). */
export const tokenRequestSchema = z.looseObject({
  grant_type: z.literal(GRANT_TYPE),
  scope: z.optional(z.string().check(z.maxLength(SCOPE_MAX_LENGTH), z.regex(SCOPE_FORMAT))),
});

/** RFC 6749 §4.4.3 / §5.1. */
export const tokenResponseSchema = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number() });

/** RFC 6749 §5.2. */
export const oauthErrorSchema = z
  .object({
    error: z.enum(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']),
    error_description: z.optional(z.string()),
  })
  .register(z.globalRegistry, { id: 'OAuthError' });
