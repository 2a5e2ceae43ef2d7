import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { readRoster } from '../../../domain/mis/oneroster';
import { planMisSync, type MisPerson, type MisSettings } from '../../../domain/mis/plan';
import { onerosterBundle, type RosterPersonFixture } from '../../fixtures/oneroster';
import { applyPlan } from './plan-model';

const NOW = new Date('2026-12-01T02:00:00.000Z');
const email = fc.integer({ min: 0, max: 9 }).map((i) => `p${i}@oak.example`);
const misId = fc.integer({ min: 0, max: 9 }).map((i) => `s${i}`);

const rosterEntry = fc.record({
  sourcedId: misId,
  givenName: fc.constantFrom('Ada', 'Zoë', 'Bo'),
  familyName: fc.constantFrom('Abbott', 'Costa'),
  email: fc.option(email, { nil: undefined }),
  role: fc.constantFrom('teacher', 'aide', 'guardian', 'student', 'ext:nurseryPractitioner'),
  roleType: fc.constantFrom('primary' as const, 'secondary' as const),
  status: fc.constantFrom(undefined, 'active' as const, 'tobedeleted' as const),
  enabledUser: fc.constantFrom(true, true, false),
  endDate: fc.constantFrom(undefined, undefined, '2026-11-01', '2027-07-31'),
}) satisfies fc.Arbitrary<RosterPersonFixture>;

const person = fc.record({
  misId,
  email,
  firstName: fc.constantFrom('Ada', 'Zoë', 'Bo'),
  lastName: fc.constantFrom('Abbott', 'Costa'),
  userType: fc.constantFrom('staff' as const, 'parent' as const),
  status: fc.constantFrom('active' as const, 'invited' as const, 'inactive' as const, 'locked' as const),
  deactivatedByMis: fc.boolean(),
  source: fc.constantFrom('mis' as const, 'mis' as const, 'manual' as const),
  edited: fc.boolean(),
  member: fc.boolean(),
  primaryElsewhere: fc.boolean(),
  placedElsewhere: fc.boolean(),
  misRoleIds: fc.subarray([presetIds.teacher, presetIds.staff, presetIds.parent]),
  leftAt: fc.constantFrom(undefined, undefined, '2026-11-30T02:00:00.000Z', '2026-10-01T00:00:00.000Z'),
});

const world = fc.record({
  roster: fc.array(rosterEntry, { maxLength: 12 }),
  people: fc.uniqueArray(person, { maxLength: 8, selector: (p) => p.misId }),
  /** Emails of accounts that are not this school's MIS people (another school's, made by hand, another trust's). */
  taken: fc.array(email, { maxLength: 3 }),
  mode: fc.constantFrom('bulk' as const, 'delta' as const),
  parents: fc.boolean(),
  leaverGraceDays: fc.constantFrom(0, 2),
});

describe('planMisSync (property)', () => {
  it('plans nothing more after its plan is applied: the sync converges in one run', () => {
    fc.assert(
      fc.property(world, (w) => {
        // Emails are unique across accounts: keep the first owner of each.
        const used = new Set<string>();
        const people: MisPerson[] = w.people
          .filter((p) => !used.has(p.email) && used.add(p.email))
          .map((p, i) => ({ ...p, userId: `user-${i}`, ...(p.leftAt === undefined ? {} : { leftAt: p.leftAt }) }) as MisPerson);
        const takenElsewhere = new Set(w.taken.filter((e) => !used.has(e)));
        const settings: MisSettings = { enabled: true, orgSourcedId: 'org-oak', roleMap: { teacher: presetIds.teacher }, parents: w.parents, inviteNew: false, leaverGraceDays: w.leaverGraceDays, maxLeaverShare: 1 };
        const roster = readRoster(onerosterBundle({ org: { sourcedId: 'org-oak', name: 'Oak' }, people: w.roster, mode: w.mode }));
        const first = planMisSync({ settings, roster, people, takenElsewhere, now: NOW });
        const after = applyPlan(people, first);
        const second = planMisSync({ settings, roster, people: after.people, takenElsewhere, now: NOW });
        expect(second.changes).toEqual([]);
        // Nobody deactivated by hand is reactivated, nor anyone outside the school's MIS people reached.
        const byHand = new Set(people.filter((p) => p.status === 'inactive' && !p.deactivatedByMis).map((p) => p.userId));
        expect(first.changes.filter((c) => c.status === 'activate' && byHand.has(c.userId!))).toEqual([]);
        expect(first.changes.filter((c) => c.userId !== undefined && !people.some((p) => p.userId === c.userId))).toEqual([]);
        expect(first.changes.filter((c) => c.kind === 'create' && takenElsewhere.has(c.profile!.email))).toEqual([]);
        // Never two accounts with one email.
        const emails = after.people.map((p) => p.email);
        expect(new Set(emails).size).toBe(emails.length);
      }),
      { numRuns: 400 },
    );
  });
});
