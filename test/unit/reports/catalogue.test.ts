import { describe, expect, it } from 'vitest';
import { USER_CSV_COLUMNS } from '../../../domain/directory/csv-format';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import { getReport, parseReportParams, REPORT_CATALOGUE, REPORT_FORMATS, REPORT_NAMES, reportPermissions, type RawParam } from '../../../domain/reports/catalogue';
import { makeTree } from '../../fixtures/access';

const tree = makeTree();

/** The field errors a parse throws, as { path: message }. */
function errorsOf(run: () => unknown): Record<string, string> {
  try {
    run();
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    expect(error.code).toBe('validation_failed');
    return Object.fromEntries(error.errors.map((e) => [e.path, e.message]));
  }
  throw new Error('expected the parameters to be refused');
}

describe('report catalogue', () => {
  it('lists the reports of API.md, each with the common parameters first', () => {
    expect(REPORT_CATALOGUE.map((r) => r.name)).toEqual([
      'users', 'access-review', 'sensitive-access', 'expiring-access', 'dormant-accounts', 'locked-accounts', 'managers', 'undeliverable-emails',
    ]);
    expect(REPORT_NAMES).toEqual(REPORT_CATALOGUE.map((r) => r.name));
    for (const report of REPORT_CATALOGUE) {
      expect(report.description.length).toBeGreaterThan(10);
      expect(report.params.slice(0, 2).map((p) => p.name)).toEqual(['nodeId', 'format']);
      expect(new Set(report.columns).size).toBe(report.columns.length);
    }
  });

  it('describes withinDays and days with their defaults and bounds, as data', () => {
    expect(getReport('expiring-access').params[2]).toMatchObject({ name: 'withinDays', type: 'integer', default: 30, minimum: 1, maximum: 365 });
    expect(getReport('dormant-accounts').params[2]).toMatchObject({ name: 'days', type: 'integer', default: 90, minimum: 1, maximum: 730 });
    expect(getReport('users').params.find((p) => p.name === 'format')).toMatchObject({ default: 'json', enum: ['json', 'csv'] });
  });

  it('writes the users export columns in the export order', () => {
    expect(getReport('users').columns).toEqual(USER_CSV_COLUMNS);
  });

  it('answers an unknown report with not found', () => {
    expect(() => getReport('everything')).toThrow(NotFoundError);
    expect(() => parseReportParams('nope' as 'users', {}, tree)).toThrow(NotFoundError);
  });
});

describe('report parameters', () => {
  it('fills the defaults: the trust root, json, 30 and 90 days', () => {
    expect(parseReportParams('users', {}, tree)).toEqual({ nodeId: 'trust', format: 'json' });
    expect(parseReportParams('expiring-access', {}, tree)).toEqual({ nodeId: 'trust', format: 'json', withinDays: 30 });
    expect(parseReportParams('dormant-accounts', { days: '' }, tree)).toEqual({ nodeId: 'trust', format: 'json', days: 90 });
  });

  it('reads given values, from a query string or a stored schedule', () => {
    expect(parseReportParams('expiring-access', { nodeId: 'north', format: 'csv', withinDays: '7' }, tree)).toEqual({
      nodeId: 'north', format: 'csv', withinDays: 7,
    });
    expect(parseReportParams('dormant-accounts', { days: 730 }, tree, 'params')).toMatchObject({ days: 730 });
    expect(parseReportParams('expiring-access', { withinDays: '1' }, tree)).toMatchObject({ withinDays: 1 });
    expect(parseReportParams('expiring-access', { withinDays: '365' }, tree)).toMatchObject({ withinDays: 365 });
  });

  it.each<[string, RawParam, string]>([
    ['0', '0', 'must be between 1 and 365'],
    ['366', '366', 'must be between 1 and 365'],
    ['-5', '-5', 'must be a whole number'],
    ['1.5', '1.5', 'must be a whole number'],
    ['abc', 'abc', 'must be a whole number'],
    ['1e2', '1e2', 'must be a whole number'],
    ['a number out of range', 400, 'must be between 1 and 365'],
    ['a fraction', 2.5, 'must be a whole number'],
  ])('refuses withinDays %s with a field error naming it', (_label, value, message) => {
    expect(errorsOf(() => parseReportParams('expiring-access', { withinDays: value }, tree))).toEqual({ 'query.withinDays': message });
  });

  it('names every bad field at once, under the prefix the caller gives', () => {
    const errors = errorsOf(() =>
      parseReportParams('dormant-accounts', { days: '731', format: 'xlsx', nodeId: 'elsewhere', withinDay: '7' }, tree, 'params'),
    );
    expect(errors).toEqual({
      'params.days': 'must be between 1 and 730',
      'params.format': 'must be one of json, csv',
      'params.nodeId': 'no such node in this trust',
      'params.withinDay': 'dormant-accounts takes no parameter "withinDay"',
    });
  });

  it('refuses a parameter another report takes', () => {
    expect(errorsOf(() => parseReportParams('users', { days: '30' }, tree))).toEqual({ 'query.days': 'users takes no parameter "days"' });
  });
});

describe('reportPermissions (review E, E6)', () => {
  it('asks users.view besides reports.view of every report in both formats: each lists people', () => {
    for (const name of REPORT_NAMES) {
      for (const format of REPORT_FORMATS) expect(reportPermissions(name, format).slice(0, 2), `${name} ${format}`).toEqual(['reports.view', 'users.view']);
    }
  });

  it('asks users.export of the users report as CSV only, as GET /users/export.csv and GET /users do', () => {
    expect(reportPermissions('users', 'csv')).toContain('users.export');
    expect(reportPermissions('users', 'json')).not.toContain('users.export');
    for (const name of REPORT_NAMES.filter((n) => n !== 'users')) expect(reportPermissions(name, 'csv')).not.toContain('users.export');
  });
});
