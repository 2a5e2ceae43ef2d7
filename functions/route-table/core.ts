import { auditPageSchema, auditQuerySchema } from '../audit/audit.schema';
import { batchBodySchema, checkSchema, decisionSchema } from '../authz/authz.schema';
import { challengeSchema, mfaBodySchema, totpSetupSchema, totpVerifyBodySchema } from '../auth/mfa.schema';
import {
  acceptInvitationBodySchema, confirmPasswordResetBodySchema, loginBodySchema, passwordResetBodySchema, refreshBodySchema, tokensSchema,
} from '../auth/auth.schema';
import { createNodeBodySchema, nodeListSchema, nodeSchema, updateNodeBodySchema } from '../nodes/node.schema';
import { accessMatrixSchema, createRoleBodySchema, permissionListSchema, putAccessMatrixBodySchema, roleListSchema, roleSchema, updateRoleBodySchema } from '../roles/role.schema';
import { idParamsSchema } from '../shared/schemas';
import * as z from '../shared/zod';
import { accessReportSchema, blockListSchema, blockSchema, childLinkSchema } from '../users/responses.schema';
import { assignmentParamsSchema, membershipParamsSchema, subjectParamsSchema, userParamsSchema } from '../users/params.schema';
import {
  accessQuerySchema, assignmentInputSchema, assignmentSchema, createUserBodySchema,
  membershipSchema, myPermissionsQuerySchema, putBlockBodySchema, putChildBodySchema, putMembershipBodySchema,
  updateUserBodySchema, userSchema,
} from '../users/user.schema';
import { linkFormSchema, linkQuerySchema } from '../pages/link-form.schema';
import { html, linkPageOutcomes, ok, sentSchema } from './responses';
import type { RouteDef } from './types';

/** Sign-in and the link pages, the tree, roles and the access matrix, people, decisions for other apps, the caller's own account, audit. */
export const coreRoutes: RouteDef[] = [
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
    method: 'POST', path: '/auth/login', handler: 'functions/auth/login.ts', auth: 'public', cognitoWithToken: ['SetUserMFAPreference'],
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
    method: 'POST', path: '/auth/invitations/accept', handler: 'functions/auth/accept-invitation.ts', auth: 'public', commonPasswords: true,
    summary: 'Accept an invitation: set the first password; the account becomes active', tag: 'Authentication', table: 'write', cognito: ['AdminSetUserPassword'],
    request: { body: acceptInvitationBodySchema },
    responses: { 200: ok(z.object({ email: z.string() })), 400: { description: 'weak_password or invalid_token' }, 410: { description: 'invitation_expired or token_used' } },
  },
  {
    method: 'POST', path: '/auth/password-reset', handler: 'functions/auth/password-reset.ts', auth: 'public',
    summary: 'Email a password-reset link (202 whatever the email): sent to an active or locked account, never to an invited or inactive one', tag: 'Authentication', table: 'write', ses: true,
    request: { body: passwordResetBodySchema },
    responses: { 202: ok(z.object({ status: z.literal('accepted') }), 'Accepted') },
  },
  {
    method: 'POST', path: '/auth/password-reset/confirm', handler: 'functions/auth/confirm-password-reset.ts', auth: 'public', commonPasswords: true,
    summary: 'Set a new password from a reset link; every session is signed out (a locked account stays locked until unlocked)', tag: 'Authentication', table: 'write', cognito: ['AdminSetUserPassword', 'AdminUserGlobalSignOut'], ses: true,
    request: { body: confirmPasswordResetBodySchema },
    responses: { 204: { description: 'Password changed' }, 400: { description: 'weak_password or invalid_token' }, 410: { description: 'token_expired or token_used' } },
  },
  {
    method: 'GET', path: '/invite', handler: 'functions/pages/invite-page.ts', auth: 'public',
    summary: 'The page an invitation link opens: a form to set the first password', tag: 'Pages', table: 'read',
    request: { query: linkQuerySchema },
    responses: { 200: html('HTML form'), ...linkPageOutcomes },
  },
  {
    method: 'POST', path: '/invite', handler: 'functions/pages/invite-submit.ts', auth: 'public', commonPasswords: true,
    summary: 'The invitation form post (form-encoded); answers an HTML page', tag: 'Pages', table: 'write', cognito: ['AdminSetUserPassword'],
    request: { body: linkFormSchema, bodyContentType: 'application/x-www-form-urlencoded' },
    responses: { 200: html('HTML outcome'), ...linkPageOutcomes },
  },
  {
    method: 'GET', path: '/reset-password', handler: 'functions/pages/reset-password-page.ts', auth: 'public',
    summary: 'The page a reset link opens: a form to choose a new password', tag: 'Pages', table: 'read',
    request: { query: linkQuerySchema },
    responses: { 200: html('HTML form'), ...linkPageOutcomes },
  },
  {
    method: 'POST', path: '/reset-password', handler: 'functions/pages/reset-password-submit.ts', auth: 'public', commonPasswords: true,
    summary: 'The reset form post (form-encoded); answers an HTML page', tag: 'Pages', table: 'write', cognito: ['AdminSetUserPassword', 'AdminUserGlobalSignOut'], ses: true,
    request: { body: linkFormSchema, bodyContentType: 'application/x-www-form-urlencoded' },
    responses: { 200: html('HTML outcome'), ...linkPageOutcomes },
  },
  {
    method: 'GET', path: '/nodes', handler: 'functions/nodes/list-nodes.ts', auth: 'user',
    summary: "The caller's whole organisation tree", tag: 'Organisation', table: 'read',
    responses: { 200: ok(nodeListSchema) },
  },
  {
    method: 'POST', path: '/nodes', handler: 'functions/nodes/create-node.ts', auth: 'user',
    summary: 'Add a cluster or school', tag: 'Organisation', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { body: createNodeBodySchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 201: ok(nodeSchema, 'Created'), 409: { description: 'name_taken' } },
  },
  {
    method: 'PATCH', path: '/nodes/{id}', handler: 'functions/nodes/update-node.ts', auth: 'user',
    summary: 'Rename, relabel or move a node (its subtree moves with it)', tag: 'Organisation', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { params: idParamsSchema, body: updateNodeBodySchema, ifMatch: true },
    responses: { 200: ok(nodeSchema), 403: { description: 'forbidden' }, 409: { description: 'cycle' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },
  {
    method: 'DELETE', path: '/nodes/{id}', handler: 'functions/nodes/delete-node.ts', auth: 'user',
    summary: 'Delete an empty node', tag: 'Organisation', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { params: idParamsSchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 204: { description: 'Deleted' }, 409: { description: 'not_empty, or node_in_use (an integration client is bound to it)' } },
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
    summary: 'Define a custom role (roles.define at the trust)', tag: 'Roles', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { body: createRoleBodySchema },
    responses: { 201: ok(roleSchema, 'Created'), 403: { description: 'forbidden; mfa_required (a sensitive permission, or the trust requires 2FA for admins); escalation: the role holds a permission you lack' }, 409: { description: 'name_taken' } },
  },
  {
    method: 'PATCH', path: '/roles/{id}', handler: 'functions/roles/update-role.ts', auth: 'user',
    summary: 'Change a custom role (built-ins are read-only)', tag: 'Roles', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { params: idParamsSchema, body: updateRoleBodySchema, ifMatch: true },
    responses: { 200: ok(roleSchema), 403: { description: 'forbidden or escalation' }, 409: { description: 'built_in_role' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },
  {
    method: 'DELETE', path: '/roles/{id}', handler: 'functions/roles/delete-role.ts', auth: 'user',
    summary: 'Delete a custom role nobody holds', tag: 'Roles', table: 'write', tableWrites: ['put', 'update', 'delete'],
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
    summary: 'Replace grants, all or nothing (If-Match: the matrix version)', tag: 'Roles', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { body: putAccessMatrixBodySchema, ifMatch: 'digest' },
    responses: { 200: ok(z.extend(accessMatrixSchema, { changed: z.number().check(z.int()) })), 403: { description: 'forbidden or escalation' }, 409: { description: 'built_in_role' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
  },
  {
    method: 'POST', path: '/users', handler: 'functions/users/create-user.ts', auth: 'user',
    summary: 'Create an account with its memberships and roles; emails the invitation', tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'delete'], cognito: ['AdminCreateUser', 'AdminGetUser', 'AdminDeleteUser'], ses: true,
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
    summary: 'Edit profile fields (If-Match); an email change moves the login too and notifies the old address', tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'delete'], cognito: ['AdminUpdateUserAttributes'], ses: true,
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
    summary: 'Email the person a password-reset link: for an active or locked account (a locked one stays locked; the new password works once it is unlocked)', tag: 'Users', table: 'write', ses: true,
    request: { params: userParamsSchema },
    responses: { 202: ok(sentSchema, 'Sent'), 403: { description: 'outranked or mfa_required' }, 409: { description: 'not_active: the account is invited (the invitation sets the first password) or inactive' } },
  },
  {
    method: 'PUT', path: '/users/{id}/memberships/{nodeId}', handler: 'functions/users/put-membership.ts', auth: 'user',
    summary: 'Place a person at a node or change the placement', tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { params: membershipParamsSchema, body: putMembershipBodySchema },
    responses: { 200: ok(membershipSchema), 403: { description: 'forbidden or self_change' }, 409: { description: 'primary_required' } },
  },
  {
    method: 'DELETE', path: '/users/{id}/memberships/{nodeId}', handler: 'functions/users/delete-membership.ts', auth: 'user',
    summary: 'Remove a placement (the oldest other one becomes primary)', tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { params: membershipParamsSchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 204: { description: 'Removed' } },
  },
  {
    method: 'POST', path: '/users/{id}/roles', handler: 'functions/users/add-role.ts', auth: 'user',
    summary: 'Give a person a role at a node', tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { params: userParamsSchema, body: assignmentInputSchema },
    responses: { 201: ok(assignmentSchema, 'Created'), 403: { description: 'forbidden, escalation, mfa_required or self_change' }, 409: { description: 'not_a_member' } },
  },
  {
    method: 'DELETE', path: '/users/{id}/roles/{assignmentId}', handler: 'functions/users/remove-role.ts', auth: 'user',
    summary: 'Take a role away', tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'delete'],
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
    summary: "Block a person from one pupil's record", tag: 'Safeguarding', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { params: subjectParamsSchema, body: putBlockBodySchema },
    responses: { 200: ok(blockSchema, 'The block'), 403: { description: 'forbidden or self_change' }, 409: { description: 'blocked_elsewhere: another school (you do not manage blocks there) already blocked this person from this pupil' } },
  },
  {
    method: 'DELETE', path: '/users/{id}/blocks/{subjectId}', handler: 'functions/users/delete-block.ts', auth: 'user',
    summary: 'Lift a block', tag: 'Safeguarding', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { params: subjectParamsSchema },
    responses: { 204: { description: 'Lifted' }, 403: { description: 'forbidden or self_change' } },
  },
  {
    method: 'PUT', path: '/users/{id}/children/{subjectId}', handler: 'functions/users/put-child.ts', auth: 'user',
    summary: 'Link a parent to a pupil', tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'delete'],
    request: { params: subjectParamsSchema, body: putChildBodySchema },
    responses: { 403: { description: 'forbidden (the permission is missing here) or mfa_required' }, 200: ok(childLinkSchema, 'The link'), 409: { description: 'not_a_parent, or linked_elsewhere: the pupil is linked at another school where you lack users.edit' } },
  },
  {
    method: 'DELETE', path: '/users/{id}/children/{subjectId}', handler: 'functions/users/delete-child.ts', auth: 'user',
    summary: 'Unlink a parent from a pupil', tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'delete'],
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
      200: ok(decisionSchema), 403: { description: 'mfa_required: asking about others needs users.view, which the trust may reserve to 2FA sessions; forbidden: asking about someone else and a pupil (subjectId) needs safeguarding.blocks.manage at the node too' },
      404: { description: 'not_found: a person outside your reach (asking about yourself needs nothing)' },
    },
  },
  {
    method: 'POST', path: '/authz/batch', handler: 'functions/authz/batch.ts', auth: 'user', clientScope: 'authz.check',
    summary: 'Up to 100 checks, answered in order (an entry outside your reach: error not_found; about a node not in the trust: error unknown_node; about someone else and a pupil without safeguarding.blocks.manage there: error forbidden)', tag: 'Decisions', table: 'read',
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
    summary: 'Second sign-in step: the TOTP code for the session the login answered', tag: 'Authentication', table: 'write', tableWrites: ['put', 'update', 'delete'], cognito: ['RespondToAuthChallenge'], ses: true,
    request: { body: mfaBodySchema },
    responses: { 200: ok(tokensSchema), 401: { description: 'invalid_mfa_code (counts as a failed login) or invalid_mfa_session' }, 423: { description: 'account_locked' } },
  },
  {
    method: 'POST', path: '/auth/logout', handler: 'functions/auth/logout.ts', auth: 'user',
    summary: 'Sign out every session of the caller (their refresh tokens too)', tag: 'Authentication', table: 'write', cognito: ['AdminUserGlobalSignOut'],
    responses: { 204: { description: 'Signed out' } },
  },
  {
    method: 'POST', path: '/me/mfa/totp/setup', handler: 'functions/me/setup-totp.ts', auth: 'user', cognitoWithToken: ['AssociateSoftwareToken'],
    summary: "Start TOTP set-up: a secret for the caller's authenticator app", tag: 'The caller', table: 'read',
    responses: { 200: ok(totpSetupSchema), 403: { description: 'recent_sign_in_required (the session signed in more than 15 minutes ago: sign in again)' }, 409: { description: 'mfa_already_enabled (TOTP is on: turn it off with a current code first, or ask an admin for a 2FA reset)' } },
  },
  {
    method: 'POST', path: '/me/mfa/totp/verify', handler: 'functions/me/verify-totp.ts', auth: 'user', cognitoWithToken: ['VerifySoftwareToken', 'SetUserMFAPreference'],
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
];
