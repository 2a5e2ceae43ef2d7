import { describe, expect, it } from 'vitest';
import { isPermissionCode, isSensitive, permissionByCode, permissionCatalogue } from '../../../domain/access/permissions';

const apiCodes = [
  'org.manage',
  'users.view',
  'users.create',
  'users.edit',
  'users.deactivate',
  'users.unlock',
  'users.reset_password',
  'users.reset_mfa',
  'users.bulk',
  'users.export',
  'roles.assign',
  'roles.define',
  'audit.view',
  'reports.view',
  'reports.schedule',
  'reports.manage_schedules',
  'safeguarding.child_protection.view',
  'safeguarding.allegations.manage',
  'safeguarding.blocks.manage',
];

describe('permission catalogue', () => {
  it('lists every code the API relies on', () => {
    for (const code of apiCodes) expect(isPermissionCode(code), code).toBe(true);
  });

  it('has about forty permissions, each code once, each with a one-line description', () => {
    const codes = permissionCatalogue.map((def) => def.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.length).toBeGreaterThanOrEqual(38);
    expect(codes.length).toBeLessThanOrEqual(50);
    for (const def of permissionCatalogue) {
      expect(def.description.length, def.code).toBeGreaterThan(10);
      expect(def.description, def.code).not.toContain('\n');
      expect(def.code, def.code).toMatch(/^[a-z_]+(\.[a-z_]+)+$/);
    }
  });

  it('marks child protection as needing 2FA and allegations as needing 2FA and reserved', () => {
    expect(permissionByCode.get('safeguarding.child_protection.view')).toMatchObject({ requiresMfa: true, reserved: false, area: 'safeguarding' });
    expect(permissionByCode.get('safeguarding.allegations.manage')).toMatchObject({ requiresMfa: true, reserved: true, area: 'safeguarding' });
    expect(permissionByCode.get('safeguarding.blocks.manage')).toMatchObject({ requiresMfa: false, reserved: false, area: 'safeguarding' });
  });

  it('puts the API codes in administration or safeguarding and the school apps elsewhere', () => {
    const appCodes = permissionCatalogue.filter((def) => def.area !== 'administration' && def.area !== 'safeguarding');
    expect(appCodes.length).toBeGreaterThanOrEqual(22);
    for (const code of apiCodes) expect(['administration', 'safeguarding']).toContain(permissionByCode.get(code)?.area);
  });

  it('carries the school apps permissions', () => {
    for (const code of [
      'feedback.give', 'feedback.view', 'appraisal.manage', 'appraisal.view', 'curricula.view', 'curricula.manage',
      'courses.view', 'courses.enrol', 'classes.view', 'classes.enrol', 'tracks.view', 'tracks.enrol',
      'behaviour.record', 'behaviour.view', 'pastoral.record', 'pastoral.view', 'first_aid.record', 'first_aid.view',
      'nursery.submissions.submit', 'nursery.submissions.approve', 'nursery.session_templates.manage',
      'nursery.eligibility_codes.manage', 'children.view',
    ]) {
      expect(isPermissionCode(code), code).toBe(true);
    }
  });

  it('only the safeguarding read and allegations codes are sensitive', () => {
    expect(permissionCatalogue.filter((def) => isSensitive(def.code)).map((def) => def.code)).toEqual([
      'safeguarding.child_protection.view',
      'safeguarding.allegations.manage',
    ]);
    expect(isSensitive('no.such.code')).toBe(false);
  });

  it('rejects codes that are not in the catalogue', () => {
    expect(isPermissionCode('users.delete')).toBe(false);
    expect(isPermissionCode('')).toBe(false);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(permissionCatalogue)).toBe(true);
    expect(Object.isFrozen(permissionCatalogue[0])).toBe(true);
  });
});
