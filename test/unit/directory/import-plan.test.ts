import { describe, expect, it } from 'vitest';
import { presetIds, presetRoles, rolesById } from '../../../domain/access/roles';
import { detectDelimiter, MAX_CELL_CHARS, MAX_IMPORT_ROWS, mobileFromCell, readUsersCsv } from '../../../domain/directory/import-file';
import { desiredPerson, nameIndex, resolveRow, type CurrentPerson } from '../../../domain/directory/import-plan';
import { quoteCell } from '../../../domain/directory/csv-format';
import { InvalidInputError, PayloadTooLargeError } from '../../../domain/errors';
import { buildTree, type OrgNode } from '../../../domain/org/tree';

const nodes: OrgNode[] = [
  { id: 'root', kind: 'trust', name: 'Oak Trust', parentId: null, version: 1 },
  { id: 'north', kind: 'cluster', name: 'North', parentId: 'root', version: 1 },
  { id: 'hill', kind: 'school', name: 'Hill School', parentId: 'north', version: 1 },
  { id: 'dale', kind: 'school', name: 'Dale School', parentId: 'north', version: 1 },
  { id: 'twin1', kind: 'school', name: 'Twin', parentId: 'north', version: 1 },
  { id: 'twin2', kind: 'school', name: 'twin', parentId: 'root', version: 1 },
];
const names = nameIndex(buildTree('root', 1, nodes), rolesById(presetRoles()));
const now = new Date('2026-12-01T09:00:00Z');

const person = (over: Partial<CurrentPerson> = {}): CurrentPerson => ({
  id: 'u1', firstName: 'Ann', lastName: 'Lee', email: 'ann@x.example', userType: 'staff',
  memberships: [{ nodeId: 'hill', primary: true, isManager: true, jobTitle: 'Teacher' }],
  assignments: [{ id: 'a1', roleId: presetIds.teacher, nodeId: 'hill' }],
  ...over,
});

const plan = (header: string, line: string, current?: CurrentPerson) => {
  const [row] = readUsersCsv(`${header}\n${line}\n`);
  const { intent, errors } = resolveRow(row!, names);
  return { intent, errors, desire: desiredPerson(intent, current, names, now) };
};

describe('reading the file', () => {
  it('finds the separator in the header line only, ignoring quoted ones', () => {
    expect(detectDelimiter('id;firstName;"a,b,c"\nx,y,z,w')).toBe(';');
    expect(detectDelimiter('id,firstName\n;;;;')).toBe(',');
  });

  it('strips the BOM, matches header names in any case, ignores extra columns and undoes the formula guard', () => {
    const rows = readUsersCsv("\uFEFFFIRSTNAME;LastName;EMAIL;Shoe size\r\n'=SUM(A1);'+Lee;a@x.example;44\r\n");
    expect(rows).toEqual([{ line: 2, cells: { firstName: '=SUM(A1)', lastName: '+Lee', email: 'a@x.example' }, errors: [] }]);
  });

  it('gives each row the line it starts on, past quoted line breaks and blank lines', () => {
    const rows = readUsersCsv('firstName,lastName,email,status\r\nA,x,a@x,"in\r\nvited"\r\n\r\nC,y,c@x,\r\n');
    expect(rows.map((r) => [r.line, r.cells.firstName, r.cells.status])).toEqual([[2, 'A', 'in\nvited'], [5, 'C', '']]);
    // A line break inside a name is that cell's error (F1), on the line the row starts on.
    const named = readUsersCsv('firstName,lastName,email\r\n"A\r\nB",x,a@x\r\n');
    expect(named.map((r) => [r.line, r.errors.map((e) => e.code)])).toEqual([[2, ['control_characters']]]);
  });

  it('reports a row with too few or too many cells as that row’s error', () => {
    const [row] = readUsersCsv('firstName,lastName,email\nA,B\n');
    expect(row!.errors).toEqual([{ column: '*', code: 'column_count', message: 'The row has 2 cells; the header has 3' }]);
  });

  it('names every missing required column, and refuses files over the limits with 413', () => {
    expect(() => readUsersCsv('id,firstName\n')).toThrow(InvalidInputError);
    try {
      readUsersCsv('id,firstName\n');
    } catch (error) {
      expect((error as InvalidInputError).errors.map((e) => e.path)).toEqual(['lastName', 'email']);
    }
    const tooMany = `firstName,lastName,email\n${'a,b,c\n'.repeat(MAX_IMPORT_ROWS + 1)}`;
    expect(() => readUsersCsv(tooMany)).toThrow(PayloadTooLargeError);
    expect(() => readUsersCsv(`firstName,lastName,email\n${'a,b,c\n'.repeat(MAX_IMPORT_ROWS)}`)).not.toThrow();
    expect(() => readUsersCsv('x'.repeat(5 * 1024 * 1024 + 1))).toThrow(/5242880 bytes/);
  });

  it("puts back the `+` Excel drops from international mobiles, keeps national ones, and refuses what Excel mangled", () => {
    expect(mobileFromCell('447700900123')).toEqual({ mobile: '+447700900123' });
    expect(mobileFromCell("'447700900123")).toEqual({ mobile: '+447700900123' });
    expect(mobileFromCell('07700900123')).toEqual({ mobile: '07700900123' });
    expect(mobileFromCell('+44 7700 900123')).toEqual({ mobile: '+44 7700 900123' });
    expect(mobileFromCell('')).toEqual({ mobile: null });
    expect(mobileFromCell('4.47701E+11')).toMatchObject({ error: { column: 'mobile', code: 'mangled_number' } });
  });
});

describe('cell rules (security review B, F1 and F3)', () => {
  it('refuses a cell over its column\'s limit as too_long and does not read it, for every read column', () => {
    for (const [column, max] of Object.entries(MAX_CELL_CHARS) as [string, number][]) {
      const header = ['firstName', 'lastName', 'email', column].filter((c, i, all) => all.indexOf(c) === i);
      const cells = header.map((c) => (c === column ? 'y'.repeat(max + 1) : 'ok'));
      const [row] = readUsersCsv(`${header.join(',')}\n${cells.join(',')}`);
      expect(row!.errors, column).toEqual([{ column, code: 'too_long', message: `The cell has ${max + 1} characters; ${column} holds at most ${max}` }]);
      expect(row!.cells[column as 'id'], column).toBeUndefined();
      const [fits] = readUsersCsv(`${header.join(',')}\n${header.map((c) => (c === column ? 'y'.repeat(max) : 'ok')).join(',')}`);
      expect(fits!.errors.filter((e) => e.code === 'too_long'), column).toEqual([]);
    }
  });

  it('refuses control characters in names, job titles and the node and role cells, not in a quoted line break the trim removes', () => {
    const [row] = readUsersCsv('firstName,lastName,email,jobTitle,schools,roles\n"Nia\n=cmd","L\tee",c@x,"Head\u0000",Hill\u007f School,"Teacher@Hill\rSchool"');
    expect(row!.errors.map((e) => [e.column, e.code])).toEqual([
      ['firstName', 'control_characters'], ['lastName', 'control_characters'], ['jobTitle', 'control_characters'], ['schools', 'control_characters'], ['roles', 'control_characters'],
    ]);
    expect(row!.cells).toEqual({ email: 'c@x' });
    expect(readUsersCsv('firstName,lastName,email\n"Ann\n",Lee,c@x')[0]!.errors).toEqual([]);
  });

  it('quotes at most 40 characters of a cell in a message, control characters shown as ?', () => {
    const { errors } = plan('firstName,lastName,email,schools', `A,B,c@x,${'z'.repeat(100)}`);
    expect(errors).toEqual([{ column: 'schools', code: 'unknown_node', message: `No node is called "${'z'.repeat(40)}…"` }]);
    expect(quoteCell('a\nb\u007fc')).toBe('"a?b?c"');
    expect(quoteCell('x'.repeat(41))).toBe(`"${'x'.repeat(40)}…"`);
  });
});

describe('resolving names', () => {
  it('reads schools and roles by name, case-insensitively, and reports unknown and ambiguous names on their column', () => {
    const { intent, errors } = plan('firstName,lastName,email,schools,roles', 'A,B,c@x,hill school; Nowhere,Teacher@Hill School; Teacher@Twin; Wizard@Dale School');
    expect(intent.schools).toEqual(['hill']);
    expect(intent.roles).toEqual([{ roleId: presetIds.teacher, nodeId: 'hill' }]);
    expect(errors).toEqual([
      { column: 'schools', code: 'unknown_node', message: 'No node is called "Nowhere"' },
      { column: 'roles', code: 'ambiguous_node', message: '2 nodes are called "Twin"; rename one' },
      { column: 'roles', code: 'unknown_role', message: 'No role is called "Wizard"' },
    ]);
  });

  it('reads `-` as "remove all" and an empty cell as "leave as is"', () => {
    expect(plan('firstName,lastName,email,schools,roles', 'A,B,c@x,-,-').intent).toMatchObject({ schools: [], roles: [] });
    const kept = plan('firstName,lastName,email,schools,roles', 'A,B,c@x,,').intent;
    expect(kept.schools).toBeUndefined();
    expect(kept.roles).toBeUndefined();
  });
});

describe('planning a row against the person', () => {
  it('changes nothing when the row says what the person is (emails compare without case)', () => {
    const { desire } = plan('id,firstName,lastName,email,schools,primarySchool,jobTitle,roles', 'u1,Ann,Lee,ANN@x.example,Hill School,Hill School,Teacher,Teacher@Hill School', person());
    expect(desire.changes).toEqual([]);
    expect(desire.removeAssignments).toEqual([]);
    expect(desire.addAssignments).toEqual([]);
  });

  it('lists each changed field from → to, in the file’s words', () => {
    const { desire } = plan('id,firstName,lastName,email,schools,primarySchool,roles', 'u1,Ann,Lee-Smith,ann@x.example,Hill School; Dale School,Dale School,Teacher@Dale School until 2027-07-31', person());
    expect(desire.changes).toEqual([
      { field: 'lastName', from: 'Lee', to: 'Lee-Smith' },
      { field: 'schools', from: 'Hill School', to: 'Hill School; Dale School' },
      { field: 'primarySchool', from: 'Hill School', to: 'Dale School' },
      { field: 'jobTitle', from: 'Teacher', to: null },
      { field: 'roles', from: 'Teacher@Hill School', to: 'Teacher@Dale School until 2027-07-31' },
    ]);
    expect(desire.memberships).toEqual([
      { nodeId: 'hill', jobTitle: 'Teacher', primary: false, isManager: true },
      { nodeId: 'dale', primary: true, isManager: false },
    ]);
    expect(desire.removeAssignments).toEqual([{ id: 'a1', roleId: presetIds.teacher, nodeId: 'hill' }]);
    expect(desire.addAssignments).toEqual([{ roleId: presetIds.teacher, nodeId: 'dale', validUntil: '2027-08-01T00:00:00.000Z' }]);
  });

  it('treats a changed end date as the role taken and given again, and leaves ended roles alone', () => {
    const current = person({
      assignments: [
        { id: 'a1', roleId: presetIds.teacher, nodeId: 'hill', validUntil: '2027-08-01T00:00:00.000Z' },
        { id: 'old', roleId: presetIds.staff, nodeId: 'hill', validUntil: '2020-01-01T00:00:00.000Z' },
      ],
    });
    const { desire } = plan('id,firstName,lastName,email,roles', 'u1,Ann,Lee,ann@x.example,Teacher@Hill School until 2028-07-31', current);
    expect(desire.removeAssignments.map((a) => a.id)).toEqual(['a1']);
    expect(desire.addAssignments).toEqual([{ roleId: presetIds.teacher, nodeId: 'hill', validUntil: '2028-08-01T00:00:00.000Z' }]);
  });

  it('refuses a role ending in the past, a userType change of an existing person, and a new person without the required fields', () => {
    const past = plan('id,firstName,lastName,email,userType,roles', 'u1,Ann,Lee,ann@x.example,parent,Teacher@Hill School until 2025-01-01', person());
    expect(past.desire.errors.map((e) => [e.column, e.code])).toEqual([['userType', 'read_only'], ['roles', 'until_past']]);
    const fresh = plan('firstName,lastName,email', 'A,B,c@x');
    expect(fresh.desire.errors).toEqual([{ column: 'userType', code: 'required', message: 'userType is required for a new person' }]);
  });

  it('ignores the read-only columns the export writes (status, source, edited, lastSignInAt)', () => {
    const { desire } = plan('id,firstName,lastName,email,status,source,edited,lastSignInAt', 'u1,Ann,Lee,ann@x.example,inactive,mis,true,01/02/2026 10:00', person());
    expect(desire.changes).toEqual([]);
    expect(desire.errors).toEqual([]);
  });

  it('adds the primary school as a membership when the schools cell does not name it', () => {
    const { desire } = plan('id,firstName,lastName,email,primarySchool', 'u1,Ann,Lee,ann@x.example,Dale School', person());
    expect(desire.memberships.map((m) => [m.nodeId, m.primary])).toEqual([['hill', false], ['dale', true]]);
  });
});
