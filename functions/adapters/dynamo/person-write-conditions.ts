import { keys } from './keys';
import { tableName } from './client';
import type { PersonOp, Tagged } from './person-writes';
import type { TransactItem } from './transaction';

/**
 * The conditions a person's write carries besides the person's own version
 * (person-writes.ts): that the trust's roles and tree are still those the
 * grant was planned on, and that whoever the write is made for is still as
 * they were resolved.
 */

/**
 * A grant was planned against the trust's roles and tree at one version; it
 * lands only while that is still the version (every role and tree change
 * bumps it), so a role widened, or a rule withdrawn, between the plan and the
 * write makes the plan run again on the new roles instead of handing out
 * permissions nobody authorised. Only plans that grant carry it.
 */
export function grantPlannedOn(trustId: string, ops: PersonOp[], plannedOn: number | undefined): Tagged[] {
  if (plannedOn === undefined || !ops.some((op) => op.type === 'putAssignment')) return [];
  return [
    {
      item: {
        ConditionCheck: {
          TableName: tableName(),
          Key: keys.trustMeta(trustId),
          ConditionExpression: 'treeVersion = :planned',
          ExpressionAttributeValues: { ':planned': plannedOn },
        },
      },
      onFail: 'trust_changed',
    },
  ];
}

/**
 * A person whose authority a write is made with (the caller of a route, the
 * importer, an MIS run's actor and saver), as they were resolved: the write
 * lands only while their own profile is still exactly that. Deactivation
 * (status), a role given or taken, 2FA turned on or reset, a name or email
 * edit all bump the profile's version; a sign-out everywhere moves
 * `sessionsValidAfter` alone, so a session's caller (`signedInAt`) is checked
 * on it too. A request that runs long (POST /users/bulk, 22 s) or a job (the
 * MIS run, the CSV import) therefore never writes with authority its caller
 * lost meanwhile: the write fails `caller_changed`, and the caller is
 * resolved again (person-change.ts).
 */
export interface ActingAs {
  userId: string;
  version: number;
  /** The session's sign-in (the token's auth_time), for a caller with one: refused once every session before it was signed out. */
  signedInAt?: number;
}

/**
 * The clauses an acting person's profile must meet: active, at the version
 * they were resolved at, and (for a session) no sign-out everywhere since its
 * sign-in. `p` keeps the placeholders apart from those of an item they join.
 */
function actingClauses(who: ActingAs, p = '') {
  const session = who.signedInAt === undefined ? '' : ` AND (attribute_not_exists(sessionsValidAfter) OR sessionsValidAfter <= :${p}signedIn)`;
  return {
    expression: `#${p}status = :${p}active AND version = :${p}seen${session}`,
    names: { [`#${p}status`]: 'status' },
    values: { [`:${p}active`]: 'active', [`:${p}seen`]: who.version, ...(who.signedInAt === undefined ? {} : { [`:${p}signedIn`]: who.signedInAt }) },
  };
}

/** One ConditionCheck per acting person (once each), except the changed person themself, whose profile the write already conditions on its version. */
export function actingChecks(trustId: string, userId: string, acting: readonly ActingAs[]): Tagged[] {
  const seen = new Set<string>([userId]);
  return acting.flatMap((who): Tagged[] => {
    if (seen.has(who.userId)) return [];
    seen.add(who.userId);
    const { expression, names, values } = actingClauses(who);
    return [{
      item: {
        ConditionCheck: {
          TableName: tableName(), Key: keys.userProfile(trustId, who.userId),
          ConditionExpression: expression, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
        },
      },
      onFail: 'caller_changed',
    }];
  });
}

/**
 * A change a person makes to themself (an import row or bulk entry on the
 * importer's own name, a profile edit): actingChecks leaves them out (one item
 * takes one operation in a transaction), so their own profile Update carries
 * the same clauses. Without it a row on the importer themself, reloaded after
 * a sign-out (which moves no version), was still written (review L, L1).
 * Fails as the person's own condition does.
 */
export function withSelfActing(profile: TransactItem, userId: string, acting: readonly ActingAs[]): TransactItem {
  const self = acting.find((who) => who.userId === userId);
  if (!self || !profile.Update) return profile;
  const { Update } = profile;
  const { expression, names, values } = actingClauses(self, 'self_');
  return {
    Update: {
      ...Update,
      ConditionExpression: `(${Update.ConditionExpression}) AND ${expression}`,
      ExpressionAttributeNames: { ...Update.ExpressionAttributeNames, ...names },
      ExpressionAttributeValues: { ...Update.ExpressionAttributeValues, ...values },
    },
  };
}
