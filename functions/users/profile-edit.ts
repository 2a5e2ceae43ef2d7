import type { Account } from '../../domain/identity/account';
import type { PersonRecord } from '../adapters/dynamo/person-repository';
import type { ProfileFields } from '../adapters/dynamo/profile-writes';
import type { Caller } from '../http/caller';
import { assertDominates, refuseSelfChange } from '../shared/identity-guard';

export interface ProfilePatch {
  firstName?: string;
  lastName?: string;
  email?: string;
  /** null removes the mobile. */
  mobile?: string | null;
}

export interface ProfileEditPlan {
  next: ProfileFields;
  emailChanged: boolean;
  audit: { action: string; nodeId: string | null; before: unknown; after: unknown };
}

/**
 * The profile after a patch, with the rules of PATCH /users/{id} (and of the
 * CSV import, which asks this same function): a name needs only users.edit;
 * an email moves the sign-in, so it passes the identity guard and is never
 * one's own; a hand edit of an MIS record marks it `edited`.
 */
export function planProfileEdit(caller: Caller, { account, person }: Pick<PersonRecord, 'account' | 'person'>, patch: ProfilePatch): ProfileEditPlan {
  const mobile = patch.mobile === undefined ? account.mobile : patch.mobile;
  const next: ProfileFields = {
    firstName: patch.firstName ?? account.firstName,
    lastName: patch.lastName ?? account.lastName,
    email: patch.email ?? account.email,
    ...(mobile ? { mobile } : {}),
    // Hand edits of an MIS record are kept by the nightly sync.
    edited: account.edited || account.source === 'mis',
  };
  const emailChanged = next.email !== account.email;
  if (emailChanged) {
    refuseSelfChange(caller, account.id, 'sign-in email');
    assertDominates(caller, person);
  }
  return {
    next,
    emailChanged,
    audit: {
      action: 'user.updated',
      nodeId: person.memberships.find((m) => m.primary)?.nodeId ?? null,
      before: profileOf(account),
      after: profileOf(next),
    },
  };
}

const profileOf = (p: Pick<Account, 'firstName' | 'lastName' | 'email' | 'mobile'>) => ({ firstName: p.firstName, lastName: p.lastName, email: p.email, mobile: p.mobile });
