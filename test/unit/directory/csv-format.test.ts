import { describe, expect, it } from 'vitest';
import {
  formatRolesCell, formulaSafe, fromCellDate, fromFormulaSafe, parseRolesCell, parseSchoolsCell, RoleCellError, untilCellDate, validFromFromCellDate, validUntilFromCellDate,
} from '../../../domain/directory/csv-format';

describe('users CSV cells', () => {
  it.each(['=SUM(A1)', '+44 7700 900123', '-2', '@cmd', '\tx', '\rx'])('prefixes %j with a quote so a spreadsheet shows it as text', (cell) => {
    expect(formulaSafe(cell)).toBe(`'${cell}`);
    expect(fromFormulaSafe(formulaSafe(cell))).toBe(cell);
  });

  it('leaves ordinary cells, and a quote a person typed, as they are', () => {
    expect(formulaSafe("O'Brien")).toBe("O'Brien");
    expect(fromFormulaSafe("'quoted")).toBe("'quoted");
    expect(fromFormulaSafe("O'Brien")).toBe("O'Brien");
  });

  it('shows the last valid day of a role and reads it back to the same instant', () => {
    const validUntil = '2027-08-01T00:00:00.000Z';
    expect(untilCellDate(validUntil)).toBe('2027-07-31');
    expect(validUntilFromCellDate('2027-07-31')).toBe(validUntil);
  });

  it('round-trips a roles cell with a validity window', () => {
    const roles = [{ roleName: 'Teacher', nodeName: 'Oak Primary' }, { roleName: 'DSL', nodeName: 'Elm Nursery', until: '2027-07-31' }];
    const cell = formatRolesCell(roles);
    expect(cell).toBe('Teacher@Oak Primary; DSL@Elm Nursery until 2027-07-31');
    expect(parseRolesCell(cell)).toEqual({ kind: 'set', items: roles });
  });

  it('round-trips a start, alone or with an end, and refuses a start after the end (review H, H-9)', () => {
    const roles = [
      { roleName: 'Teacher', nodeName: 'Oak Primary', from: '2036-01-01' },
      { roleName: 'DSL', nodeName: 'Elm Nursery', from: '2036-09-01', until: '2037-07-31' },
    ];
    const cell = formatRolesCell(roles);
    expect(cell).toBe('Teacher@Oak Primary from 2036-01-01; DSL@Elm Nursery from 2036-09-01 until 2037-07-31');
    expect(parseRolesCell(cell)).toEqual({ kind: 'set', items: roles });
    expect(fromCellDate('2036-01-01T09:00:00.000Z')).toBe('2036-01-01');
    expect(validFromFromCellDate('2036-01-01')).toBe('2036-01-01T00:00:00.000Z');
    expect(() => parseRolesCell('DSL@Elm Nursery from 2037-09-01 until 2037-07-31')).toThrow(RoleCellError);
    expect(() => parseRolesCell('DSL@Elm Nursery from 2037-02-30')).toThrow(RoleCellError);
  });

  it('reads an empty list cell as "leave as is" and "-" as "remove all"', () => {
    expect(parseRolesCell(' ')).toEqual({ kind: 'keep' });
    expect(parseSchoolsCell('-')).toEqual({ kind: 'clear' });
    expect(parseSchoolsCell('Oak Primary;Elm Nursery ')).toEqual({ kind: 'set', items: ['Oak Primary', 'Elm Nursery'] });
  });

  it('names the entry of a roles cell it cannot read', () => {
    expect(() => parseRolesCell('Teacher@Oak Primary; Head Teacher')).toThrow(RoleCellError);
    expect(() => parseRolesCell('@Oak Primary')).toThrow(/"@Oak Primary"/);
  });
});
