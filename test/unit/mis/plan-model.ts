import type { MisPerson, MisPlan } from '../../../domain/mis/plan';

/**
 * What applying a plan does to the school's MIS people, as the applier
 * writes it: the reference the property test plans again from.
 */
export function applyPlan(people: MisPerson[], plan: MisPlan): { people: MisPerson[] } {
  const next = new Map(people.map((p) => [p.userId, { ...p, misRoleIds: [...p.misRoleIds] }]));
  let created = 0;
  for (const change of plan.changes) {
    if (change.kind === 'create') {
      const profile = change.profile!;
      const person: MisPerson = {
        userId: `new-${(created += 1)}`,
        misId: change.sourcedId,
        email: profile.email,
        firstName: profile.firstName,
        lastName: profile.lastName,
        userType: profile.userType,
        status: 'invited',
        source: 'mis',
        edited: false,
        member: true,
        primaryElsewhere: false,
        placedElsewhere: false,
        misRoleIds: [...change.addRoleIds],
      };
      next.set(person.userId, person);
      continue;
    }
    const person = next.get(change.userId!)!;
    for (const c of change.changes) {
      if (c.field === 'misId') person.misId = c.to;
      else person[c.field] = c.to;
    }
    if (change.membership) person.member = 'add' in change.membership;
    person.misRoleIds = [...person.misRoleIds.filter((id) => !change.removeRoleIds.includes(id)), ...change.addRoleIds];
    // The applier marks its own deactivation on the account (deactivatedBy: 'mis'); any activation clears it.
    if (change.status === 'activate') Object.assign(person, { status: 'active', deactivatedByMis: false });
    if (change.status === 'deactivate') Object.assign(person, { status: 'inactive', deactivatedByMis: true });
    if (change.leftAt === null) delete person.leftAt;
    else if (change.leftAt !== undefined) person.leftAt = change.leftAt;
  }
  return { people: [...next.values()] };
}
