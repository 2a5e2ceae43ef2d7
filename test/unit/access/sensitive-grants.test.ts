import { describe, expect, it } from 'vitest';
import { presetIds, presetRoles } from '../../../domain/access/roles';
import { addedSensitiveCodes, sensitiveGrants } from '../../../domain/access/sensitive-grants';

const roles = new Map(presetRoles().map((r) => [r.id, r]));

describe('sensitiveGrants', () => {
  it('keeps only roles with a requiresMfa or reserved code, one entry per node with its roles and sorted assignment ids', () => {
    const grants = sensitiveGrants(roles, [
      { id: 'b', roleId: presetIds.designatedSafeguardingLead, nodeId: 'n1' },
      { id: 't', roleId: presetIds.teacher, nodeId: 'n1' },
      { id: 'a', roleId: presetIds.headTeacher, nodeId: 'n1' },
      { id: 'c', roleId: presetIds.designatedSafeguardingLead, nodeId: 'n2' },
      { id: 'x', roleId: 'no-such-role', nodeId: 'n3' },
    ]);
    expect(grants).toEqual([
      { nodeId: 'n1', roleNames: ['Designated Safeguarding Lead', 'Head Teacher'], assignmentIds: ['a', 'b'] },
      { nodeId: 'n2', roleNames: ['Designated Safeguarding Lead'], assignmentIds: ['c'] },
    ]);
  });

  it('counts a role that lets its holders hand out a sensitive one (an appointer listing DSL) as sensitive', () => {
    const appointer = { id: 'appointer', name: 'Appointer', description: '', scope: 'any' as const, permissions: ['roles.assign'], assignableRoles: [presetIds.designatedSafeguardingLead], builtIn: false, version: 1 };
    const withAppointer = new Map([...roles, [appointer.id, appointer]]);
    expect(sensitiveGrants(withAppointer, [{ id: 'x', roleId: 'appointer', nodeId: 'n1' }])).toEqual([{ nodeId: 'n1', roleNames: ['Appointer'], assignmentIds: ['x'] }]);
  });

  it('is empty for roles without sensitive codes', () => {
    expect(sensitiveGrants(roles, [{ id: 't', roleId: presetIds.teacher, nodeId: 'n1' }, { id: 'p', roleId: presetIds.parent, nodeId: 'n1' }])).toEqual([]);
  });
});

describe('addedSensitiveCodes', () => {
  it('lists the sensitive codes a role edit adds, not those it had or plain ones', () => {
    expect(addedSensitiveCodes({ permissions: ['users.view'] }, { permissions: ['users.view', 'pastoral.view', 'safeguarding.child_protection.view'] })).toEqual(['safeguarding.child_protection.view']);
    expect(addedSensitiveCodes({ permissions: ['safeguarding.child_protection.view'] }, { permissions: ['safeguarding.child_protection.view', 'users.view'] })).toEqual([]);
  });
});
