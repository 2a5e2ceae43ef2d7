import { totpVerifyBodySchema } from '../auth/mfa.schema';
import { idParamsSchema } from '../shared/schemas';
import {
  createdIntegrationSchema, createIntegrationBodySchema, integrationListQuerySchema, integrationListSchema, oauthErrorSchema, tokenRequestSchema, tokenResponseSchema,
} from '../integrations/integration.schema';
import { bulkEditBodySchema, bulkEditResponseSchema } from '../users/bulk.schema';
import * as z from '../shared/zod';
import { exportUsersQuerySchema, listUsersQuerySchema, storedExportSchema, userSummaryPageSchema } from '../users/directory.schema';
import { createScheduleBodySchema, scheduleListQuerySchema, scheduleListSchema, scheduleSchema, updateScheduleBodySchema } from '../reports/schedule.schema';
import { MAX_SCHEDULES_PER_TRUST } from '../../domain/reports/schedule';
import { reportCatalogueSchema, reportNameParamsSchema, reportQuerySchema, reportResultSchema } from '../reports/report.schema';
import { reportFileParamsSchema, reportFileQuerySchema, reportFileRedirectSchema } from '../reports/report.schema';
import { applyImportBodySchema, csvFileSchema, importParamsSchema, importPreviewSchema, importProgressSchema, importQuerySchema, importStartedSchema } from '../users/import.schema';
import { trustSettingsSchema, updateTrustSettingsBodySchema } from '../trust/settings.schema';
import { categoryListSchema, eventAcceptedSchema, feedQuerySchema, feedSchema, postEventBodySchema, preferencesSchema, putPreferencesBodySchema } from '../notifications/notification.schema';
import {
  misRunListSchema, misRunSchema, misSettingsSchema, putMisSettingsBodySchema, rosterBodySchema, rosterStoredSchema, runIdParamsSchema, runListQuerySchema, runStartedSchema, startRunBodySchema,
} from '../mis/mis.schema';
import { unsubscribeQuerySchema } from '../notifications/unsubscribe.schema';
import { userParamsSchema } from '../users/params.schema';
import { html, ok } from './responses';
import type { RouteDef } from './types';

/** The 2FA lifecycle and trust settings, notifications, MIS roster sync, integration clients, the directory, bulk edit and CSV import, reports. */
export const featureRoutes: RouteDef[] = [
  {
    method: 'DELETE', path: '/me/mfa/totp', handler: 'functions/me/delete-totp.ts', auth: 'user', cognitoWithToken: ['VerifySoftwareToken', 'SetUserMFAPreference'],
    summary: 'Turn TOTP off with a current code (not while roles or the trust require 2FA)', tag: 'The caller', table: 'write', ses: true,
    request: { body: totpVerifyBodySchema },
    responses: {
      204: { description: 'TOTP is off' }, 400: { description: 'invalid_mfa_code (counts as a failed login)' },
      403: { description: 'mfa_required: only a session that passed TOTP may turn it off' }, 409: { description: 'mfa_required_by_role' },
    },
  },
  {
    method: 'POST', path: '/users/{id}/mfa/reset', handler: 'functions/users/reset-mfa.ts', auth: 'user',
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
    summary: "Set the caller's delivery per category and digest hour (If-Match: the preferences version, 0 before the first save)", tag: 'Notifications', table: 'write', tableWrites: ['put'],
    request: { body: putPreferencesBodySchema, ifMatch: true },
    responses: { 200: ok(preferencesSchema), 403: { description: 'mfa_required: changing a safeguarding category needs a session that passed 2FA' }, 412: { description: 'version_conflict' }, 428: { description: 'precondition_required: no If-Match' } },
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
    request: { query: unsubscribeQuerySchema },
    responses: { 200: html('What the link stops and its button; for a safeguarding or account-security category, a page saying to sign in instead (no button)'), 400: html('The link is not valid'), 500: html('Something went wrong, as a page'), 503: html('timeout: it took too long, as a page') },
  },
  {
    method: 'POST', path: '/notifications/unsubscribe', handler: 'functions/notifications/unsubscribe-submit.ts', auth: 'public',
    summary: 'RFC 8058 one-click unsubscribe (List-Unsubscribe=One-Click): the category goes off for that person', tag: 'Notifications', table: 'write', tableWrites: ['put'], linkKey: true,
    request: { query: unsubscribeQuerySchema, body: z.object({ 'List-Unsubscribe': z.optional(z.string()), from: z.optional(z.string()) }), bodyContentType: 'application/x-www-form-urlencoded' },
    responses: { 204: { description: 'Unsubscribed (one-click)' }, 200: html('Unsubscribed (from the page)'), 400: { description: 'validation_failed: query.token longer than any link carries; invalid_token: the link is not genuine; sign_in_required: a safeguarding or account security category, turned off only signed in' } },
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
    summary: "Save a school's roster sync settings; the mapped roles must be ones the caller may grant there. If-Match: the settings version (\"0\" the first time); without it the save only creates the first settings (412 version_conflict if they were saved meanwhile, 428 once they exist)", tag: 'MIS sync', table: 'write', tableWrites: ['put'],
    request: { params: idParamsSchema, body: putMisSettingsBodySchema, ifMatch: 'create' },
    responses: { 200: ok(misSettingsSchema), 403: { description: 'forbidden, escalation (a mapped role the caller may not grant) or mfa_required' }, 404: { description: 'not_found' }, 412: { description: 'version_conflict: If-Match is not the current version, or (no If-Match) settings were saved meanwhile' }, 428: { description: 'precondition_required: no If-Match, and settings exist' } },
  },

  // Issue 11: integration clients (other school apps' client credentials).
  {
    method: 'POST', path: '/integrations', handler: 'functions/integrations/create-integration.ts', auth: 'user',
    summary: "Create another school app's client credentials, bound to a node and scopes; the secret is in this answer only (integrations.manage at the trust, 2FA session)", tag: 'Integrations', table: 'write', tableWrites: ['put'], cognito: ['CreateUserPoolClient', 'DeleteUserPoolClient'],
    request: { body: createIntegrationBodySchema },
    responses: { 201: ok(createdIntegrationSchema, 'Created'), 403: { description: 'forbidden, mfa_required, or escalation (your own integrations.manage has an end date; a client has none)' } },
  },
  {
    method: 'GET', path: '/integrations', handler: 'functions/integrations/list-integrations.ts', auth: 'user',
    summary: "The trust's integration clients (never a secret)", tag: 'Integrations', table: 'read',
    request: { query: integrationListQuerySchema },
    responses: { 200: ok(integrationListSchema), 403: { description: 'forbidden or mfa_required' } },
  },
  {
    method: 'DELETE', path: '/integrations/{id}', handler: 'functions/integrations/delete-integration.ts', auth: 'user',
    summary: "Delete a client: its live tokens stop working at once", tag: 'Integrations', table: 'write', tableWrites: ['put', 'delete'], cognito: ['DeleteUserPoolClient'],
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
    summary: 'Import the users CSV: ?dryRun=true with the file (text/csv) previews a plan; { planId } applies it in the background (202)', tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'batchWrite'],
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
    tag: 'Users', table: 'write', tableWrites: ['put', 'update', 'delete'], cognito: ['AdminDisableUser', 'AdminEnableUser', 'AdminUserGlobalSignOut'], ses: true, timeoutSeconds: 29,
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
    summary: 'One report at nodeId (default the trust), cut to your reach of reports.view ∩ users.view (∩ users.export for the users report as CSV), as JSON or CSV (the export\'s rules); a large answer is stored and answered with a short-lived link',
    tag: 'Users', table: 'read', exportBucket: true, timeoutSeconds: 29,
    request: { params: reportNameParamsSchema, query: reportQuerySchema },
    responses: {
      200: { description: '`{ columns, rows, generatedAt }`, or with format=csv the CSV, `Content-Disposition: attachment; filename="<report>-<date>.csv"`', schema: reportResultSchema, alsoAs: { 'text/csv': z.string() } },
      303: ok(storedExportSchema, 'Larger than EXPORT_INLINE_MAX_BYTES: stored, `Location` (and `url`) is a presigned download that works for EXPORT_URL_TTL_SECONDS'),
      400: { description: 'validation_failed naming each bad parameter (query.<name>)' },
      403: { description: 'forbidden (no reports.view, users.view, or for the users CSV users.export, in the subtree of nodeId: the title names the first missing) or mfa_required' },
      404: { description: 'not_found: no such report' },
    },
  },  {
    method: 'POST', path: '/report-schedules', handler: 'functions/reports/create-schedule.ts', auth: 'user',
    summary: 'Schedule a report to be emailed (daily, weekly on dayOfWeek 0-6, monthly on dayOfMonth 1-28, at hour in the trust time zone) to recipients who may view it', tag: 'Users', table: 'write', tableWrites: ['put'],
    request: { body: createScheduleBodySchema },
    responses: {
      201: ok(scheduleSchema, 'The schedule (ETag: its version)'),
      400: { description: 'validation_failed (params.<name>, body.dayOfWeek…) or recipient_cannot_view naming each recipient without reports.view and users.view (users.export too for the users report) at the node; a recipient outside your users.view reach is answered exactly as an id that does not exist' },
      403: { description: 'forbidden: reports.schedule at params.nodeId' },
      409: { description: `schedule_limit: the trust holds ${MAX_SCHEDULES_PER_TRUST} schedules already (the most it may); delete one first` },
    },
  },
  {
    method: 'GET', path: '/report-schedules', handler: 'functions/reports/list-schedules.ts', auth: 'user',
    summary: 'Your schedules (with reports.schedule at their node) and anyone\'s at a node in your reach of reports.manage_schedules, oldest first, a page (?limit=, ?cursor=)', tag: 'Users', table: 'read',
    request: { query: scheduleListQuerySchema },
    responses: { 200: ok(scheduleListSchema), 400: { description: 'validation_failed (limit) or invalid_cursor' } },
  },
  {
    method: 'PATCH', path: '/report-schedules/{id}', handler: 'functions/reports/update-schedule.ts', auth: 'user',
    summary: 'Change a schedule you may manage (If-Match: its version), checked as a new one', tag: 'Users', table: 'write', tableWrites: ['put'],
    request: { params: idParamsSchema, body: updateScheduleBodySchema, ifMatch: true },
    responses: {
      200: ok(scheduleSchema),
      400: { description: 'validation_failed or recipient_cannot_view (as POST: a recipient outside your users.view reach is answered exactly as an id that does not exist)' },
      403: { description: 'forbidden: reports.schedule at the new node' },
      404: { description: 'not_found: no such schedule you may manage' },
    },
  },
  {
    method: 'DELETE', path: '/report-schedules/{id}', handler: 'functions/reports/delete-schedule.ts', auth: 'user',
    summary: 'Delete a schedule you may manage', tag: 'Users', table: 'write', tableWrites: ['put', 'delete'],
    request: { params: idParamsSchema },
    responses: { 204: { description: 'Deleted' }, 404: { description: 'not_found: no such schedule you may manage' } },
  },
  // ---- MIS roster sync: rosters and runs (issue 10) ----
  {
    method: 'PUT', path: '/nodes/{id}/mis/roster', handler: 'functions/mis/put-roster.ts', auth: 'user', rosterBucket: 'write',
    summary: "Store a school's OneRoster 1.2 CSV bundle (a zip, at most 6 MB through the API) for its next run (org.manage at the school)", tag: 'MIS sync', table: 'write', tableWrites: ['put'],
    request: { params: idParamsSchema, body: rosterBodySchema, bodyContentType: 'application/zip' },
    responses: {
      202: ok(rosterStoredSchema, 'Accepted: kept for the next run'), 400: { description: 'not_a_school or invalid_bundle (not a zip)' },
      403: { description: 'forbidden' }, 404: { description: 'not_found' }, 413: { description: 'payload_too_large: over 6 MB' },
    },
  },
  {
    method: 'POST', path: '/nodes/{id}/mis/runs', handler: 'functions/mis/start-run.ts', auth: 'user',
    summary: "Run the school's sync now, or a dry run (org.manage at the school); follow GET /mis/runs/{runId}", tag: 'MIS sync', table: 'write', tableWrites: ['put'], queues: ['mis-runs'],
    request: { params: idParamsSchema, body: startRunBodySchema },
    responses: { 202: ok(runStartedSchema, 'Accepted: queued'), 403: { description: 'forbidden' }, 404: { description: 'not_found: no such node, or no settings saved yet' } },
  },
  {
    method: 'GET', path: '/nodes/{id}/mis/runs', handler: 'functions/mis/list-runs.ts', auth: 'user',
    summary: "The school's sync runs, newest first, a page of `limit` (default 50; fewer when 4 MB of runs come first) with `nextCursor` (users.view at the school)", tag: 'MIS sync', table: 'read',
    request: { params: idParamsSchema, query: runListQuerySchema },
    responses: { 200: ok(misRunListSchema), 400: { description: 'validation_failed or invalid_cursor' }, 403: { description: 'forbidden' }, 404: { description: 'not_found' } },
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
  // ---- Review E, E4: the emailed link of a scheduled report too large to attach ----
  {
    method: 'GET', path: '/reports/files/{fileId}', handler: 'functions/reports/get-report-file.ts', auth: 'public',
    summary: 'The link a scheduled report\'s email carries when the CSV is too large to attach (signed, works 7 days while the recipient may still read that report: listed by its schedule, active, the report\'s codes at its node): 303 to a fresh short-lived download',
    tag: 'Users', table: 'read', linkKey: true, reportFiles: 'read',
    request: { params: reportFileParamsSchema, query: reportFileQuerySchema },
    responses: {
      303: ok(reportFileRedirectSchema, '`Location` (and `url`) is a presigned download of the stored CSV that works for EXPORT_URL_TTL_SECONDS; follow the link again for a new one'),
      400: { description: 'validation_failed: e or s missing or malformed' },
      403: { description: 'invalid_link: not a link this service gave out (forged, or any part altered); forbidden: the recipient may no longer read that report (the schedule is deleted or no longer lists them, their account is not active, or they no longer hold the report\'s codes at its node as the send required), one answer for every reason' },
      410: { description: 'link_expired: a genuine link past its expiry (e)' },
    },
  },
];
