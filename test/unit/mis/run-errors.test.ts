import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_ROSTER_UNZIPPED_BYTES, MAX_SOURCED_ID_BYTES, readRoster, RosterBundleError } from '../../../domain/mis/oneroster';
import {
  boundErrors, byteSize, clip, MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_SOURCED_ID_CHARS, MAX_RUN_ERROR_BYTES, MAX_RUN_ERRORS, QUOTED_CELL_CHARS, type RunErrorRow,
} from '../../../domain/mis/run-errors';
import { onerosterBundle } from '../../fixtures/oneroster';

/** Review C #2: a run is one DynamoDB item (≤ 400 KB) whatever the roster's cells hold. */
const org = { sourcedId: 'org-oak', name: 'Oak Primary' };
const row = (i: number, message: string, sourcedId: string | null = `p-${i}`): RunErrorRow => ({ sourcedId, line: i, code: 'invalid_value', message });

describe('the error rows a run keeps', () => {
  it('lists the first rows that fit the byte budget and counts the rest, however long each row is', () => {
    const rows = Array.from({ length: 600 }, (_, i) => row(i, 'm'.repeat(5_000), 's'.repeat(5_000)));
    const { errors, errorsOmitted } = boundErrors(rows, 7);
    expect(errors.length).toBeGreaterThan(100);
    expect(errors.length + errorsOmitted).toBe(600 + 7);
    expect(byteSize(errors)).toBeLessThanOrEqual(MAX_RUN_ERROR_BYTES);
    // The first rows, in order, each clipped.
    expect(errors.map((e) => e.line)).toEqual(rows.slice(0, errors.length).map((e) => e.line));
    for (const e of errors) {
      expect(e.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
      expect(e.sourcedId!.length).toBeLessThanOrEqual(MAX_ERROR_SOURCED_ID_CHARS);
      expect(e.message.endsWith('…')).toBe(true);
    }
  });

  it('still caps the count, and keeps short rows as they are', () => {
    const rows = Array.from({ length: 700 }, (_, i) => row(i, 'Missing email', null));
    const { errors, errorsOmitted } = boundErrors(rows, 0);
    expect(errors).toEqual(rows.slice(0, MAX_RUN_ERRORS));
    expect(errorsOmitted).toBe(200);
  });

  it('a budget too small for the first row lists none and counts them all', () => {
    expect(boundErrors([row(1, 'x'.repeat(200))], 0, { maxCount: 10, maxBytes: 100 })).toEqual({ errors: [], errorsOmitted: 1 });
  });

  it('clips by code points, never splitting a surrogate pair', () => {
    expect(clip('😀'.repeat(10), 4)).toBe('😀😀😀…');
    expect(clip('😀'.repeat(4), 4)).toBe('😀😀😀😀');
    expect(clip('abc', 3)).toBe('abc');
  });
});

describe('readRoster bounds what a cell and a zip can cost', () => {
  it('quotes at most a short prefix of an unreadable role cell', () => {
    const role = 'zz' + 'r'.repeat(900);
    const roster = readRoster(onerosterBundle({ org, people: [{ sourcedId: 'u1', givenName: 'A', familyName: 'B', role }] }));
    expect(roster.errors).toHaveLength(1);
    const [error] = roster.errors;
    expect(error).toMatchObject({ file: 'roles.csv', sourcedId: 'u1', code: 'invalid_value' });
    expect(error!.message).toContain(`"${role.slice(0, QUOTED_CELL_CHARS - 1)}…"`);
    expect(error!.message.length).toBeLessThan(QUOTED_CELL_CHARS + 40);
  });

  it('refuses a sourcedId too long for a sort key as that row\'s error, and reads the rest', () => {
    const long = 'é'.repeat(MAX_SOURCED_ID_BYTES / 2 + 1); // 1,002 bytes, 501 characters
    const roster = readRoster(onerosterBundle({ org, people: [
      { sourcedId: long, givenName: 'Long', familyName: 'Id', role: 'teacher', email: 'long@x.example' },
      { sourcedId: 'u2', givenName: 'Short', familyName: 'Id', role: 'teacher', email: 'short@x.example' },
    ] }));
    expect(roster.users.map((u) => u.sourcedId)).toEqual(['u2']);
    expect(roster.roles.map((r) => r.userSourcedId)).toEqual(['u2']);
    expect(roster.errors.map((e) => [e.file, e.code])).toEqual([['users.csv', 'invalid_value'], ['roles.csv', 'invalid_value']]);
    // At the limit it is still read.
    const edge = 'é'.repeat(MAX_SOURCED_ID_BYTES / 2);
    expect(readRoster(onerosterBundle({ org, people: [{ sourcedId: edge, givenName: 'A', familyName: 'B', role: 'teacher' }] })).users).toHaveLength(1);
  });

  it('refuses a zip bomb from the sizes its directory declares', () => {
    const roster = onerosterBundle({ org, people: [{ sourcedId: 'u1', givenName: 'A', familyName: 'B', role: 'teacher' }] });
    // The real bundle's files with users.csv swapped for 100 MB + 1 of one letter: a zip of ~100 KB.
    const files = unzipSync(roster);
    const zip = zipSync({ ...files, 'users.csv': [new Uint8Array(MAX_ROSTER_UNZIPPED_BYTES + 1).fill(0x61), { level: 1 }] });
    expect(zip.length).toBeLessThan(MAX_ROSTER_UNZIPPED_BYTES / 100);
    expect(() => readRoster(zip)).toThrow(RosterBundleError);
    expect(() => readRoster(zip)).toThrow(/over the 104857600 bytes/);
  });
});
