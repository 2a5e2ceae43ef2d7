import { presetIds } from '../access/roles';
import { nameProblem, TEXT_LIMITS } from '../text-rules';
import { GUARDIAN_ROLES, STAFF_ROLES, type Roster, type RosterRole, type RosterUser } from './oneroster';
import type { MisSettings } from './plan';

/**
 * Reading a OneRoster bundle for one school (the planner's input side,
 * domain/mis/plan.ts): who the roster places at the school today and who it
 * says has gone, the roles and job title each row maps to, and the names it
 * gives, checked by the rule every write path uses.
 */

const JOB_TITLES: Record<string, string> = {
  teacher: 'Teacher', aide: 'Teaching Assistant', principal: 'Head Teacher', siteAdministrator: 'School Administrator',
  districtAdministrator: 'Trust Administrator', systemAdministrator: 'Systems Administrator', counselor: 'Counsellor',
  proctor: 'Invigilator', guardian: 'Parent/Carer', parent: 'Parent/Carer', relative: 'Relative',
};

export const isGuardian = (role: string) => (GUARDIAN_ROLES as readonly string[]).includes(role);
export const isStaff = (role: string) => (STAFF_ROLES as readonly string[]).includes(role) || role.startsWith('ext:');

export function jobTitle(role: string): string {
  return JOB_TITLES[role] ?? role.replace(/^ext:/, '');
}

export const day = (value: string) => value.slice(0, 10);

/** A role row that places the person at the school today. */
export function current(role: RosterRole, orgSourcedId: string, today: string): boolean {
  if (role.orgSourcedId !== orgSourcedId || role.status === 'tobedeleted') return false;
  if (role.beginDate && day(role.beginDate) > today) return false;
  if (role.endDate && day(role.endDate) < today) return false;
  return true;
}

export interface Listed {
  sourcedId: string;
  user?: RosterUser;
  roles: RosterRole[];
}

/** Everyone the roster places at this school today, by sourcedId, and everyone it says has gone. */
export function listing(settings: MisSettings, roster: Roster, today: string) {
  const users = new Map(roster.users.map((u) => [u.sourcedId, u]));
  const listed = new Map<string, Listed>();
  const gone = new Set<string>();
  for (const role of roster.roles) {
    if (role.orgSourcedId !== settings.orgSourcedId) continue;
    if (!isStaff(role.role) && !(settings.parents && isGuardian(role.role))) continue;
    if (!current(role, settings.orgSourcedId, today)) {
      gone.add(role.userSourcedId);
      continue;
    }
    const entry = listed.get(role.userSourcedId) ?? { sourcedId: role.userSourcedId, user: users.get(role.userSourcedId), roles: [] };
    entry.roles.push(role);
    listed.set(role.userSourcedId, entry);
  }
  for (const user of roster.users) {
    if (user.status === 'tobedeleted' || !user.enabledUser) gone.add(user.sourcedId);
  }
  for (const id of gone) if (listed.has(id) && users.get(id)?.status !== 'tobedeleted' && users.get(id)?.enabledUser !== false) gone.delete(id);
  for (const id of gone) listed.delete(id);
  return { listed, gone };
}

export function roleIdsFor(settings: MisSettings, roles: RosterRole[]): string[] {
  const ids = roles.map((r) => settings.roleMap[r.role] ?? (isGuardian(r.role) ? presetIds.parent : presetIds.staff));
  return [...new Set(ids)].sort();
}

/** The role that names the membership: the primary one, else the first. */
export function mainRole(roles: RosterRole[]): RosterRole {
  return roles.find((r) => r.roleType === 'primary') ?? roles[0]!;
}

export function normalEmail(email: string | undefined): string | undefined {
  return email?.trim().toLowerCase() || undefined;
}

/**
 * Why the roster's names for a user cannot be taken (domain/text-rules.ts:
 * the rule of POST /users and the CSV import), each naming the OneRoster field.
 */
export function nameErrors(user: RosterUser): string[] {
  const fields = [
    [user.preferredGivenName === undefined ? 'givenName' : 'preferredGivenName', givenName(user)],
    [user.preferredFamilyName === undefined ? 'familyName' : 'preferredFamilyName', familyName(user)],
  ] as const;
  return fields.flatMap(([field, value]) => {
    const problem = nameProblem(value, TEXT_LIMITS.personName);
    return problem ? [`${field} ${problem}`] : [];
  });
}

export function givenName(user: RosterUser): string {
  return user.preferredGivenName ?? user.givenName;
}

export function familyName(user: RosterUser): string {
  return user.preferredFamilyName ?? user.familyName;
}
