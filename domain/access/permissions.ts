/**
 * The permission catalogue: every code the platform and the school apps on top
 * of it may ask about, in one place. A code that is not listed here grants
 * nothing anywhere (the decision engine answers `no_grant`), so a role that
 * still names a retired code simply stops conferring it.
 */

export type PermissionArea =
  | 'administration'
  | 'safeguarding'
  | 'feedback'
  | 'appraisal'
  | 'coaching'
  | 'curriculum'
  | 'behaviour'
  | 'pastoral'
  | 'first_aid'
  | 'attendance'
  | 'nursery'
  | 'parents';

export interface PermissionDef {
  readonly code: string;
  readonly description: string;
  readonly area: PermissionArea;
  /** Takes effect only for a session that passed TOTP two-factor. */
  readonly requiresMfa: boolean;
  /** No preset other than Head Teacher carries it; granting it needs 2FA. */
  readonly reserved: boolean;
}

function permission<C extends string>(
  code: C,
  area: PermissionArea,
  description: string,
  flags: { requiresMfa?: boolean; reserved?: boolean } = {},
): PermissionDef & { readonly code: C } {
  return Object.freeze({
    code,
    description,
    area,
    requiresMfa: flags.requiresMfa ?? false,
    reserved: flags.reserved ?? false,
  });
}

const definitions = [
  // Administration: the codes the API itself gates on (API.md).
  permission('org.manage', 'administration', 'Create, rename, move and delete clusters and schools'),
  permission('users.view', 'administration', 'See staff and parent accounts, their memberships and roles'),
  permission('users.create', 'administration', 'Create accounts and send invitations'),
  permission('users.edit', 'administration', 'Edit account details, memberships and parent–child links'),
  permission('users.deactivate', 'administration', 'Deactivate and reactivate accounts'),
  permission('users.unlock', 'administration', 'Unlock accounts locked after failed logins'),
  permission('users.reset_password', 'administration', 'Email a password reset link to someone else'),
  permission('users.reset_mfa', 'administration', "Turn off someone's two-factor sign-in after they lost their device"),
  permission('users.bulk', 'administration', 'Edit many accounts at once and import the users CSV'),
  permission('users.export', 'administration', 'Export accounts with their roles as CSV'),
  permission('roles.assign', 'administration', 'Assign and remove roles, within the delegation rules'),
  permission('roles.define', 'administration', 'Create and edit custom roles and the access matrix'),
  permission('audit.view', 'administration', 'Read the audit trail of changes'),
  permission('notifications.send', 'administration', 'Post notification events (concerns, incidents) for the people who may hear of them'),
  permission('reports.view', 'administration', 'Run and read reports'),
  permission('reports.schedule', 'administration', 'Schedule reports to be emailed to oneself'),
  permission('reports.manage_schedules', 'administration', "Manage other people's scheduled reports"),
  permission('integrations.manage', 'administration', "Create and delete other school apps' client credentials (in a 2FA session)"),

  // Safeguarding.
  permission('safeguarding.child_protection.view', 'safeguarding', 'Read child protection records and concerns', {
    requiresMfa: true,
  }),
  // Recording is every adult's duty (KCSIE) and reveals nothing already held, so it needs no 2FA.
  permission('safeguarding.child_protection.record', 'safeguarding', 'Record a child protection concern'),
  permission('safeguarding.allegations.manage', 'safeguarding', 'Handle allegations made against staff', {
    requiresMfa: true,
    reserved: true,
  }),
  permission('safeguarding.blocks.manage', 'safeguarding', 'Block a staff member from a pupil record'),

  // School apps.
  permission('feedback.give', 'feedback', 'Give feedback after a lesson observation or learning walk'),
  permission('feedback.view', 'feedback', 'Read the feedback given to staff'),
  permission('appraisal.manage', 'appraisal', 'Run staff appraisals: objectives, reviews and outcomes'),
  permission('appraisal.view', 'appraisal', 'Read staff appraisal records'),
  permission('coaching.manage', 'coaching', 'Run coaching programmes and record coaching sessions'),
  permission('coaching.view', 'coaching', 'Read coaching programmes and session notes'),
  permission('curricula.view', 'curriculum', 'Read curricula and schemes of work'),
  permission('curricula.manage', 'curriculum', 'Write and publish curricula and schemes of work'),
  permission('courses.view', 'curriculum', 'See courses and who is enrolled'),
  permission('courses.enrol', 'curriculum', 'Enrol pupils or staff on courses'),
  permission('classes.view', 'curriculum', 'See classes and their pupils'),
  permission('classes.enrol', 'curriculum', 'Put pupils into classes and move them between classes'),
  permission('tracks.view', 'curriculum', 'See learning tracks and who follows them'),
  permission('tracks.enrol', 'curriculum', 'Put pupils on learning tracks'),
  permission('behaviour.record', 'behaviour', 'Record behaviour incidents and rewards'),
  permission('behaviour.view', 'behaviour', 'Read behaviour records'),
  permission('pastoral.record', 'pastoral', 'Record pastoral notes and concerns'),
  permission('pastoral.view', 'pastoral', 'Read pastoral notes and concerns'),
  permission('first_aid.record', 'first_aid', 'Record first aid given and accidents'),
  permission('first_aid.view', 'first_aid', 'Read first aid and accident records'),
  permission('attendance.record', 'attendance', 'Take registers and record absences and lateness'),
  permission('attendance.view', 'attendance', 'Read attendance records and persistent-absence alerts'),
  permission('nursery.submissions.submit', 'nursery', 'Submit termly funding headcount submissions'),
  permission('nursery.submissions.approve', 'nursery', 'Approve or return funding headcount submissions'),
  permission('nursery.session_templates.manage', 'nursery', 'Manage the session templates a nursery offers'),
  permission('nursery.eligibility_codes.manage', 'nursery', 'Record and check funded-hours eligibility codes'),
  permission('children.view', 'parents', "A parent's view of their own children's records"),
  permission('children.absence.report', 'parents', 'Report an absence for one of their own children'),
] as const;

export type PermissionCode = (typeof definitions)[number]['code'];

/** Catalogue order groups codes by area; lists of effective permissions follow it. */
export const permissionCatalogue: readonly PermissionDef[] = Object.freeze([...definitions]);

export const permissionByCode: ReadonlyMap<string, PermissionDef> = new Map(
  permissionCatalogue.map((def) => [def.code, def]),
);

export function isPermissionCode(code: string): code is PermissionCode {
  return permissionByCode.has(code);
}

/** Position in the catalogue, for ordering lists of codes the same way everywhere. */
export const catalogueIndex: ReadonlyMap<string, number> = new Map(permissionCatalogue.map((def, i) => [def.code, i]));

/** Whether granting this code needs a caller session that passed 2FA. */
export function isSensitive(code: string): boolean {
  const def = permissionByCode.get(code);
  return def !== undefined && (def.requiresMfa || def.reserved);
}
