import type { AccountStatus, UserType } from '../identity/account';
import type { Roster, RosterError } from './oneroster';
import { day, familyName, givenName, isStaff, jobTitle, listing, mainRole, nameErrors, normalEmail, roleIdsFor, type Listed } from './roster-listing';

/**
 * The nightly roster sync as a pure plan: (the school's MIS settings, its
 * roster, the people its MIS has listed, now) → what changes for whom, with
 * a reason per change. The rules are API.md's "MIS roster sync":
 * - match by `sourcedId` (the school's link to a person), then by email
 *   among this school's MIS people only: an MIS id change with the same email
 *   is the same person. An email held by any other account (of another
 *   school, made by hand, outside the trust) is never matched: that row is
 *   an error (`email_taken`), neither an adoption nor a second account;
 * - a changed name or email follows the MIS unless the person is `edited`
 *   (changed by hand) or was made by hand (`source: manual`);
 * - a leaver (missing from a bulk roster, `tobedeleted`, disabled, or past
 *   their role's end date) keeps access for `leaverGraceDays`, then loses
 *   this school's membership and MIS roles, and is made inactive when no
 *   membership is left; never deleted;
 * - a person who comes back gets the membership and roles back and is
 *   reactivated (their other roles were never taken) — only when the sync
 *   made them inactive (`deactivatedByMis`); someone deactivated by hand stays
 *   inactive, untouched, and their row is reported (`deactivated_by_hand`);
 * - a run that would take more than `maxLeaverShare` of the school's listed
 *   MIS people away is held, changing nothing until approved.
 * Applying the plan and planning again from the result gives an empty plan.
 */

export interface MisSettings {
  enabled: boolean;
  /** The school's `sourcedId` in orgs.csv. */
  orgSourcedId: string;
  /** OneRoster role (or `ext:` value) → role id; unmapped staff get Staff, guardians Parent. */
  roleMap: Readonly<Record<string, string>>;
  /** Make accounts for guardians too. */
  parents: boolean;
  /** Email new people their invitation; otherwise they wait, invited, for an admin to invite them. */
  inviteNew: boolean;
  leaverGraceDays: number;
  maxLeaverShare: number;
}

export const DEFAULT_MIS_SETTINGS = { roleMap: {}, parents: false, inviteNew: false, leaverGraceDays: 0, maxLeaverShare: 0.2 } as const;

/** A person this school's MIS lists or once listed (the school's link), with what the plan needs of their account. */
export interface MisPerson {
  userId: string;
  /** The `sourcedId` this school's MIS knows them by. */
  misId: string;
  email: string;
  firstName: string;
  lastName: string;
  userType: UserType;
  status: AccountStatus;
  source: 'manual' | 'mis';
  edited: boolean;
  /** Holds a membership at this school. */
  member: boolean;
  /** Holds a primary membership at another node. */
  primaryElsewhere: boolean;
  /** Holds a membership at another node (they stay active when they leave here). */
  placedElsewhere: boolean;
  /** Roles the sync gave at this school that they still hold. */
  misRoleIds: string[];
  /** When this school's roster stopped listing them; absent while listed. */
  leftAt?: string;
  /** Inactive because the sync made them so (the account's `deactivatedBy: 'mis'`): the sync may bring them back. */
  deactivatedByMis?: boolean;
}

export type MisField = 'firstName' | 'lastName' | 'email' | 'misId';

export interface MisChange {
  kind: 'create' | 'update' | 'leave' | 'return';
  /** Absent for a new person. */
  userId?: string;
  sourcedId: string;
  /** users.csv line, when the roster lists the person. */
  line?: number;
  /** The person as the roster has them (create); firstName/lastName/email. */
  profile?: { firstName: string; lastName: string; email: string; userType: UserType };
  changes: { field: MisField; from: string | null; to: string }[];
  /** Add (or keep) the membership at the school with this title; `remove` takes it away. */
  membership?: { add: { jobTitle: string; primary: boolean } } | { remove: true };
  addRoleIds: string[];
  removeRoleIds: string[];
  status?: 'activate' | 'deactivate';
  /** Set when the person starts their grace period; `null` clears it (listed again). */
  leftAt?: string | null;
  invite?: boolean;
  reasons: string[];
}

export interface MisPlan {
  changes: MisChange[];
  /** People the roster lists whose account needs nothing. */
  unchanged: number;
  /** People whose name or email the MIS changed but who were edited by hand. */
  skippedEdited: number;
  errors: (RosterError | { file: string; line: number; sourcedId?: string; code: string; message: string })[];
  /** Too many leavers: nothing is applied until someone approves. */
  held: boolean;
  leavers: number;
  listedBefore: number;
}

export interface PlanInput {
  settings: MisSettings;
  roster: Roster;
  /** Everyone this school's MIS lists or once listed. */
  people: readonly MisPerson[];
  /**
   * Emails the roster uses that an account other than this school's MIS
   * people holds (of the trust or outside it, or being claimed): such a row
   * is an error, never a match.
   */
  takenElsewhere: ReadonlySet<string>;
  now: Date;
}

/** The emails the planner will ask about: the roster's, minus those of this school's MIS people. */
export function emailsToLookUp(roster: Roster, people: readonly MisPerson[]): string[] {
  const known = new Set(people.map((p) => p.email.toLowerCase()));
  return [...new Set(roster.users.map((u) => normalEmail(u.email)).filter((e): e is string => e !== undefined && !known.has(e)))];
}

export function planMisSync(input: PlanInput): MisPlan {
  const { settings, roster, people, takenElsewhere, now } = input;
  const nowIso = now.toISOString();
  const today = day(nowIso);
  const delta = roster.modes.users === 'delta' || roster.modes.roles === 'delta';
  const { listed, gone } = listing(settings, roster, today);
  const byMisId = new Map(people.map((p) => [p.misId, p]));
  const byEmail = new Map(people.map((p) => [p.email.toLowerCase(), p]));
  const plan: MisPlan = { changes: [], unchanged: 0, skippedEdited: 0, errors: [...roster.errors], held: false, leavers: 0, listedBefore: people.filter((p) => p.leftAt === undefined).length };
  const matched = new Set<string>();
  const claimedEmails = new Set<string>();

  // People the roster still knows by their MIS id go first, those whose
  // email moves in the order the moves can land (resolveEmailMoves); then
  // everyone matched or made by email. The applier writes in this order.
  const entries = [...listed.values()];
  const known = entries.filter((e) => byMisId.has(e.sourcedId));
  const moves = known.flatMap((e) => {
    const person = byMisId.get(e.sourcedId)!;
    const to = normalEmail(e.user?.email);
    // Someone deactivated by hand is left untouched below, so their email stays theirs: it is no move that frees an address.
    return to !== undefined && to !== person.email.toLowerCase() && !person.edited && person.source === 'mis' && !deactivatedByHand(person) ? [{ person, to }] : [];
  });
  const moveRank = resolveEmailMoves(moves, byEmail, (email) => takenElsewhere.has(email));
  const rank = (e: Listed) => moveRank.get(byMisId.get(e.sourcedId)!.userId) ?? -1;
  const ordered = [...known.sort((a, b) => rank(a) - rank(b)), ...entries.filter((e) => !byMisId.has(e.sourcedId))];
  for (const entry of ordered) {
    const role = mainRole(entry.roles);
    const line = entry.user?.line ?? role.line;
    let person = byMisId.get(entry.sourcedId);
    const email = normalEmail(entry.user?.email);
    let relinkFrom: string | undefined;
    if (!person && email) {
      const sameEmail = byEmail.get(email);
      if (sameEmail && !listed.has(sameEmail.misId)) {
        person = sameEmail;
        relinkFrom = sameEmail.misId;
      }
    }
    if (person && matched.has(person.userId)) {
      plan.errors.push({ file: 'users.csv', line, sourcedId: entry.sourcedId, code: 'duplicate_person', message: 'Two roster entries are the same person (same email)' });
      continue;
    }
    const roleIds = roleIdsFor(settings, entry.roles);
    const userType: UserType = entry.roles.some((r) => isStaff(r.role)) ? 'staff' : 'parent';
    const primaryHere = (elsewhere: boolean) =>
      entry.user?.primaryOrgSourcedId === settings.orgSourcedId || (role.roleType === 'primary' && !elsewhere);

    if (!person) {
      if (!entry.user) {
        // A delta role row for someone the users file does not carry and we never knew.
        plan.errors.push({ file: 'roles.csv', line: role.line, sourcedId: entry.sourcedId, code: 'unknown_user', message: 'The roles row names a user that is neither in users.csv nor known' });
        continue;
      }
      if (!email) {
        plan.errors.push({ file: 'users.csv', line, sourcedId: entry.sourcedId, code: 'missing_field', message: 'An account needs an email' });
        continue;
      }
      if (claimedEmails.has(email) || takenElsewhere.has(email) || byEmail.has(email)) {
        plan.errors.push({ file: 'users.csv', line, sourcedId: entry.sourcedId, code: 'email_taken', message: 'This email already has an account that the roster cannot use' });
        continue;
      }
      const badName = nameErrors(entry.user);
      if (badName.length > 0) {
        plan.errors.push({ file: 'users.csv', line, sourcedId: entry.sourcedId, code: 'invalid_value', message: badName.join('; ') });
        continue;
      }
      claimedEmails.add(email);
      const profile = { firstName: givenName(entry.user), lastName: familyName(entry.user), email, userType };
      plan.changes.push({
        kind: 'create', sourcedId: entry.sourcedId, line, profile,
        changes: [], membership: { add: { jobTitle: jobTitle(role.role), primary: true } },
        addRoleIds: roleIds, removeRoleIds: [], invite: settings.inviteNew,
        reasons: ['new in the roster'],
      });
      continue;
    }

    matched.add(person.userId);
    if (deactivatedByHand(person)) {
      // Deactivated by hand (a suspension): the roster listing them is no reason to let them back in, nor to touch them.
      plan.errors.push({ file: 'users.csv', line, sourcedId: entry.sourcedId, code: 'deactivated_by_hand', message: 'This person was deactivated by hand; the sync leaves them inactive and unchanged until an administrator reactivates them' });
      continue;
    }
    const change: MisChange = { kind: 'update', userId: person.userId, sourcedId: entry.sourcedId, line, changes: [], addRoleIds: [], removeRoleIds: [], reasons: [] };
    if (relinkFrom !== undefined) {
      change.changes.push({ field: 'misId', from: relinkFrom, to: entry.sourcedId });
      change.reasons.push('new MIS id, same email');
    }
    if (entry.user) {
      const wanted = { firstName: givenName(entry.user), lastName: familyName(entry.user), email: email ?? person.email };
      // A name the API would refuse (a control character, too long) is not taken; the rest is still updated.
      const badName = nameErrors(entry.user);
      const all = nameChanges(person, wanted).filter((c) => c.field === 'email' || badName.length === 0);
      if (badName.length > 0) {
        plan.errors.push({ file: 'users.csv', line, sourcedId: entry.sourcedId, code: 'invalid_value', message: `${badName.join('; ')}; the rest is still updated` });
      }
      if (all.length > 0 && (person.edited || person.source === 'manual')) plan.skippedEdited += 1;
      else {
        const diff = all.filter((c) => c.field !== 'email' || moveRank.has(person.userId));
        if (diff.length < all.length) {
          plan.errors.push({ file: 'users.csv', line, sourcedId: entry.sourcedId, code: 'email_taken', message: 'The new email already has another account; the rest is still updated' });
        }
        if (diff.length > 0) {
          change.changes.push(...diff);
          change.reasons.push('name or email changed in the MIS');
        }
      }
    }
    const returning = person.leftAt !== undefined || !person.member || person.status === 'inactive';
    if (!person.member) change.membership = { add: { jobTitle: jobTitle(role.role), primary: primaryHere(person.primaryElsewhere) } };
    change.addRoleIds = roleIds.filter((id) => !person.misRoleIds.includes(id));
    change.removeRoleIds = person.misRoleIds.filter((id) => !roleIds.includes(id));
    if (change.addRoleIds.length + change.removeRoleIds.length > 0 && !returning) change.reasons.push('MIS role changed');
    if (person.status === 'inactive') change.status = 'activate';
    if (person.leftAt !== undefined) change.leftAt = null;
    if (returning) {
      change.kind = 'return';
      change.reasons.push('listed again');
    }
    if (change.changes.length + change.addRoleIds.length + change.removeRoleIds.length > 0 || change.membership || change.status || change.leftAt !== undefined) {
      plan.changes.push(change);
    } else plan.unchanged += 1;
  }

  // Leavers: not listed (bulk) or said to be gone (delta), and not matched above.
  for (const person of people) {
    if (matched.has(person.userId)) continue;
    const leaving = delta ? gone.has(person.misId) : true;
    if (!leaving) continue;
    const left = person.leftAt ?? nowIso;
    const due = Date.parse(left) + settings.leaverGraceDays * 86_400_000 <= now.getTime();
    const holdsSomething = person.member || person.misRoleIds.length > 0;
    if (person.leftAt === undefined) plan.leavers += 1;
    if (!due) {
      if (person.leftAt === undefined) {
        plan.changes.push({ kind: 'leave', userId: person.userId, sourcedId: person.misId, changes: [], addRoleIds: [], removeRoleIds: [], leftAt: nowIso, reasons: [`not in the roster; access ends after ${settings.leaverGraceDays} days`] });
      }
      continue;
    }
    const deactivate = !person.placedElsewhere && person.status !== 'inactive';
    if (!holdsSomething && !deactivate && person.leftAt !== undefined) continue;
    plan.changes.push({
      kind: 'leave', userId: person.userId, sourcedId: person.misId, changes: [],
      ...(person.member ? { membership: { remove: true as const } } : {}),
      addRoleIds: [], removeRoleIds: [...person.misRoleIds],
      ...(deactivate ? { status: 'deactivate' as const } : {}),
      ...(person.leftAt === undefined ? { leftAt: nowIso } : {}),
      reasons: [person.leftAt === undefined ? 'not in the roster' : 'grace period over'],
    });
  }
  plan.held = plan.listedBefore > 0 && plan.leavers / plan.listedBefore > settings.maxLeaverShare;
  return plan;
}

function nameChanges(person: Pick<MisPerson, 'firstName' | 'lastName' | 'email'>, wanted: { firstName: string; lastName: string; email: string }): MisChange['changes'] {
  const changes: MisChange['changes'] = [];
  for (const field of ['firstName', 'lastName', 'email'] as const) {
    const from = field === 'email' ? person.email.toLowerCase() : person[field];
    if (from !== wanted[field]) changes.push({ field, from: person[field], to: wanted[field] });
  }
  return changes;
}

/** Inactive, and not because the sync made them so (a suspension): the sync neither reactivates nor changes them. */
const deactivatedByHand = (person: MisPerson) => person.status === 'inactive' && !person.deactivatedByMis;

/**
 * Which email moves can land, in the order they can: a move waits until no
 * other account holds its address, so a chain (one person takes the address
 * another moves away from) lands in one run; two people wanting one address,
 * a swap, or an address held outside the school's MIS people does not move
 * (an error for that row). Updates `byEmail` to the addresses after the moves.
 */
function resolveEmailMoves(
  moves: { person: MisPerson; to: string }[],
  byEmail: Map<string, MisPerson>,
  blocked: (email: string) => boolean,
): Map<string, number> {
  const rank = new Map<string, number>();
  let pending = moves.filter((m) => !blocked(m.to));
  for (let progress = true; progress; ) {
    progress = false;
    for (const move of pending) {
      const owner = byEmail.get(move.to);
      if (owner !== undefined && owner.userId !== move.person.userId) continue;
      byEmail.delete(move.person.email.toLowerCase());
      byEmail.set(move.to, move.person);
      rank.set(move.person.userId, rank.size);
      progress = true;
    }
    pending = pending.filter((m) => !rank.has(m.person.userId));
  }
  return rank;
}
