import { auditPageSchema, auditQuerySchema } from './audit/audit.schema';
import { batchBodySchema, checkSchema, decisionSchema } from './authz/authz.schema';
import { challengeSchema, mfaBodySchema, totpSetupSchema, totpVerifyBodySchema } from './auth/mfa.schema';
import {
  acceptInvitationBodySchema, confirmPasswordResetBodySchema, loginBodySchema, passwordResetBodySchema, refreshBodySchema, tokensSchema,
} from './auth/auth.schema';
import { createNodeBodySchema, nodeListSchema, nodeSchema, updateNodeBodySchema } from './nodes/node.schema';
import { accessMatrixSchema, createRoleBodySchema, permissionListSchema, putAccessMatrixBodySchema, roleListSchema, roleSchema, updateRoleBodySchema } from './roles/role.schema';
import type { IntegrationScope } from '../domain/integrations/scopes';
import { idParamsSchema } from './shared/schemas';
import {
  createdIntegrationSchema, createIntegrationBodySchema, integrationListQuerySchema, integrationListSchema, oauthErrorSchema, tokenRequestSchema, tokenResponseSchema,
} from './integrations/integration.schema';
import { bulkEditBodySchema, bulkEditResponseSchema } from './users/bulk.schema';
import * as z from './shared/zod';
import { exportUsersQuerySchema, listUsersQuerySchema, storedExportSchema, userSummaryPageSchema } from './users/directory.schema';
import { accessReportSchema, blockListSchema, blockSchema, childLinkSchema } from './users/responses.schema';
import { createScheduleBodySchema, scheduleListSchema, scheduleSchema, updateScheduleBodySchema } from './reports/schedule.schema';
import { reportCatalogueSchema, reportNameParamsSchema, reportQuerySchema, reportResultSchema } from './reports/report.schema';
import type { QueueName } from './adapters/sqs/job-queue';
import { applyImportBodySchema, csvFileSchema, importParamsSchema, importPreviewSchema, importProgressSchema, importQuerySchema, importStartedSchema } from './users/import.schema';
import { trustSettingsSchema, updateTrustSettingsBodySchema } from './trust/settings.schema';
import { categoryListSchema, eventAcceptedSchema, feedQuerySchema, feedSchema, postEventBodySchema, preferencesSchema, putPreferencesBodySchema } from './notifications/notification.schema';
import {
  misRunListSchema, misRunSchema, misSettingsSchema, putMisSettingsBodySchema, rosterBodySchema, rosterStoredSchema, runIdParamsSchema, runStartedSchema, startRunBodySchema,
} from './mis/mis.schema';
import { assignmentParamsSchema, membershipParamsSchema, subjectParamsSchema, userParamsSchema } from './users/params.schema';
import {
  accessQuerySchema, assignmentInputSchema, assignmentSchema, createUserBodySchema,
  membershipSchema, myPermissionsQuerySchema, putBlockBodySchema, putChildBodySchema, putMembershipBodySchema,
  updateUserBodySchema, userSchema,
} from './users/user.schema';

/**
 * The route table: the one source the CDK API, the local gateway and
 * /openapi.json are all built from. `handler` is the module (relative to the
 * project root) whose `handler` export Lambda runs.
 */
type ZodType = z.ZodMiniType;

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
  /** The Cognito calls the function makes; it is granted exactly these (and the client secret only for the sign-in calls). */
  cognito?: readonly CognitoCall[];
  ses?: boolean;
  /** Signs or checks the unsubscribe links (LINK_SIGNING_KEY). */
  linkKey?: true;
  /** The function's timeout when not the default 15 s (API Gateway gives up at 30 s). */
  timeoutSeconds?: number;
  /** Queues the function sends to (functions/adapters/sqs/job-queue.ts). */
  queues?: readonly QueueName[];
  /** Writes large exports to the exports bucket and presigns their download (issue 9). */
  exportBucket?: true;
  /** The roster bucket (issue 10): `write` puts objects under mis/, `read` gets them; nothing else (no list, no delete). */
  rosterBucket?: 'write' | 'read';
  /** `bodyContentType`: how the body is sent (default `application/json`; the HTML forms post `application/x-www-form-urlencoded`). */
  request?: {
    body?: ZodType; bodyContentType?: string; query?: ZodType; params?: ZodType; /** The route takes `If-Match: <version>` (412 stale, 428 missing). */ ifMatch?: true;
    /** Further media types the body may come as (the CSV import takes `text/csv` or JSON). */
    otherBodies?: Record<string, ZodType>;
    /** The route honours an optional `Idempotency-Key` header (functions/shared/idempotency.ts): 409 while the first is running, 422 for another body. */
    idempotencyKey?: true;
  };
  /** `alsoAs`: further media types the same status may answer with (a report as JSON or CSV). */
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string; alsoAs?: Record<string, ZodType> }>;
}

const sentSchema = z.object({ status: z.literal('sent') });
const ok = (schema: ZodType, description = 'OK') => ({ description, schema });
/** The link pages answer HTML whatever happens, so a person always sees a page. */
const html = (description: string) => ({ description, contentType: 'text/html', schema: z.string() });
const linkPageOutcomes = {
  400: html('invalid_token or weak_password, as a page'), 409: html('The account is not in a state the link applies to'),
  410: html('The link expired or was used'), 429: html('throttled'), 500: html('Something went wrong, as a page'),
};
const linkForm = z.object({ token: z.optional(z.string()), password: z.optional(z.string()), confirm: z.optional(z.string()) });

export const routes: RouteDef[] = [
  {
    method: 'GET', path: '/health', handler: 'functions/health/get-health.ts', auth: 'public',
    summary: 'Liveness check', tag: 'Service', table: 'none',
    responses: { 200: ok(z.object({ status: z.literal('ok') })) },
  },
  {
    method: 'GET', path: '/openapi.json', handler: 'functions/docs/get-openapi.ts', auth: 'public',
    summary: 'This OpenAPI document', tag: 'Service', table: 'none',
    responses: { 200: ok(z.looseObject({ openapi: z.string(), info: z.looseObject({ version: z.string() }), paths: z.record(z.string(), z.unknown()) }), 'OpenAPI 3.1 document') },
  },
  {
    method: 'POST', path: '/auth/login', handler: 'functions/auth/login.ts', auth: 'public',
    summary: 'Sign in with email and password (with TOTP on: a challenge for POST /auth/mfa)', tag: 'Authentication', table: 'write', cognito: ['InitiateAuth'], ses: true,
    request: { body: loginBodySchema },
    responses: { 200: ok(z.union([tokensSchema, challengeSchema])), 401: { description: 'invalid_credentials' }, 423: { description: 'account_locked' } },
  },
  {
    method: 'POST', path: '/auth/refresh', handler: 'functions/auth/refresh.ts', auth: 'public',
    summary: 'New access and id tokens from a refresh token', tag: 'Authentication', table: 'read', cognito: ['InitiateAuth'],
    request: { body: refreshBodySchema },
    responses: { 200: ok(tokensSchema), 401: { description: 'invalid_refresh_token' } },
  },
  {
    method: 'POST', path: '/auth/invitations/accept', handler: 'functions/auth/accept-invitation.ts', auth: 'public',
    summary: 'Accept an invitation: set the first password; the account becomes active', tag: 'Authentication', table: 'write', cognito: ['AdminSetUserPassword'],
    request: { body: acceptInvitationBodySchema },
    responses: { 200: ok(z.object({ email: z.string() })), 400: { description: 'weak_password or invalid_token' }, 410: { description: 'invitation_expired or token_used' } },
  },
  {
    method: 'POST', path: '/auth/password-reset', handler: 'functions/auth/password-reset.ts', auth: 'public',
    summary: 'Email a password-reset link (202 whatever the email)', tag: 'Authentication', table: 'write', ses: true,
    request: { body: passwordResetBodySchema },
    responses: { 202: ok(z.object({ status: z.literal('accepted') }), 'Accepted') },
  },
  {
    method: 'POST', path: '/auth/password-reset/confirm', handler: 'functions/auth/confirm-password-reset.ts', auth: 'public',
    summary: 'Set a new password from a reset link; every session is signed out', tag: 'Authentication', table: 'write', cognito: ['AdminSetUserPassword', 'AdminUserGlobalSignOut'], ses: true,
    request: { body: confirmPasswordResetBodySchema },
    responses: { 204: { description: 'Password changed' }, 400: { description: 'weak_password or invalid_token' }, 410: { description: 'token_expired or token_used' } },
  },
  {
    method: 'GET', path: '/invite', handler: 'functions/pages/invite-page.ts', auth: 'public',
    summary: 'The page an invitation link opens: a form to set the first password', tag: 'Pages', table: 'read',
    request: { query: z.object({ token: z.optional(z.string()) }) },
    responses: { 200: html('HTML form'), ...linkPageOutcomes },
  },
  {
    method: 'POST', path: '/invite', handler: 'functions/pages/invite-submit.ts', auth: 'public',
    summary: 'The invitation form post (form-encoded); answers an HTML page', tag: 'Pages', table: 'write', cognito: ['AdminSetUserPassword'],
    request: { body: linkForm, bodyContentType: 'application/x-www-form-urlencoded' },
    responses: { 200: html('HTML outcome'), ...linkPageOutcomes },
  },
  {
    method: 'GET', path: '/reset-password', handler: 'functions/pages/reset-password-page.ts', auth: 'public',
    summary: 'The page a reset link opens: a form to choose a new password', tag: 'Pages', table: 'read',
    request: { query: z.object({ token: z.optional(z.string()) }) },
    responses: { 200: html('HTML form'), ...linkPageOutcomes },
  },
  {
    method: 'POST', path: '/reset-password', handler: 'functions/pages/reset-password-submit.ts', auth: 'public',
    summary: 'The reset form post (form-encoded); answers an HTML page', tag: 'Pages', table: 'write', cognito: ['AdminSetUserPassword', 'AdminUserGlobalSignOut'], ses: true,
    request: { body: linkForm, bodyContentType: 'application/x-www-form-urlencoded' },
    responses: { 200: html('HTML outcome'), ...linkPageOutcomes },
  },
  {
    method: 'GET', path: '/nodes', handler: 'functions/nodes/list-nodes.ts', auth: 'user',
    summary: "The caller's whole organisation tree", tag: 'Organisation', table: 'read',
    responses: { 200: ok(nodeListSchema) },
  },
  {
    method: 'POST', path: '/nodes', handler: 'functions/nodes/create-node.ts', auth: 'user',
    summary: 'Add a cluster or school', tag: 'Organisation', table: 'write',
    request: { body: createNodeBodySchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 201: ok(nodeSchema, 'Created'), 409: { description: 'name_taken' } },
  },
  {
    method: 'PATCH', path: '/nodes/{id}', handler: 'functions/nodes/update-node.ts', auth: 'user',
    summary: 'Rename, relabel or move a node (its subtree moves with it)', tag: 'Organisation', table: 'write',
    request: { params: idParamsSchema, body: updateNodeBodySchema, ifMatch: true },
    responses: { 200: ok(nodeSchema), 403: { description: 'forbidden' }, 409: { description: 'cycle' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },
  {
    method: 'DELETE', path: '/nodes/{id}', handler: 'functions/nodes/delete-node.ts', auth: 'user',
    summary: 'Delete an empty node', tag: 'Organisation', table: 'write',
    request: { params: idParamsSchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 204: { description: 'Deleted' }, 409: { description: 'not_empty' } },
  },
  {
    method: 'GET', path: '/nodes/{id}/managers', handler: 'functions/nodes/get-managers.ts', auth: 'user',
    summary: "A node's managers and the line funding documents print", tag: 'Organisation', table: 'read',
    request: { params: idParamsSchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 200: ok(z.object({ nodeId: z.string(), line: z.string(), managers: z.array(z.object({ userId: z.string(), displayName: z.string(), jobTitle: z.optional(z.string()) })) })) },
  },
  {
    method: 'GET', path: '/permissions', handler: 'functions/access/list-permissions.ts', auth: 'user',
    summary: 'The permission catalogue', tag: 'Roles', table: 'read',
    responses: { 200: ok(permissionListSchema) },
  },
  {
    method: 'GET', path: '/roles', handler: 'functions/roles/list-roles.ts', auth: 'user',
    summary: "The trust's roles: presets and its own", tag: 'Roles', table: 'read',
    responses: { 200: ok(roleListSchema) },
  },
  {
    method: 'POST', path: '/roles', handler: 'functions/roles/create-role.ts', auth: 'user',
    summary: 'Define a custom role (roles.define at the trust)', tag: 'Roles', table: 'write',
    request: { body: createRoleBodySchema },
    responses: { 201: ok(roleSchema, 'Created'), 403: { description: 'forbidden; mfa_required (a sensitive permission, or the trust requires 2FA for admins); escalation: the role holds a permission you lack' }, 409: { description: 'name_taken' } },
  },
  {
    method: 'PATCH', path: '/roles/{id}', handler: 'functions/roles/update-role.ts', auth: 'user',
    summary: 'Change a custom role (built-ins are read-only)', tag: 'Roles', table: 'write',
    request: { params: idParamsSchema, body: updateRoleBodySchema, ifMatch: true },
    responses: { 200: ok(roleSchema), 403: { description: 'forbidden or escalation' }, 409: { description: 'built_in_role' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },
  {
    method: 'DELETE', path: '/roles/{id}', handler: 'functions/roles/delete-role.ts', auth: 'user',
    summary: 'Delete a custom role nobody holds', tag: 'Roles', table: 'write',
    request: { params: idParamsSchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 204: { description: 'Deleted' }, 409: { description: 'in_use or built_in_role' } },
  },
  {
    method: 'GET', path: '/access-matrix', handler: 'functions/roles/get-access-matrix.ts', auth: 'user',
    summary: 'The role × permission matrix', tag: 'Roles', table: 'read',
    responses: { 200: ok(accessMatrixSchema) },
  },
  {
    method: 'PUT', path: '/access-matrix', handler: 'functions/roles/put-access-matrix.ts', auth: 'user',
    summary: 'Replace grants, all or nothing (If-Match: the matrix version)', tag: 'Roles', table: 'write',
    request: { body: putAccessMatrixBodySchema, ifMatch: true },
    responses: { 200: ok(z.extend(z.omit(accessMatrixSchema, { version: true }), { changed: z.number().check(z.int()) })), 403: { description: 'forbidden or escalation' }, 409: { description: 'built_in_role' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },
  {
    method: 'POST', path: '/users', handler: 'functions/users/create-user.ts', auth: 'user',
    summary: 'Create an account with its memberships and roles; emails the invitation', tag: 'Users', table: 'write', cognito: ['AdminCreateUser', 'AdminGetUser', 'AdminDeleteUser'], ses: true,
    request: { body: createUserBodySchema },
    responses: { 201: ok(z.extend(userSchema, { invitationSent: z.boolean() }), 'Created'), 403: { description: 'forbidden or escalation' }, 409: { description: 'email_taken or not_a_member' } },
  },
  {
    method: 'GET', path: '/users/{id}', handler: 'functions/users/get-user.ts', auth: 'user', clientScope: 'users.read',
    summary: 'A person in the caller\'s reach (404 outside it); an integration with users.read: at or under its node', tag: 'Users', table: 'read',
    request: { params: userParamsSchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 200: ok(userSchema), 404: { description: 'not_found (or outside your reach)' } },
  },
  {
    method: 'PATCH', path: '/users/{id}', handler: 'functions/users/update-user.ts', auth: 'user',
    summary: 'Edit profile fields (If-Match); an email change moves the login too and notifies the old address', tag: 'Users', table: 'write', cognito: ['AdminUpdateUserAttributes'], ses: true,
    request: { params: userParamsSchema, body: updateUserBodySchema, ifMatch: true },
    responses: { 200: ok(userSchema), 403: { description: 'outranked, mfa_required or self_change (an email change)' }, 409: { description: 'email_taken' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },
  {
    method: 'POST', path: '/users/{id}/invitation', handler: 'functions/users/send-invitation.ts', auth: 'user',
    summary: 'Email a new invitation link; older links stop working', tag: 'Users', table: 'write', ses: true,
    request: { params: userParamsSchema },
    responses: { 202: ok(sentSchema, 'Sent'), 403: { description: 'outranked or mfa_required' }, 409: { description: 'not_invited' }, 503: { description: 'email_not_sent' } },
  },
  {
    method: 'POST', path: '/users/{id}/password-reset', handler: 'functions/users/admin-password-reset.ts', auth: 'user',
    summary: 'Email the person a password-reset link', tag: 'Users', table: 'write', ses: true,
    request: { params: userParamsSchema },
    responses: { 202: ok(sentSchema, 'Sent'), 403: { description: 'outranked or mfa_required' }, 409: { description: 'not_active' } },
  },
  {
    method: 'PUT', path: '/users/{id}/memberships/{nodeId}', handler: 'functions/users/put-membership.ts', auth: 'user',
    summary: 'Place a person at a node or change the placement', tag: 'Users', table: 'write',
    request: { params: membershipParamsSchema, body: putMembershipBodySchema },
    responses: { 200: ok(membershipSchema), 403: { description: 'forbidden or self_change' }, 409: { description: 'primary_required' } },
  },
  {
    method: 'DELETE', path: '/users/{id}/memberships/{nodeId}', handler: 'functions/users/delete-membership.ts', auth: 'user',
    summary: 'Remove a placement (the oldest other one becomes primary)', tag: 'Users', table: 'write',
    request: { params: membershipParamsSchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 204: { description: 'Removed' } },
  },
  {
    method: 'POST', path: '/users/{id}/roles', handler: 'functions/users/add-role.ts', auth: 'user', queues: ['notifications'],
    summary: 'Give a person a role at a node', tag: 'Users', table: 'write',
    request: { params: userParamsSchema, body: assignmentInputSchema },
    responses: { 201: ok(assignmentSchema, 'Created'), 403: { description: 'forbidden, escalation, mfa_required or self_change' }, 409: { description: 'not_a_member' } },
  },
  {
    method: 'DELETE', path: '/users/{id}/roles/{assignmentId}', handler: 'functions/users/remove-role.ts', auth: 'user',
    summary: 'Take a role away', tag: 'Users', table: 'write',
    request: { params: assignmentParamsSchema },
    responses: { 204: { description: 'Removed' }, 403: { description: 'forbidden, escalation or self_change' }, 409: { description: 'last_admin: the only Trust Admin keeps the role' } },
  },
  {
    method: 'GET', path: '/users/{id}/blocks', handler: 'functions/users/list-blocks.ts', auth: 'user',
    summary: "A person's record blocks at schools where you manage blocks", tag: 'Safeguarding', table: 'read',
    request: { params: userParamsSchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 200: ok(blockListSchema) },
  },
  {
    method: 'PUT', path: '/users/{id}/blocks/{subjectId}', handler: 'functions/users/put-block.ts', auth: 'user',
    summary: "Block a person from one pupil's record", tag: 'Safeguarding', table: 'write',
    request: { params: subjectParamsSchema, body: putBlockBodySchema },
    responses: { 200: ok(blockSchema, 'The block'), 403: { description: 'forbidden or self_change' }, 409: { description: 'blocked_elsewhere: another school (you do not manage blocks there) already blocked this person from this pupil' } },
  },
  {
    method: 'DELETE', path: '/users/{id}/blocks/{subjectId}', handler: 'functions/users/delete-block.ts', auth: 'user',
    summary: 'Lift a block', tag: 'Safeguarding', table: 'write',
    request: { params: subjectParamsSchema },
    responses: { 204: { description: 'Lifted' }, 403: { description: 'forbidden or self_change' } },
  },
  {
    method: 'PUT', path: '/users/{id}/children/{subjectId}', handler: 'functions/users/put-child.ts', auth: 'user',
    summary: 'Link a parent to a pupil', tag: 'Users', table: 'write',
    request: { params: subjectParamsSchema, body: putChildBodySchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 200: ok(childLinkSchema, 'The link'), 409: { description: 'not_a_parent, or linked_elsewhere: the pupil is linked at another school where you lack users.edit' } },
  },
  {
    method: 'DELETE', path: '/users/{id}/children/{subjectId}', handler: 'functions/users/delete-child.ts', auth: 'user',
    summary: 'Unlink a parent from a pupil', tag: 'Users', table: 'write',
    request: { params: subjectParamsSchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 204: { description: 'Unlinked' } },
  },
  {
    method: 'GET', path: '/users/{id}/access', handler: 'functions/users/get-user-access.ts', auth: 'user',
    summary: 'Every effective permission by node, with the assignment it comes from', tag: 'Users', table: 'read',
    request: { params: userParamsSchema, query: accessQuerySchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 200: ok(accessReportSchema, 'Access report: every valid assignment, and a page of nodes (nextCursor) with each permission and the assignment it comes from'), 400: { description: 'validation_failed or invalid_cursor' } },
  },
  {
    method: 'POST', path: '/authz/check', handler: 'functions/authz/check.ts', auth: 'user', clientScope: 'authz.check',
    summary: 'May this person do this, here, on this pupil?', tag: 'Decisions', table: 'read',
    request: { body: checkSchema },
    responses: {
      200: ok(decisionSchema), 403: { description: 'mfa_required: asking about others needs users.view, which the trust may reserve to 2FA sessions' },
      404: { description: 'not_found: a person outside your reach (asking about yourself needs nothing)' },
    },
  },
  {
    method: 'POST', path: '/authz/batch', handler: 'functions/authz/batch.ts', auth: 'user', clientScope: 'authz.check',
    summary: 'Up to 100 checks, answered in order', tag: 'Decisions', table: 'read',
    request: { body: batchBodySchema },
    responses: { 200: ok(z.object({ results: z.array(decisionSchema) })) },
  },
  {
    method: 'GET', path: '/me', handler: 'functions/me/get-me.ts', auth: 'user',
    summary: 'The caller: profile, memberships, roles, mfaEnabled', tag: 'The caller', table: 'read',
    responses: { 200: ok(z.extend(userSchema, { trust: z.object({ id: z.string(), name: z.string(), rootNodeId: z.string() }) })) },
  },
  {
    method: 'GET', path: '/me/permissions', handler: 'functions/me/get-my-permissions.ts', auth: 'user',
    summary: 'What this session may do at a node', tag: 'The caller', table: 'read',
    request: { query: myPermissionsQuerySchema },
    responses: { 200: ok(z.object({ nodeId: z.string(), permissions: z.array(z.string()), withheldForMfa: z.array(z.string()) })) },
  },
  {
    method: 'POST', path: '/auth/mfa', handler: 'functions/auth/mfa.ts', auth: 'public',
    summary: 'Second sign-in step: the TOTP code for the session the login answered', tag: 'Authentication', table: 'write', cognito: ['RespondToAuthChallenge'], ses: true,
    request: { body: mfaBodySchema },
    responses: { 200: ok(tokensSchema), 401: { description: 'invalid_mfa_code (counts as a failed login) or invalid_mfa_session' }, 423: { description: 'account_locked' } },
  },
  {
    method: 'POST', path: '/auth/logout', handler: 'functions/auth/logout.ts', auth: 'user',
    summary: 'Sign out every session of the caller (their refresh tokens too)', tag: 'Authentication', table: 'write', cognito: ['AdminUserGlobalSignOut'],
    responses: { 204: { description: 'Signed out' } },
  },
  {
    method: 'POST', path: '/me/mfa/totp/setup', handler: 'functions/me/setup-totp.ts', auth: 'user',
    summary: "Start TOTP set-up: a secret for the caller's authenticator app", tag: 'The caller', table: 'read',
    responses: { 200: ok(totpSetupSchema), 403: { description: 'mfa_required (TOTP is on: only a session that passed it may re-key)' } },
  },
  {
    method: 'POST', path: '/me/mfa/totp/verify', handler: 'functions/me/verify-totp.ts', auth: 'user',
    summary: 'Finish TOTP set-up with a code; TOTP is then required at every sign-in', tag: 'The caller', table: 'write',
    request: { body: totpVerifyBodySchema },
    responses: { 204: { description: 'TOTP is on' }, 400: { description: 'invalid_mfa_code or mfa_setup_required' } },
  },
  {
    method: 'POST', path: '/users/{id}/unlock', handler: 'functions/users/unlock-user.ts', auth: 'user',
    summary: 'Unlock an account locked by failed sign-ins (users.unlock)', tag: 'Users', table: 'write',
    request: { params: userParamsSchema },
    responses: { 200: ok(userSchema), 403: { description: 'outranked or mfa_required' }, 404: { description: 'not_found (or outside your reach)' }, 409: { description: 'not_locked' } },
  },
  {
    method: 'POST', path: '/users/{id}/deactivate', handler: 'functions/users/deactivate-user.ts', auth: 'user',
    summary: 'Deactivate an account: every session ends, records stay (users.deactivate)', tag: 'Users', table: 'write', cognito: ['AdminDisableUser', 'AdminUserGlobalSignOut'],
    request: { params: userParamsSchema },
    responses: { 200: ok(userSchema), 403: { description: 'outranked or mfa_required' }, 404: { description: 'not_found (or outside your reach)' }, 409: { description: 'cannot_deactivate_self or last_admin' } },
  },
  {
    method: 'POST', path: '/users/{id}/activate', handler: 'functions/users/activate-user.ts', auth: 'user',
    summary: 'Reactivate an account: active again, or invited if it never accepted (users.deactivate)', tag: 'Users', table: 'write', cognito: ['AdminEnableUser'],
    request: { params: userParamsSchema },
    responses: { 200: ok(userSchema), 403: { description: 'outranked or mfa_required' }, 404: { description: 'not_found (or outside your reach)' } },
  },
  {
    method: 'GET', path: '/audit', handler: 'functions/audit/list-audit.ts', auth: 'user',
    summary: 'Audit records, newest first', tag: 'Audit', table: 'read',
    request: { query: auditQuerySchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 200: ok(auditPageSchema) },
  },
  // Issue 7: the 2FA lifecycle and the trust's settings.
  {
    method: 'DELETE', path: '/me/mfa/totp', handler: 'functions/me/delete-totp.ts', auth: 'user',
    summary: 'Turn TOTP off with a current code (not while roles or the trust require 2FA)', tag: 'The caller', table: 'write', ses: true,
    request: { body: totpVerifyBodySchema },
    responses: {
      204: { description: 'TOTP is off' }, 400: { description: 'invalid_mfa_code (counts as a failed login)' },
      403: { description: 'mfa_required: only a session that passed TOTP may turn it off' }, 409: { description: 'mfa_required_by_role' },
    },
  },
  {
    method: 'POST', path: '/users/{id}/mfa/reset', handler: 'functions/users/reset-mfa.ts', auth: 'user', queues: ['notifications'],
    summary: "Turn a person's TOTP off after a lost device; every session ends, the person is emailed (users.reset_mfa, 2FA session)", tag: 'Users', table: 'write', cognito: ['AdminSetUserMFAPreference', 'AdminUserGlobalSignOut'], ses: true,
    request: { params: userParamsSchema },
    responses: { 204: { description: 'TOTP is off' }, 403: { description: 'forbidden, mfa_required or outranked' }, 404: { description: 'not_found (or outside your reach)' } },
  },
  {
    method: 'GET', path: '/trust/settings', handler: 'functions/trust/get-settings.ts', auth: 'user',
    summary: "The trust's name and policies (org.manage at the trust)", tag: 'Organisation', table: 'read',
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 200: ok(trustSettingsSchema) },
  },
  {
    method: 'PATCH', path: '/trust/settings', handler: 'functions/trust/update-settings.ts', auth: 'user',
    summary: "Change the trust's name and policies (If-Match: the settings version)", tag: 'Organisation', table: 'write',
    request: { body: updateTrustSettingsBodySchema, ifMatch: true },
    responses: { 200: ok(trustSettingsSchema), 403: { description: 'forbidden: org.manage at the trust' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },

  // Notifications
  {
    method: 'GET', path: '/notification-categories', handler: 'functions/notifications/list-categories.ts', auth: 'user',
    summary: 'The notification categories, with the permission each needs and its default delivery', tag: 'Notifications', table: 'read',
    responses: { 200: ok(categoryListSchema) },
  },
  {
    method: 'GET', path: '/me/notification-preferences', handler: 'functions/notifications/get-preferences.ts', auth: 'user',
    summary: 'What the caller hears about and how (only categories they can receive somewhere)', tag: 'Notifications', table: 'read',
    responses: { 200: ok(preferencesSchema) },
  },
  {
    method: 'PUT', path: '/me/notification-preferences', handler: 'functions/notifications/put-preferences.ts', auth: 'user',
    summary: "Set the caller's delivery per category and digest hour (If-Match: the preferences version, 0 before the first save)", tag: 'Notifications', table: 'write',
    request: { body: putPreferencesBodySchema, ifMatch: true },
    responses: { 200: ok(preferencesSchema), 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },

  {
    method: 'POST', path: '/notifications/events', handler: 'functions/notifications/post-event.ts', auth: 'user', clientScope: 'notifications.send', queues: ['notifications'],
    summary: 'An event from a school app (notifications.send at the node); recipients are decided on arrival; idempotent by idempotencyKey', tag: 'Notifications', table: 'write',
    request: { body: postEventBodySchema },
    responses: { 202: ok(eventAcceptedSchema, 'Accepted: stored with its recipients (or the first event with this key)'), 403: { description: 'forbidden: notifications.send at the node' } },
  },
  {
    method: 'GET', path: '/me/notifications', handler: 'functions/notifications/get-feed.ts', auth: 'user',
    summary: "The caller's notifications, newest first", tag: 'Notifications', table: 'read',
    request: { query: feedQuerySchema },
    responses: { 200: ok(feedSchema) },
  },

  {
    method: 'GET', path: '/notifications/unsubscribe', handler: 'functions/notifications/unsubscribe-page.ts', auth: 'public',
    summary: 'The page an unsubscribe link opens (it changes nothing by itself)', tag: 'Pages', table: 'read', linkKey: true,
    request: { query: z.object({ token: z.optional(z.string()) }) },
    responses: { 200: html('What the link stops and its button; for a safeguarding or account-security category, a page saying to sign in instead (no button)'), 400: html('The link is not valid') },
  },
  {
    method: 'POST', path: '/notifications/unsubscribe', handler: 'functions/notifications/unsubscribe-submit.ts', auth: 'public',
    summary: 'RFC 8058 one-click unsubscribe (List-Unsubscribe=One-Click): the category goes off for that person', tag: 'Notifications', table: 'write', linkKey: true,
    request: { query: z.object({ token: z.optional(z.string()) }), body: z.object({ 'List-Unsubscribe': z.optional(z.string()), from: z.optional(z.string()) }), bodyContentType: 'application/x-www-form-urlencoded' },
    responses: { 204: { description: 'Unsubscribed (one-click)' }, 200: html('Unsubscribed (from the page)'), 400: { description: 'invalid_token: the link is not genuine; sign_in_required: a safeguarding or account security category, turned off only signed in' } },
  },

  // MIS roster sync
  {
    method: 'GET', path: '/nodes/{id}/mis', handler: 'functions/mis/get-settings.ts', auth: 'user',
    summary: "A school's roster sync settings (org.manage at the school)", tag: 'MIS sync', table: 'read',
    request: { params: idParamsSchema },
    responses: { 200: ok(misSettingsSchema), 403: { description: 'forbidden' }, 404: { description: 'not_found: no such node, or no settings saved yet' } },
  },
  {
    method: 'PUT', path: '/nodes/{id}/mis', handler: 'functions/mis/put-settings.ts', auth: 'user',
    summary: "Save a school's roster sync settings (If-Match: the settings version, 0 the first time); the mapped roles must be ones the caller may grant there", tag: 'MIS sync', table: 'write',
    request: { params: idParamsSchema, body: putMisSettingsBodySchema, ifMatch: true },
    responses: { 200: ok(misSettingsSchema), 403: { description: 'forbidden, escalation (a mapped role the caller may not grant) or mfa_required' }, 404: { description: 'not_found' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },

  // Issue 11: integration clients (other school apps' client credentials).
  {
    method: 'POST', path: '/integrations', handler: 'functions/integrations/create-integration.ts', auth: 'user',
    summary: "Create another school app's client credentials, bound to a node and scopes; the secret is in this answer only (integrations.manage at the trust, 2FA session)", tag: 'Integrations', table: 'write', cognito: ['CreateUserPoolClient', 'DeleteUserPoolClient'],
    request: { body: createIntegrationBodySchema },
    responses: { 201: ok(createdIntegrationSchema, 'Created'), 403: { description: 'forbidden or mfa_required' } },
  },
  {
    method: 'GET', path: '/integrations', handler: 'functions/integrations/list-integrations.ts', auth: 'user',
    summary: "The trust's integration clients (never a secret)", tag: 'Integrations', table: 'read',
    request: { query: integrationListQuerySchema },
    responses: { 200: ok(integrationListSchema), 403: { description: 'forbidden or mfa_required' } },
  },
  {
    method: 'DELETE', path: '/integrations/{id}', handler: 'functions/integrations/delete-integration.ts', auth: 'user',
    summary: "Delete a client: its live tokens stop working at once", tag: 'Integrations', table: 'write', cognito: ['DeleteUserPoolClient'],
    request: { params: idParamsSchema },
    responses: { 204: { description: 'Deleted' }, 403: { description: 'forbidden or mfa_required' }, 404: { description: 'not_found' } },
  },
  {
    method: 'POST', path: '/oauth2/token', handler: 'functions/oauth/token.ts', auth: 'public',
    summary: "Client-credentials grant (RFC 6749 §4.4): HTTP Basic client id and secret; access tokens live an hour at most", tag: 'Integrations', table: 'none',
    request: { body: tokenRequestSchema, bodyContentType: 'application/x-www-form-urlencoded' },
    responses: {
      200: ok(tokenResponseSchema),
      400: { description: 'invalid_request, unsupported_grant_type, invalid_scope or unauthorized_client (RFC 6749 §5.2)', contentType: 'application/json', schema: oauthErrorSchema },
      401: { description: 'invalid_client, with WWW-Authenticate: Basic', contentType: 'application/json', schema: oauthErrorSchema },
      503: { description: 'token_endpoint_unavailable' },
    },
  },
  // ---- CSV import (issue 9) ----
  {
    method: 'POST', path: '/users/import', handler: 'functions/users/import-users.ts', auth: 'user',
    summary: 'Import the users CSV: ?dryRun=true with the file (text/csv) previews a plan; { planId } applies it in the background (202)', tag: 'Users', table: 'write',
    queues: ['imports'], timeoutSeconds: 29,
    request: { query: importQuerySchema, body: applyImportBodySchema, otherBodies: { 'text/csv': csvFileSchema } },
    responses: {
      200: ok(importPreviewSchema, 'The plan: an action, the field changes and the cell errors of every row'),
      202: ok(importStartedSchema, 'Accepted: the plan is being applied; follow GET /users/imports/{importId}'),
      400: { description: 'validation_failed, invalid_csv or missing_columns (each named)' },
      403: { description: 'forbidden (users.bulk) or mfa_required' },
      404: { description: 'not_found: no such plan of yours (or it expired and was removed)' },
      409: { description: 'plan_applied: the plan was applied already' },
      410: { description: 'plan_expired: the plan is more than an hour old' },
      413: { description: 'payload_too_large: over 10,000 rows or 5 MB (the limit is named)' },
    },
  },
  {
    method: 'GET', path: '/users/imports/{importId}', handler: 'functions/users/get-import.ts', auth: 'user',
    summary: "An import's progress and each row's result (the importer, or users.bulk at the trust)", tag: 'Users', table: 'read',
    request: { params: importParamsSchema },
    responses: { 200: ok(importProgressSchema), 404: { description: 'not_found (or not yours to read)' } },
  },
  // Issue 9: bulk edit.
  {
    method: 'POST', path: '/users/bulk', handler: 'functions/users/bulk-edit-users.ts', auth: 'user',
    summary: 'The single-user actions on up to 500 people, each person all or nothing, a result per person (users.bulk and each action\'s own permission and guards)',
    tag: 'Users', table: 'write', cognito: ['AdminDisableUser', 'AdminEnableUser', 'AdminUserGlobalSignOut'], ses: true, timeoutSeconds: 29,
    request: { body: bulkEditBodySchema, idempotencyKey: true },
    responses: {
      200: ok(bulkEditResponseSchema, 'A result per person, in the order of userIds; applied + failed = every person'),
      403: { description: 'forbidden: users.bulk nowhere (or mfa_required under the trust\'s 2FA policy)' },
    },
  },
  // Issue 9: the directory.
  {
    method: 'GET', path: '/users', handler: 'functions/users/list-users.ts', auth: 'user', clientScope: 'users.read',
    summary: 'The directory: people in your reach of users.view, searched, filtered, sorted, a page at a time, with the total', tag: 'Users', table: 'read',
    request: { query: listUsersQuerySchema },
    responses: { 200: ok(userSummaryPageSchema), 403: { description: 'forbidden (users.view is held nowhere) or mfa_required' } },
  },
  {
    method: 'GET', path: '/users/export.csv', handler: 'functions/users/export-users.ts', auth: 'user',
    summary: 'Every person in your reach of users.export matching the list filters, as CSV (UTF-8 with BOM, formula-safe cells); a large file is stored and answered with a short-lived link', tag: 'Users', table: 'read', exportBucket: true,
    request: { query: exportUsersQuerySchema },
    responses: {
      200: { description: 'The CSV, `Content-Disposition: attachment; filename="users-<date>.csv"`', contentType: 'text/csv', schema: z.string() },
      303: ok(storedExportSchema, 'Larger than EXPORT_INLINE_MAX_BYTES: stored for a day, `Location` (and `url`) is a presigned download that works for EXPORT_URL_TTL_SECONDS'),
      403: { description: 'forbidden (users.export is held nowhere) or mfa_required' },
    },
  },  // ---- Reports (issue 13) ----
  {
    method: 'GET', path: '/reports', handler: 'functions/reports/list-reports.ts', auth: 'user',
    summary: 'The report catalogue: each report\'s name, description, columns and parameters', tag: 'Users', table: 'read',
    responses: { 200: ok(reportCatalogueSchema) },
  },
  {
    method: 'GET', path: '/reports/{name}', handler: 'functions/reports/get-report.ts', auth: 'user',
    summary: 'One report at nodeId (default the trust), cut to your reach of reports.view, as JSON or CSV (the export\'s rules); a large answer is stored and answered with a short-lived link',
    tag: 'Users', table: 'read', exportBucket: true, timeoutSeconds: 29,
    request: { params: reportNameParamsSchema, query: reportQuerySchema },
    responses: {
      200: { description: '`{ columns, rows, generatedAt }`, or with format=csv the CSV, `Content-Disposition: attachment; filename="<report>-<date>.csv"`', schema: reportResultSchema, alsoAs: { 'text/csv': z.string() } },
      303: ok(storedExportSchema, 'Larger than EXPORT_INLINE_MAX_BYTES: stored, `Location` (and `url`) is a presigned download that works for EXPORT_URL_TTL_SECONDS'),
      400: { description: 'validation_failed naming each bad parameter (query.<name>)' },
      403: { description: 'forbidden (no reports.view in the subtree of nodeId) or mfa_required' },
      404: { description: 'not_found: no such report' },
    },
  },  {
    method: 'POST', path: '/report-schedules', handler: 'functions/reports/create-schedule.ts', auth: 'user',
    summary: 'Schedule a report to be emailed (daily, weekly on dayOfWeek 0-6, monthly on dayOfMonth 1-28, at hour in the trust time zone) to recipients who may view it', tag: 'Users', table: 'write',
    request: { body: createScheduleBodySchema },
    responses: {
      201: ok(scheduleSchema, 'The schedule (ETag: its version)'),
      400: { description: 'validation_failed (params.<name>, body.dayOfWeek…) or recipient_cannot_view naming each recipient without reports.view at the node' },
      403: { description: 'forbidden: reports.schedule at params.nodeId' },
    },
  },
  {
    method: 'GET', path: '/report-schedules', handler: 'functions/reports/list-schedules.ts', auth: 'user',
    summary: 'Your schedules (with reports.schedule at their node) and anyone\'s at a node in your reach of reports.manage_schedules', tag: 'Users', table: 'read',
    responses: { 200: ok(scheduleListSchema) },
  },
  {
    method: 'PATCH', path: '/report-schedules/{id}', handler: 'functions/reports/update-schedule.ts', auth: 'user',
    summary: 'Change a schedule you may manage (If-Match: its version), checked as a new one', tag: 'Users', table: 'write',
    request: { params: idParamsSchema, body: updateScheduleBodySchema, ifMatch: true },
    responses: {
      200: ok(scheduleSchema),
      400: { description: 'validation_failed or recipient_cannot_view' },
      403: { description: 'forbidden: reports.schedule at the new node' },
      404: { description: 'not_found: no such schedule you may manage' },
    },
  },
  {
    method: 'DELETE', path: '/report-schedules/{id}', handler: 'functions/reports/delete-schedule.ts', auth: 'user',
    summary: 'Delete a schedule you may manage', tag: 'Users', table: 'write',
    request: { params: idParamsSchema },
    responses: { 204: { description: 'Deleted' }, 404: { description: 'not_found: no such schedule you may manage' } },
  },
  // ---- MIS roster sync: rosters and runs (issue 10) ----
  {
    method: 'PUT', path: '/nodes/{id}/mis/roster', handler: 'functions/mis/put-roster.ts', auth: 'user', rosterBucket: 'write',
    summary: "Store a school's OneRoster 1.2 CSV bundle (a zip, at most 6 MB through the API) for its next run (org.manage at the school)", tag: 'MIS sync', table: 'write',
    request: { params: idParamsSchema, body: rosterBodySchema, bodyContentType: 'application/zip' },
    responses: {
      202: ok(rosterStoredSchema, 'Accepted: kept for the next run'), 400: { description: 'not_a_school or invalid_bundle (not a zip)' },
      403: { description: 'forbidden' }, 404: { description: 'not_found' }, 413: { description: 'payload_too_large: over 6 MB' },
    },
  },
  {
    method: 'POST', path: '/nodes/{id}/mis/runs', handler: 'functions/mis/start-run.ts', auth: 'user',
    summary: "Run the school's sync now, or a dry run (org.manage at the school); follow GET /mis/runs/{runId}", tag: 'MIS sync', table: 'write', queues: ['mis-runs'],
    request: { params: idParamsSchema, body: startRunBodySchema },
    responses: { 202: ok(runStartedSchema, 'Accepted: queued'), 403: { description: 'forbidden' }, 404: { description: 'not_found: no such node, or no settings saved yet' } },
  },
  {
    method: 'GET', path: '/nodes/{id}/mis/runs', handler: 'functions/mis/list-runs.ts', auth: 'user',
    summary: "The school's latest 50 sync runs, newest first (users.view at the school)", tag: 'MIS sync', table: 'read',
    request: { params: idParamsSchema },
    responses: { 200: ok(misRunListSchema), 403: { description: 'forbidden' }, 404: { description: 'not_found' } },
  },
  {
    method: 'GET', path: '/mis/runs/{runId}', handler: 'functions/mis/get-run.ts', auth: 'user',
    summary: 'One sync run: its status, counts and error rows (users.view at its school)', tag: 'MIS sync', table: 'read',
    request: { params: runIdParamsSchema },
    responses: { 200: ok(misRunSchema), 404: { description: 'not_found (or not at a school you may view)' } },
  },
  {
    method: 'POST', path: '/mis/runs/{runId}/approve', handler: 'functions/mis/approve-run.ts', auth: 'user',
    summary: 'Apply a held run (org.manage at its school)', tag: 'MIS sync', table: 'write', queues: ['mis-runs'],
    request: { params: runIdParamsSchema },
    responses: { 202: ok(runStartedSchema, 'Accepted: the run is applied in the background'), 403: { description: 'forbidden' }, 404: { description: 'not_found' }, 409: { description: 'not_held' } },
  },
];

/** Scheduled functions: the CDK schedules them, the local gateway runs them on POST /_local/run/{job}. */
export interface JobDef {
  name: string;
  handler: string;
  /** EventBridge schedule expression. */
  schedule: string;
  table: 'none' | 'read' | 'write';
  ses?: boolean;
  /** Signs or checks the unsubscribe links (LINK_SIGNING_KEY). */
  linkKey?: boolean;
  /** Queues the job sends to. */
  queues?: readonly QueueName[];
  /** Writes large files to the exports bucket and presigns their download. */
  exportBucket?: true;
  /** The nested stack it lives in (default `scheduled jobs`): with exportBucket, `Users`, where the bucket is. */
  group?: string;
}

export const jobs: JobDef[] = [
  // Immediate notification emails arrive through the queue; this sweep sends whatever a lost message or an SES failure left.
  { name: 'notify', handler: 'functions/notifications/notify-job.ts', schedule: 'rate(5 minutes)', table: 'write', ses: true, linkKey: true, queues: ['notifications'] },
  { name: 'digest', handler: 'functions/notifications/digest-job.ts', schedule: 'cron(0 * * * ? *)', table: 'write', ses: true, linkKey: true },
  // MIS roster sync: hourly, so each trust's night starts at 02:00 on its own clock; queues a run of every enabled school (the runs are the mis-runs queue's).
  { name: 'mis-sync', handler: 'functions/mis/mis-sync-job.ts', schedule: 'cron(0 * * * ? *)', table: 'write', queues: ['mis-runs'] },
  // Scheduled reports (issue 13): in the Users functions' stack, beside the exports bucket.
  { name: 'reports', handler: 'functions/reports/reports-job.ts', schedule: 'cron(0 * * * ? *)', table: 'write', ses: true, exportBucket: true, group: 'Users' },
];

/**
 * Queue workers: the CDK makes each an SQS queue with a dead-letter queue and
 * a function it triggers; the local stack runs an in-process queue that calls
 * the same handler (infra/local/queues.ts). `env` is the variable that
 * carries the queue's URL to the functions that send to it.
 */
export interface QueueDef {
  name: QueueName;
  handler: string;
  env: 'IMPORT_QUEUE_URL' | 'NOTIFY_QUEUE_URL' | 'MIS_RUN_QUEUE_URL' | 'MIS_ROSTER_QUEUE_URL';
  table: 'none' | 'read' | 'write';
  cognito?: readonly CognitoCall[];
  ses?: boolean;
  /** Signs or checks the unsubscribe links (LINK_SIGNING_KEY). */
  linkKey?: boolean;
  /** How long one message may take (the function's timeout). */
  timeoutSeconds: number;
  /** Deliveries before a message goes to the dead-letter queue. */
  maxReceiveCount: number;
  /** Other queues the worker sends to (besides its own). */
  sends?: readonly QueueName[];
  /** The roster bucket, as on RouteDef (issue 10). */
  rosterBucket?: 'write' | 'read';
  /** S3 sends the roster bucket's object-created events under mis/ ending .zip to this queue (issue 10). */
  rosterDrops?: true;
  /**
   * The nested stack of the queue, its dead-letter queue and its worker
   * (default: the queue in the API stack, the worker in `queue workers`):
   * beside a bucket it reads or is notified by, so grants and notifications
   * name it within one stack.
   */
  group?: string;
}

export const queues: QueueDef[] = [
  {
    name: 'imports', handler: 'functions/users/import-worker.ts', env: 'IMPORT_QUEUE_URL', table: 'write',
    cognito: ['AdminCreateUser', 'AdminGetUser', 'AdminDeleteUser', 'AdminUpdateUserAttributes'], ses: true,
    timeoutSeconds: 300, maxReceiveCount: 3,
  },
  {
    // One message per event with someone to email at once; the notify job's sweep sends whatever a lost message left.
    name: 'notifications', handler: 'functions/notifications/notify-job.ts', env: 'NOTIFY_QUEUE_URL', table: 'write', ses: true, linkKey: true,
    timeoutSeconds: 60, maxReceiveCount: 5,
  },
  {
    // One message per school run; the run is claimed before it applies anything, so a second delivery does nothing.
    name: 'mis-runs', handler: 'functions/mis/run-worker.ts', env: 'MIS_RUN_QUEUE_URL', table: 'write',
    cognito: ['AdminCreateUser', 'AdminGetUser', 'AdminDeleteUser', 'AdminUpdateUserAttributes', 'AdminDisableUser', 'AdminEnableUser', 'AdminUserGlobalSignOut'], ses: true,
    timeoutSeconds: 900, maxReceiveCount: 2, sends: ['notifications'],
    // Issue 10: reads the rosters; beside the roster bucket, in the MIS sync functions' stack.
    rosterBucket: 'read', group: 'MIS sync',
  },
  {
    // Issue 10: the roster bucket's object-created events (S3 sends them); each dropped zip queues its school's run on mis-runs.
    name: 'mis-rosters', handler: 'functions/mis/roster-dropped.ts', env: 'MIS_ROSTER_QUEUE_URL', table: 'write',
    timeoutSeconds: 60, maxReceiveCount: 5, sends: ['mis-runs'], rosterDrops: true, group: 'MIS sync',
  },
];
