import type { MisPerson, MisPlan, TrustAccount } from '../../../domain/mis/plan';

/**
 * What applying a plan does to the school's MIS people, as the applier
 * writes it: the reference the property test plans again from.
 */
export function applyPlan(people: MisPerson[], accounts: Map<string, TrustAccount>, plan: MisPlan): { people: MisPerson[]; accounts: Map<string, TrustAccount> } {
  const next = new Map(people.map((p) => [p.userId, { ...p, misRoleIds: [...p.misRoleIds] }]));
  const rest = new Map(accounts);
  let created = 0;
  for (const change of plan.changes) {
    if (change.kind === 'create' || change.kind === 'adopt') {
      const existing = change.kind === 'adopt' ? [...rest.values()].find((a) => a.userId === change.userId)! : undefined;
      if (existing) rest.delete(existing.email.toLowerCase());
      const profile = change.profile!;
      const misName = existing === undefined || (existing.source === 'mis' && !existing.edited);
      const person: MisPerson = {
        userId: change.userId ?? `new-${(created += 1)}`,
        misId: change.sourcedId,
        email: misName ? profile.email : existing!.email,
        firstName: misName ? profile.firstName : existing!.firstName,
        lastName: misName ? profile.lastName : existing!.lastName,
        userType: existing?.userType ?? profile.userType,
        status: existing ? (change.status === 'activate' ? 'active' : existing.status) : 'invited',
        source: existing?.source ?? 'mis',
        edited: existing?.edited ?? false,
        member: true,
        primaryElsewhere: existing?.primaryElsewhere ?? false,
        placedElsewhere: existing?.placedElsewhere ?? false,
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
    if (change.status === 'activate') person.status = 'active';
    if (change.status === 'deactivate') person.status = 'inactive';
    if (change.leftAt === null) delete person.leftAt;
    else if (change.leftAt !== undefined) person.leftAt = change.leftAt;
  }
  return { people: [...next.values()], accounts: rest };
}
