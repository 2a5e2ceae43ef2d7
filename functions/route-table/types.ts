import type { IntegrationScope } from '../../domain/integrations/scopes';
import type { QueueName } from '../adapters/sqs/job-queue';
import type * as z from '../shared/zod';

/** What a route-table entry declares (functions/routes.ts composes the table). */
export type ZodType = z.ZodMiniType;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Cognito API calls made with the service's own rights. `Admin*` calls are
 * IAM actions on the user pool; the sign-in calls (InitiateAuth,
 * RespondToAuthChallenge) are not IAM-authorised at all and need the app
 * client's secret instead. Calls made with the person's own access token
 * (TOTP set-up) need neither and are not listed.
 */
export type CognitoCall =
  | 'InitiateAuth' | 'RespondToAuthChallenge'
  | 'AdminCreateUser' | 'AdminGetUser' | 'AdminDeleteUser' | 'AdminSetUserPassword' | 'AdminUpdateUserAttributes'
  | 'AdminDisableUser' | 'AdminEnableUser' | 'AdminUserGlobalSignOut' | 'AdminSetUserMFAPreference'
  | 'CreateUserPoolClient' | 'DeleteUserPoolClient';

/**
 * The table writes a function sends (review H, H-12): its role is granted
 * exactly these besides the reads (`put` is dynamodb:PutItem, `batchWrite`
 * dynamodb:BatchWriteItem, …). A transaction's items are authorised one by
 * one, so a TransactWriteItems carrying a Delete item needs `delete` here.
 * Not the operation names themselves: the route table is bundled (the
 * OpenAPI route, the jobs), and test/infra/bundle-clients.test.ts finds what
 * a bundle sends by those names.
 */
export type TableWrite = 'put' | 'update' | 'delete' | 'batchWrite';

/** What `table: 'write'` grants when the entry names no `tableWrites`. */
export const DEFAULT_TABLE_WRITES: readonly TableWrite[] = ['put', 'update'];

export type CognitoTokenCall = 'AssociateSoftwareToken' | 'VerifySoftwareToken' | 'SetUserMFAPreference';

export interface RouteDef {
  method: HttpMethod;
  path: string;
  handler: string;
  /** `public`: no bearer token (auth, health, docs, pages). `user`: a Cognito access token. */
  auth: 'public' | 'user';
  /**
   * The integration scope (domain/integrations/scopes.ts) whose client tokens
   * this signed-in route accepts besides people's; without it the authorizer
   * refuses every client token (403).
   */
  clientScope?: IntegrationScope;
  summary: string;
  tag: string;
  /** Least-privilege grants for the function. */
  table: 'none' | 'read' | 'write';
  /** With `table: 'write'`: exactly the writes it sends, when not DEFAULT_TABLE_WRITES (test/infra/bundle-clients.test.ts checks them against the bundle). */
  tableWrites?: readonly TableWrite[];
  /** The Cognito calls the function makes; it is granted exactly these (and the client secret only for the sign-in calls). */
  cognito?: readonly CognitoCall[];
  /** Cognito calls made with the caller's own access token: Cognito authorizes them by the token, so no IAM grant (TOTP set-up and removal). */
  cognitoWithToken?: readonly CognitoTokenCall[];
  ses?: boolean;
  /** Signs or checks the unsubscribe links (LINK_SIGNING_KEY). */
  linkKey?: true;
  /** Sets passwords: the common-password list is shipped beside its bundle (functions/adapters/common-passwords.ts). */
  commonPasswords?: true;
  /** The function's timeout when not the default (DEFAULT_TIMEOUT_SECONDS; API Gateway gives up at 30 s). */
  timeoutSeconds?: number;
  /** Queues the function sends to (functions/adapters/sqs/job-queue.ts). */
  queues?: readonly QueueName[];
  /** Writes large exports to the exports bucket and presigns their download (issue 9). */
  exportBucket?: true;
  /** The roster bucket (issue 10): `write` puts objects under mis/, `read` gets them; nothing else (no list, no delete). */
  rosterBucket?: 'write' | 'read';
  /** Emailed report files in the exports bucket (review E, E4): `write` puts objects under reports/ (the reports job), `read` gets them (the link's presigned GET); nothing else. */
  reportFiles?: 'write' | 'read';
  /** `bodyContentType`: how the body is sent (default `application/json`; the HTML forms post `application/x-www-form-urlencoded`). */
  request?: {
    body?: ZodType; bodyContentType?: string; query?: ZodType; params?: ZodType; /** The route takes `If-Match: <version>` (412 stale, 428 missing); `create`: optional for a document that does not exist yet (a save without it only creates); `digest`: the version is a digest, not a number (PUT /access-matrix). */ ifMatch?: true | 'create' | 'digest';
    /** Further media types the body may come as (the CSV import takes `text/csv` or JSON). */
    otherBodies?: Record<string, ZodType>;
    /** The route honours an optional `Idempotency-Key` header (functions/shared/idempotency.ts): 409 while the first is running, 422 for another body. */
    idempotencyKey?: true;
  };
  /** `alsoAs`: further media types the same status may answer with (a report as JSON or CSV). */
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string; alsoAs?: Record<string, ZodType> }>;
}

/** A route's function timeout when it names none: the CDK's functions and the local gateway both use it. */
export const DEFAULT_TIMEOUT_SECONDS = 15;
