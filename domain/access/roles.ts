import { InvalidInputError, type FieldError } from '../errors';
import type { NodeKind } from '../org/tree';
import { catalogueIndex, permissionByCode, permissionCatalogue, type PermissionCode } from './permissions';

/**
 * Where a role is meant to be assigned. `trust`: the trust root only;
 * `cluster`: a cluster node; `school`: a school node; `any`: anywhere.
 * It is an assignment-time rule (checkAssign enforces it); a stored
 * assignment is never second-guessed by the decision engine.
 */
export type RoleScope = 'trust' | 'cluster' | 'school' | 'any';

export interface Role {
  id: string;
  name: string;
  description: string;
  scope: RoleScope;
  permissions: string[];
  /** Roles a holder may assign (with `roles.assign`) without holding their permissions. */
  assignableRoles: string[];
  builtIn: boolean;
  version: number;
}

export const presetIds = {
  trustAdmin: 'preset-trust-admin',
  trustReportViewer: 'preset-trust-report-viewer',
  clusterAdministrator: 'preset-cluster-administrator',
  curriculumAdministrator: 'preset-curriculum-administrator',
  schoolAdmin: 'preset-school-admin',
  staff: 'preset-staff',
  teacher: 'preset-teacher',
  teachingAssistant: 'preset-teaching-assistant',
  designatedSafeguardingLead: 'preset-designated-safeguarding-lead',
  headTeacher: 'preset-head-teacher',
  headOffice: 'preset-head-office',
  nurseryManager: 'preset-nursery-manager',
  parent: 'preset-parent',
} as const;

export type PresetId = (typeof presetIds)[keyof typeof presetIds];

const allPresetIds: PresetId[] = Object.values(presetIds);

/** Every adult who works with children records concerns and incidents; that is the whole baseline. */
const staffBaseline: PermissionCode[] = [
  'safeguarding.child_protection.record',
  'behaviour.record',
  'pastoral.record',
  'first_aid.record',
  'feedback.give',
  'curricula.view',
  'courses.view',
];

const accountAdministration: PermissionCode[] = [
  'users.view',
  'users.create',
  'users.edit',
  'users.deactivate',
  'users.unlock',
  'users.reset_password',
  'users.bulk',
  'users.export',
  'roles.assign',
  'audit.view',
  'reports.view',
  'reports.schedule',
];

/** What a school or cluster admin may hand out in their reach (API.md). */
const localAssignable: PresetId[] = [
  presetIds.staff,
  presetIds.teacher,
  presetIds.teachingAssistant,
  presetIds.nurseryManager,
  presetIds.parent,
];

interface PresetSpec {
  id: PresetId;
  name: string;
  description: string;
  scope: RoleScope;
  permissions: readonly string[];
  assignableRoles: readonly PresetId[];
}

const presetSpecs: readonly PresetSpec[] = [
  {
    id: presetIds.trustAdmin,
    name: 'Trust Admin',
    description: 'Runs the whole trust: every permission except the reserved ones',
    scope: 'trust',
    // Its safeguarding codes that require 2FA still work only after 2FA: the engine, not the preset, enforces that.
    permissions: permissionCatalogue.filter((def) => !def.reserved).map((def) => def.code),
    assignableRoles: allPresetIds,
  },
  {
    id: presetIds.trustReportViewer,
    name: 'Trust Report Viewer',
    description: 'Reads reports across the trust',
    scope: 'trust',
    permissions: ['users.view', 'reports.view', 'reports.schedule'],
    assignableRoles: [],
  },
  {
    id: presetIds.clusterAdministrator,
    name: 'Cluster Administrator',
    description: 'Administers the schools and accounts of a cluster and its sub-clusters',
    scope: 'cluster',
    permissions: ['org.manage', ...accountAdministration],
    assignableRoles: [...localAssignable, presetIds.schoolAdmin],
  },
  {
    id: presetIds.curriculumAdministrator,
    name: 'Curriculum Administrator',
    description: 'Writes curricula and organises courses, classes and tracks',
    scope: 'any',
    permissions: [
      'curricula.view',
      'curricula.manage',
      'courses.view',
      'courses.enrol',
      'classes.view',
      'classes.enrol',
      'tracks.view',
      'tracks.enrol',
      'reports.view',
    ],
    assignableRoles: [],
  },
  {
    id: presetIds.schoolAdmin,
    name: 'School Admin',
    description: "Administers a school's accounts, classes and enrolments",
    scope: 'school',
    permissions: [
      ...accountAdministration,
      'classes.view',
      'classes.enrol',
      'courses.view',
      'courses.enrol',
      'tracks.view',
      'tracks.enrol',
    ],
    assignableRoles: localAssignable,
  },
  {
    id: presetIds.staff,
    name: 'Staff',
    description: 'Every member of staff: record concerns and incidents, read the curriculum',
    scope: 'any',
    permissions: staffBaseline,
    assignableRoles: [],
  },
  {
    id: presetIds.teacher,
    name: 'Teacher',
    description: 'Teaches classes: the staff baseline plus classes, behaviour and feedback',
    scope: 'any',
    permissions: [
      ...staffBaseline,
      'classes.view',
      'tracks.view',
      'behaviour.view',
      'attendance.record',
      'attendance.view',
      'feedback.view',
      'coaching.view',
    ],
    assignableRoles: [],
  },
  {
    id: presetIds.teachingAssistant,
    name: 'Teaching Assistant',
    description: 'Supports classes: the staff baseline plus classes and behaviour',
    scope: 'any',
    permissions: [...staffBaseline, 'classes.view', 'behaviour.view'],
    assignableRoles: [],
  },
  {
    id: presetIds.designatedSafeguardingLead,
    name: 'Designated Safeguarding Lead',
    description: 'Leads safeguarding: child protection records, record blocks, pastoral and behaviour',
    scope: 'any',
    permissions: [
      'users.view',
      'safeguarding.child_protection.view',
      'safeguarding.child_protection.record',
      'safeguarding.blocks.manage',
      'pastoral.view',
      'pastoral.record',
      'behaviour.view',
      'behaviour.record',
      'first_aid.view',
      'first_aid.record',
      'attendance.view',
    ],
    assignableRoles: [],
  },
  {
    id: presetIds.headTeacher,
    name: 'Head Teacher',
    description: 'Leads a school, including allegations against staff',
    scope: 'school',
    permissions: [
      ...staffBaseline,
      'users.view',
      'users.export',
      'audit.view',
      'reports.view',
      'reports.schedule',
      'safeguarding.child_protection.view',
      'safeguarding.allegations.manage',
      'safeguarding.blocks.manage',
      'appraisal.manage',
      'appraisal.view',
      'coaching.manage',
      'coaching.view',
      'feedback.view',
      'behaviour.view',
      'pastoral.view',
      'first_aid.view',
      'attendance.view',
      'classes.view',
      'tracks.view',
    ],
    assignableRoles: [],
  },
  {
    id: presetIds.headOffice,
    name: 'Head Office',
    description: 'The central team: accounts, reports and nursery funding across the trust',
    scope: 'trust',
    permissions: [
      ...accountAdministration,
      // A lost authenticator is recovered centrally (Trust Admin holds it too), never by a school's own admin.
      'users.reset_mfa',
      'reports.manage_schedules',
      'nursery.submissions.approve',
      'nursery.session_templates.manage',
      'nursery.eligibility_codes.manage',
    ],
    assignableRoles: allPresetIds,
  },
  {
    id: presetIds.nurseryManager,
    name: 'Nursery Manager',
    description: 'Runs a nursery: funding submissions, sessions and eligibility codes',
    scope: 'school',
    permissions: [
      ...staffBaseline,
      'users.view',
      'behaviour.view',
      'first_aid.view',
      'attendance.record',
      'attendance.view',
      'nursery.submissions.submit',
      'nursery.session_templates.manage',
      'nursery.eligibility_codes.manage',
    ],
    assignableRoles: [],
  },
  {
    id: presetIds.parent,
    name: 'Parent',
    description: 'A parent or carer: sees only their own children',
    scope: 'school',
    permissions: ['children.view', 'children.absence.report'],
    assignableRoles: [],
  },
];

function inCatalogueOrder(codes: Iterable<string>): string[] {
  return [...new Set(codes)].sort((a, b) => (catalogueIndex.get(a) ?? Infinity) - (catalogueIndex.get(b) ?? Infinity));
}

/** The presets every trust starts with, as fresh copies a caller may store or change freely. */
export function presetRoles(): Role[] {
  return presetSpecs.map((spec) => ({
    id: spec.id,
    name: spec.name,
    description: spec.description,
    scope: spec.scope,
    permissions: inCatalogueOrder(spec.permissions),
    assignableRoles: [...spec.assignableRoles],
    builtIn: true,
    version: 1,
  }));
}

export function rolesById(roles: Iterable<Role>): Map<string, Role> {
  return new Map([...roles].map((role) => [role.id, role]));
}

/** Whether a role of this scope may be assigned at a node of this kind. */
export function scopeAllows(scope: RoleScope, kind: NodeKind): boolean {
  return scope === 'any' || scope === kind;
}

/**
 * Checks a custom role's permissions and assignable roles against what
 * exists, naming every bad entry at once so an admin fixes the matrix in one
 * go. Returns the lists de-duplicated (permissions in catalogue order), so
 * two equal definitions store equally. A role may list itself as assignable:
 * that is how a trust builds a "deputy" that can appoint other deputies.
 */
export function validateRoleDefinition(
  input: { permissions: readonly string[]; assignableRoles: readonly string[] },
  knownRoleIds: Iterable<string>,
): { permissions: string[]; assignableRoles: string[] } {
  const known = knownRoleIds instanceof Set ? (knownRoleIds as ReadonlySet<string>) : new Set(knownRoleIds);
  const permissionErrors: FieldError[] = [];
  input.permissions.forEach((code, i) => {
    if (!permissionByCode.has(code)) permissionErrors.push({ path: `permissions[${i}]`, message: `unknown permission "${code}"` });
  });
  const roleErrors: FieldError[] = [];
  input.assignableRoles.forEach((id, i) => {
    if (!known.has(id)) roleErrors.push({ path: `assignableRoles[${i}]`, message: `unknown role "${id}"` });
  });
  if (permissionErrors.length > 0 || roleErrors.length > 0) {
    const code = permissionErrors.length > 0 ? 'unknown_permission' : 'unknown_role';
    throw new InvalidInputError(code, 'The role names permissions or roles that do not exist', [
      ...permissionErrors,
      ...roleErrors,
    ]);
  }
  return { permissions: inCatalogueOrder(input.permissions), assignableRoles: [...new Set(input.assignableRoles)] };
}
