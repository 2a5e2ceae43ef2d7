import { describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { readRoster } from '../../../domain/mis/oneroster';
import { planMisSync, type MisPerson, type MisSettings, type PlanInput } from '../../../domain/mis/plan';
import { onerosterBundle, type RosterPersonFixture } from '../../fixtures/oneroster';
import { applyPlan } from './plan-model';

const org = { sourcedId: 'org-oak', name: 'Oak Primary' };
const NOW = new Date('2026-12-01T02:00:00.000Z');
const settings: MisSettings = { enabled: true, orgSourcedId: 'org-oak', roleMap: { teacher: presetIds.teacher }, parents: false, inviteNew: false, leaverGraceDays: 0, maxLeaverShare: 0.5 };

const fx = (i: number, overrides: Partial<RosterPersonFixture> = {}): RosterPersonFixture => ({
  sourcedId: `s${i}`, givenName: `Given${i}`, familyName: `Family${i}`, email: `p${i}@oak.example`, role: 'teacher', ...overrides,
});

const misPerson = (i: number, overrides: Partial<MisPerson> = {}): MisPerson => ({
  userId: `user-${i}`, misId: `s${i}`, email: `p${i}@oak.example`, firstName: `Given${i}`, lastName: `Family${i}`, userType: 'staff',
  status: 'active', source: 'mis', edited: false, member: true, primaryElsewhere: false, placedElsewhere: false, misRoleIds: [presetIds.teacher], ...overrides,
});

function plan(people: RosterPersonFixture[], current: MisPerson[], extra: Partial<PlanInput> = {}, mode: 'bulk' | 'delta' = 'bulk') {
  return planMisSync({ settings, roster: readRoster(onerosterBundle({ org, people, mode })), people: current, takenElsewhere: new Set(), now: NOW, ...extra });
}

describe('names the API would refuse (security review B, F1)', () => {
  it('makes nobody with a control character or an over-long name, an error row naming the field instead', () => {
    const result = plan([fx(1, { givenName: 'Nia\n=cmd' }), fx(2, { preferredGivenName: 'P'.repeat(81) }), fx(3)], []);
    expect(result.changes.map((c) => c.profile?.email)).toEqual(['p3@oak.example']);
    expect(result.errors).toEqual([
      expect.objectContaining({ sourcedId: 's1', code: 'invalid_value', message: 'givenName must not contain control characters (line breaks, tabs)' }),
      expect.objectContaining({ sourcedId: 's2', code: 'invalid_value', message: 'preferredGivenName must be at most 80 characters' }),
    ]);
  });

  it('keeps a known person\'s name when the roster\'s is refused, and still takes the rest', () => {
    const result = plan([fx(1, { familyName: 'Bad\rName', email: 'new1@oak.example' })], [misPerson(1)]);
    expect(result.changes).toEqual([expect.objectContaining({ userId: 'user-1', changes: [{ field: 'email', from: 'p1@oak.example', to: 'new1@oak.example' }] })]);
    expect(result.errors).toEqual([expect.objectContaining({ sourcedId: 's1', code: 'invalid_value', message: expect.stringMatching(/^familyName must not contain control characters .*; the rest is still updated$/) })]);
  });
});

describe('planMisSync', () => {
  it('creates a new person with the mapped role, an MIS membership titled by their OneRoster role, invited only when the settings say so', () => {
    const result = plan([fx(1), fx(2, { role: 'aide' })], []);
    expect(result.changes.map((c) => [c.kind, c.profile?.email, c.addRoleIds, c.membership, c.invite])).toEqual([
      ['create', 'p1@oak.example', [presetIds.teacher], { add: { jobTitle: 'Teacher', primary: true } }, false],
      ['create', 'p2@oak.example', [presetIds.staff], { add: { jobTitle: 'Teaching Assistant', primary: true } }, false],
    ]);
    expect(planMisSync({ ...inputOf([fx(1)], []), settings: { ...settings, inviteNew: true } }).changes[0]!.invite).toBe(true);
  });

  it('leaves guardians out unless the school syncs parents, and then gives them Parent', () => {
    const roster = [fx(1), fx(2, { role: 'guardian' }), fx(3, { role: 'student' })];
    expect(plan(roster, []).changes.map((c) => c.sourcedId)).toEqual(['s1']);
    const withParents = planMisSync({ ...inputOf(roster, []), settings: { ...settings, parents: true } });
    expect(withParents.changes.map((c) => [c.sourcedId, c.profile?.userType, c.addRoleIds])).toEqual([
      ['s1', 'staff', [presetIds.teacher]],
      ['s2', 'parent', [presetIds.parent]],
    ]);
  });

  it('follows a changed name and email, but leaves an edited person alone and counts them', () => {
    const result = plan([fx(1, { givenName: 'Renamed', email: 'new1@oak.example' }), fx(2, { familyName: 'Changed' })], [misPerson(1), misPerson(2, { edited: true })]);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ kind: 'update', userId: 'user-1', changes: [{ field: 'firstName', from: 'Given1', to: 'Renamed' }, { field: 'email', from: 'p1@oak.example', to: 'new1@oak.example' }] });
    expect(result.skippedEdited).toBe(1);
  });

  it('lands a chain of email moves in one run, in an order the writes can follow, and refuses a swap', () => {
    // user-1 takes the address user-2 moves away from.
    const chain = plan([fx(1, { email: 'p2@oak.example' }), fx(2, { email: 'new2@oak.example' })], [misPerson(1), misPerson(2)]);
    expect(chain.changes.map((c) => [c.userId, c.changes.map((x) => x.to)])).toEqual([['user-2', ['new2@oak.example']], ['user-1', ['p2@oak.example']]]);
    const swap = plan([fx(1, { email: 'p2@oak.example' }), fx(2, { email: 'p1@oak.example' })], [misPerson(1), misPerson(2)]);
    expect(swap.changes).toEqual([]);
    expect(swap.errors.map((e) => e.code)).toEqual(['email_taken', 'email_taken']);
  });

  it('prefers the preferred given name', () => {
    expect(plan([fx(1, { preferredGivenName: 'Jo' })], []).changes[0]!.profile!.firstName).toBe('Jo');
  });

  it('keeps a person whose MIS id changed but whose email is the same, and moves their link', () => {
    const result = plan([fx(9, { email: 'p1@oak.example', givenName: 'Given1', familyName: 'Family1' })], [misPerson(1)]);
    expect(result.changes).toEqual([expect.objectContaining({ kind: 'update', userId: 'user-1', changes: [{ field: 'misId', from: 's1', to: 's9' }] })]);
  });

  it('never matches by email an account that is not one of the school\'s MIS people: a new id with such an email is an error row', () => {
    // p1 is another school's (or a hand-made) account: not adopted, not duplicated, not renamed.
    const result = plan([fx(1, { givenName: 'MisName' }), fx(2)], [], { takenElsewhere: new Set(['p1@oak.example']) });
    expect(result.changes.map((c) => [c.kind, c.sourcedId])).toEqual([['create', 's2']]);
    expect(result.errors.map((e) => [e.sourcedId, e.code])).toEqual([['s1', 'email_taken']]);
  });

  it('does not move an MIS person\'s email onto an address another account holds', () => {
    const result = plan([fx(1, { email: 'v@south.example' })], [misPerson(1)], { takenElsewhere: new Set(['v@south.example']) });
    expect(result.changes).toEqual([]);
    expect(result.errors.map((e) => [e.sourcedId, e.code])).toEqual([['s1', 'email_taken']]);
  });

  it('refuses a row whose email has an account outside the trust, and a row without an email', () => {
    const result = plan([fx(1), fx(2, { email: undefined })], [], { takenElsewhere: new Set(['p1@oak.example']) });
    expect(result.changes).toEqual([]);
    expect(result.errors.map((e) => [e.sourcedId, e.code])).toEqual([['s1', 'email_taken'], ['s2', 'missing_field']]);
  });

  it('takes the school away from a leaver and makes them inactive when nothing else places them; never deletes', () => {
    const result = plan([fx(1)], [misPerson(1), misPerson(2), misPerson(3, { placedElsewhere: true })]);
    expect(result.changes.map((c) => [c.userId, c.kind, c.membership, c.removeRoleIds, c.status])).toEqual([
      ['user-2', 'leave', { remove: true }, [presetIds.teacher], 'deactivate'],
      ['user-3', 'leave', { remove: true }, [presetIds.teacher], undefined],
    ]);
    expect(result.held).toBe(true); // two of three leaving is over the 0.5 share
  });

  it('holds a run that would take away more than maxLeaverShare, and not one within it', () => {
    const people = Array.from({ length: 10 }, (_, i) => misPerson(i));
    const keep = (n: number) => Array.from({ length: n }, (_, i) => fx(i));
    expect(plan(keep(5), people).held).toBe(false);
    expect(plan(keep(4), people).held).toBe(true);
  });

  it('keeps a leaver for the grace days, then takes the school away', () => {
    const graceSettings = { ...settings, leaverGraceDays: 3 };
    const first = planMisSync({ ...inputOf([], [misPerson(1)]), settings: graceSettings });
    expect(first.changes).toEqual([expect.objectContaining({ kind: 'leave', leftAt: NOW.toISOString(), removeRoleIds: [] })]);
    expect(first.changes[0]).not.toHaveProperty('membership');
    expect(first.changes[0]).not.toHaveProperty('status');
    const leftAt = '2026-11-29T02:00:00.000Z';
    expect(planMisSync({ ...inputOf([], [misPerson(1, { leftAt })]), settings: graceSettings }).changes).toEqual([]);
    const due = planMisSync({ ...inputOf([], [misPerson(1, { leftAt: '2026-11-28T02:00:00.000Z' })]), settings: graceSettings });
    expect(due.changes[0]).toMatchObject({ kind: 'leave', membership: { remove: true }, status: 'deactivate' });
  });

  it('reactivates a person the sync deactivated, with the membership and MIS role', () => {
    const result = plan([fx(1)], [misPerson(1, { status: 'inactive', deactivatedByMis: true, member: false, misRoleIds: [], leftAt: '2026-06-01T00:00:00.000Z' })]);
    expect(result.changes[0]).toMatchObject({ kind: 'return', status: 'activate', leftAt: null, addRoleIds: [presetIds.teacher], membership: { add: { jobTitle: 'Teacher' } } });
    expect(result.errors).toEqual([]);
  });

  it('leaves a person deactivated by hand inactive and untouched, and reports the row', () => {
    const suspended = misPerson(1, { status: 'inactive', firstName: 'Old' });
    const left = misPerson(2, { status: 'inactive', member: false, misRoleIds: [], leftAt: '2026-06-01T00:00:00.000Z' });
    const result = plan([fx(1), fx(2), fx(3)], [suspended, left, misPerson(3)]);
    expect(result.changes).toEqual([]);
    expect(result.unchanged).toBe(1);
    expect(result.errors.map((e) => [e.sourcedId, e.code])).toEqual([['s1', 'deactivated_by_hand'], ['s2', 'deactivated_by_hand']]);
    // Also under a new MIS id with the same email: no relink, no reactivation.
    expect(plan([fx(9, { email: 'p1@oak.example' })], [suspended]).changes.filter((c) => c.userId === 'user-1' && c.status === 'activate')).toEqual([]);
  });

  it('keeps the email of someone deactivated by hand: their roster move frees nothing, so a new person with that email is email_taken', () => {
    // The property test's counterexample: s6 (inactive by hand, p0) moves to p1 in the roster; a new s0 has p0.
    const suspended = misPerson(6, { email: 'p0@oak.example', status: 'inactive' });
    const roster = [fx(6, { email: 'p1@oak.example' }), fx(0, { email: 'p0@oak.example' })];
    const result = plan(roster, [suspended]);
    expect(result.changes).toEqual([]);
    expect(result.errors.map((e) => [e.sourcedId, e.code])).toEqual([['s6', 'deactivated_by_hand'], ['s0', 'email_taken']]);
    const { people: after } = applyPlan([suspended], result);
    expect(after.map((p) => p.email)).toEqual(['p0@oak.example']);
  });

  it('swaps the MIS role when the OneRoster role changes', () => {
    const result = plan([fx(1, { role: 'aide' })], [misPerson(1)]);
    expect(result.changes[0]).toMatchObject({ kind: 'update', addRoleIds: [presetIds.staff], removeRoleIds: [presetIds.teacher] });
  });

  it('in a delta, changes only the people it names: tobedeleted leaves, others stay', () => {
    const result = plan([fx(2, { status: 'tobedeleted' })], [misPerson(1), misPerson(2)], {}, 'delta');
    expect(result.changes.map((c) => [c.userId, c.kind])).toEqual([['user-2', 'leave']]);
  });

  it('treats a role past its end date, or a disabled user, as gone', () => {
    const result = plan([fx(1, { endDate: '2026-11-30' }), fx(2, { enabledUser: false }), fx(3, { beginDate: '2027-01-04' })], [misPerson(1), misPerson(2)]);
    expect(result.changes.map((c) => [c.userId ?? c.sourcedId, c.kind])).toEqual([['user-1', 'leave'], ['user-2', 'leave']]);
  });

  it('plans nothing the second time (bulk), including leavers already gone', () => {
    const people = [misPerson(1), misPerson(2)];
    const roster = [fx(1, { familyName: 'New' }), fx(3)];
    const first = plan(roster, people);
    const { people: after } = applyPlan(people, first);
    expect(plan(roster, after).changes).toEqual([]);
  });
});

function inputOf(people: RosterPersonFixture[], current: MisPerson[]): PlanInput {
  return { settings, roster: readRoster(onerosterBundle({ org, people })), people: current, takenElsewhere: new Set(), now: NOW };
}
