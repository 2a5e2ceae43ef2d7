import { describe, expect, it } from 'vitest';
import { permissionCatalogue } from '../../../domain/access/permissions';
import { presetIds, presetRoles, rolesById, scopeAllows, validateRoleDefinition } from '../../../domain/access/roles';
import { InvalidInputError } from '../../../domain/errors';
import { makeTree } from '../../fixtures/access';

const presets = rolesById(presetRoles());
const preset = (id: string) => presets.get(id)!;
const localAssignable = [presetIds.staff, presetIds.teacher, presetIds.teachingAssistant, presetIds.nurseryManager, presetIds.parent];

describe('preset roles', () => {
  it('are the thirteen named presets with stable preset- ids', () => {
    expect(presetRoles().map((role) => role.name)).toEqual([
      'Trust Admin',
      'Trust Report Viewer',
      'Cluster Administrator',
      'Curriculum Administrator',
      'School Admin',
      'Staff',
      'Teacher',
      'Teaching Assistant',
      'Designated Safeguarding Lead',
      'Head Teacher',
      'Head Office',
      'Nursery Manager',
      'Parent',
    ]);
    for (const role of presetRoles()) {
      expect(role.id).toBe(`preset-${role.name.toLowerCase().replaceAll(' ', '-')}`);
      expect(role).toMatchObject({ builtIn: true, version: 1 });
    }
  });

  it('name only catalogue codes and existing roles', () => {
    for (const role of presetRoles()) {
      expect(() => validateRoleDefinition(role, presets.keys()), role.name).not.toThrow();
      expect(role.permissions.length, role.name).toBeGreaterThan(0);
    }
  });

  it('give Trust Admin every permission that is not reserved', () => {
    expect(preset(presetIds.trustAdmin).permissions).toEqual(permissionCatalogue.filter((d) => !d.reserved).map((d) => d.code));
    expect(preset(presetIds.trustAdmin).permissions).toContain('safeguarding.child_protection.view');
  });

  it('give the reserved permissions to Head Teacher and to no other preset', () => {
    const reserved = permissionCatalogue.filter((d) => d.reserved).map((d) => d.code);
    for (const role of presetRoles()) {
      const holdsReserved = role.permissions.some((code) => reserved.includes(code));
      expect(holdsReserved, role.name).toBe(role.id === presetIds.headTeacher);
    }
    for (const code of reserved) expect(preset(presetIds.headTeacher).permissions).toContain(code);
  });

  it('let Trust Admin and Head Office assign every preset', () => {
    const all = presetRoles().map((role) => role.id).sort();
    expect([...preset(presetIds.trustAdmin).assignableRoles].sort()).toEqual(all);
    expect([...preset(presetIds.headOffice).assignableRoles].sort()).toEqual(all);
  });

  it('let School Admin assign the local roles and Cluster Administrator also School Admin', () => {
    expect([...preset(presetIds.schoolAdmin).assignableRoles].sort()).toEqual([...localAssignable].sort());
    expect([...preset(presetIds.clusterAdministrator).assignableRoles].sort()).toEqual([...localAssignable, presetIds.schoolAdmin].sort());
  });

  it('give both admins roles.assign so their assignableRoles can be used', () => {
    for (const id of [presetIds.trustAdmin, presetIds.headOffice, presetIds.clusterAdministrator, presetIds.schoolAdmin]) {
      expect(preset(id).permissions, id).toContain('roles.assign');
    }
  });

  it('give Parent only parent-facing codes', () => {
    const parentArea = permissionCatalogue.filter((d) => d.area === 'parents').map((d) => d.code);
    expect(preset(presetIds.parent).permissions).toContain('children.view');
    for (const code of preset(presetIds.parent).permissions) expect(parentArea).toContain(code);
  });

  it('give the DSL safeguarding view, blocks and pastoral and behaviour view', () => {
    expect(preset(presetIds.designatedSafeguardingLead).permissions).toEqual(
      expect.arrayContaining(['safeguarding.child_protection.view', 'safeguarding.blocks.manage', 'pastoral.view', 'behaviour.view']),
    );
  });

  it('keep Staff to a minimal baseline with no administration or safeguarding read', () => {
    const staff = preset(presetIds.staff).permissions;
    expect(staff.length).toBeLessThanOrEqual(8);
    expect(staff.filter((code) => code.startsWith('users.') || code.startsWith('roles.') || code.endsWith('.view') && code.startsWith('safeguarding'))).toEqual([]);
  });

  it('give children.view only to Parent and to Trust Admin (which holds everything unreserved)', () => {
    const holders = presetRoles().filter((role) => role.permissions.includes('children.view')).map((role) => role.id);
    expect(holders.sort()).toEqual([presetIds.parent, presetIds.trustAdmin].sort());
  });

  it('are fresh copies every time', () => {
    const first = presetRoles();
    first[0]!.permissions.push('x');
    first[0]!.assignableRoles.length = 0;
    expect(presetRoles()[0]!.permissions).not.toContain('x');
    expect(presetRoles()[0]!.assignableRoles.length).toBeGreaterThan(0);
  });

  it('fit the nodes their scope names', () => {
    const tree = makeTree();
    const node = (id: string) => tree.nodes.get(id)!;
    expect(scopeAllows(preset(presetIds.trustAdmin).scope, node('trust').kind)).toBe(true);
    expect(scopeAllows(preset(presetIds.trustAdmin).scope, node('north').kind)).toBe(false);
    expect(scopeAllows(preset(presetIds.clusterAdministrator).scope, node('north-sub').kind)).toBe(true);
    expect(scopeAllows(preset(presetIds.clusterAdministrator).scope, node('north-school').kind)).toBe(false);
    expect(scopeAllows(preset(presetIds.schoolAdmin).scope, node('sub-school').kind)).toBe(true);
    expect(scopeAllows(preset(presetIds.staff).scope, node('trust').kind)).toBe(true);
  });
});

describe('validateRoleDefinition', () => {
  it('names every unknown permission by its index', () => {
    const error = (() => {
      try {
        validateRoleDefinition({ permissions: ['users.view', 'users.fly', 'x'], assignableRoles: [] }, presets.keys());
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ code: 'unknown_permission' });
    expect((error as InvalidInputError).errors.map((e) => e.path)).toEqual(['permissions[1]', 'permissions[2]']);
  });

  it('names unknown assignable roles by field', () => {
    expect(() => validateRoleDefinition({ permissions: [], assignableRoles: [presetIds.staff, 'role-nope'] }, presets.keys())).toThrow(
      expect.objectContaining({ code: 'unknown_role', errors: [expect.objectContaining({ path: 'assignableRoles[1]' })] }),
    );
  });

  it('reports both kinds of mistake at once', () => {
    expect(() => validateRoleDefinition({ permissions: ['nope'], assignableRoles: ['nope'] }, presets.keys())).toThrow(
      expect.objectContaining({
        errors: [expect.objectContaining({ path: 'permissions[0]' }), expect.objectContaining({ path: 'assignableRoles[0]' })],
      }),
    );
  });

  it('returns the lists de-duplicated with permissions in catalogue order', () => {
    expect(
      validateRoleDefinition(
        { permissions: ['users.view', 'org.manage', 'users.view'], assignableRoles: [presetIds.staff, presetIds.staff] },
        presets.keys(),
      ),
    ).toEqual({ permissions: ['org.manage', 'users.view'], assignableRoles: [presetIds.staff] });
  });
});
