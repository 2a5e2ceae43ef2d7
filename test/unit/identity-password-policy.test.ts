import { beforeAll, describe, expect, it } from 'vitest';
import { assertStrongPassword, passwordViolations as violations, type CommonPasswords } from '../../domain/identity/password-policy';
import { commonPasswords } from '../../functions/adapters/common-passwords';

let common: CommonPasswords;
const passwordViolations = (password: string, context?: { email?: string }) => violations(password, common, context);

beforeAll(async () => {
  common = await commonPasswords();
});

describe('password policy', () => {
  it('accepts a long mixed password that is on no list', () => {
    expect(passwordViolations('Kettle-Orbit-Meadow-42')).toEqual([]);
  });

  it('names each rule a password breaks', () => {
    expect(passwordViolations('short')).toEqual(expect.arrayContaining(['at least 12 characters', 'an uppercase letter', 'a digit']));
  });

  it('refuses common and breached passwords, and their stems with digits added', () => {
    expect(passwordViolations('Password1234')).toContain('not a common or breached password');
    expect(passwordViolations('Football2024!!')).toContain('not a common or breached password');
  });

  it('refuses a password built on the email address', () => {
    expect(passwordViolations('Jsmithers-1999x', { email: 'jsmithers@school.example' })).toContain('not based on your email address');
  });

  it('refuses spaces at the start or end, which Cognito refuses (review A, L3), and keeps those inside', () => {
    for (const password of [' Kettle-Orbit-Meadow-42', 'Kettle-Orbit-Meadow-42 ', '\tKettle-Orbit-Meadow-42', 'Kettle-Orbit-Meadow-42\n', '\u00a0Kettle-Orbit-Meadow-42']) {
      expect(passwordViolations(password), JSON.stringify(password)).toEqual(['no spaces at the start or end']);
    }
    expect(passwordViolations('Kettle Orbit Meadow 42')).toEqual([]);
  });

  it('throws weak_password naming the password field', () => {
    expect(() => assertStrongPassword('password', common)).toThrow(expect.objectContaining({ code: 'weak_password', errors: expect.arrayContaining([expect.objectContaining({ path: 'password' })]) }));
  });
});
