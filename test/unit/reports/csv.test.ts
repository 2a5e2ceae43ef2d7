import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { USER_CSV_COLUMNS } from '../../../domain/directory/csv-format';
import { BOM, renderCsv } from '../../../domain/reports/csv';
import { usersReport } from '../../../domain/reports/reports';
import { reportTrust } from '../../fixtures/reports';

describe('report CSV', () => {
  const table = {
    columns: ['name', 'note', 'count', 'flag', 'empty'],
    rows: [
      ['=HYPERLINK("http://x")', 'Smith, Jane', 3, true, null],
      ['@cmd', 'two\nlines', -2, false, 'cr\rhere'],
    ],
  };
  const csv = renderCsv(table);

  it('starts with the UTF-8 BOM and ends records with CRLF', () => {
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv.slice(1).startsWith('name,note,count,flag,empty\r\n')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('prefixes formula cells, quotes commas, quotes and newlines (RFC 4180)', () => {
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).toContain('"Smith, Jane"');
    expect(csv).toContain('"two\nlines"');
    expect(csv).toContain('"cr\rhere"');
    expect(csv).toContain("'@cmd,");
  });

  it('reads back to the cells, null and booleans as text, formula cells with their quote', () => {
    expect(parse(csv, { bom: true })).toEqual([
      ['name', 'note', 'count', 'flag', 'empty'],
      [`'=HYPERLINK("http://x")`, 'Smith, Jane', '3', 'true', ''],
      ["'@cmd", 'two\nlines', "'-2", 'false', 'cr\rhere'],
    ]);
  });

  it('writes the users report with the export header', () => {
    const t = reportTrust();
    const result = usersReport({ tree: t.tree, roles: t.roles, people: t.people }, { nodeId: 'trust', format: 'csv' }, t.reach.trust, t.now);
    const records: string[][] = parse(renderCsv(result), { bom: true });
    expect(records[0]).toEqual([...USER_CSV_COLUMNS]);
    expect(records).toHaveLength(result.rows.length + 1);
    // Harry's mobile starts with "+": a spreadsheet would read it as a formula.
    expect(records.find((r) => r[0] === 'harry')![4]).toBe("'+44 7700 900123");
  });
});
