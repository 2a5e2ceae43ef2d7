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

  it('throws weak_password naming the password field', () => {
    expect(() => assertStrongPassword('password', common)).toThrow(expect.objectContaining({ code: 'weak_password', errors: expect.arrayContaining([expect.objectContaining({ path: 'password' })]) }));
  });
});
