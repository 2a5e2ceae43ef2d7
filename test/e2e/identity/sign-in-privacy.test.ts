import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../fixtures/api';
import { makeMember, makeTrust, updateAccount, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;

beforeAll(async () => {
  // The default policy: 5 failures lock, no auto-unlock.
  trust = await makeTrust([]);
});

/** Status and code of each of `n` sign-ins with a wrong password, one after the other. */
async function wrongAttempts(email: string, n: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < n; i++) {
    const response = await call('POST', '/auth/login', { body: { email, password: 'Wrong-password-99' } });
    answers.push(`${response.status} ${response.body.code}`);
  }
  return answers;
}

describe('POST /auth/login does not reveal which emails have accounts', () => {
  it('answers an unknown email, attempt by attempt, exactly as a real account: 401 five times, then 423 account_locked', async () => {
    const member = await makeMember(trust);
    const known = await wrongAttempts(member.email, 7);
    expect(known).toEqual([...Array(5).fill('401 invalid_credentials'), '423 account_locked', '423 account_locked']);
    expect(await wrongAttempts(`nobody-${randomUUID()}@test.example`, 7)).toEqual(known);
  });

  it('answers an inactive account the same way, so "never locks" does not mark it either', async () => {
    const member = await makeMember(trust);
    await updateAccount(member.account, { status: 'inactive' });
    expect(await wrongAttempts(member.email, 6)).toEqual([...Array(5).fill('401 invalid_credentials'), '423 account_locked']);
  });

  it('counts per email, whatever its case: a locked unknown email does not lock another', async () => {
    const email = `Someone-${randomUUID()}@Test.Example`;
    await wrongAttempts(email.toLowerCase(), 5);
    expect(await wrongAttempts(email.toUpperCase(), 1)).toEqual(['423 account_locked']);
    expect(await wrongAttempts(`other-${randomUUID()}@test.example`, 1)).toEqual(['401 invalid_credentials']);
  });
});
