import { permissionByCode, type PermissionCode } from '../access/permissions';

/**
 * The notification categories, in one catalogue (API.md "Notifications"):
 * the permission a recipient needs at the event's node, whether that
 * permission only works with 2FA on, the delivery a person gets until they
 * choose, and whether an email may carry the event's detail at all.
 */
export const DELIVERIES = ['immediate', 'digest', 'off'] as const;
export type Delivery = (typeof DELIVERIES)[number];

export interface NotificationCategory {
  code: string;
  description: string;
  /** One event of the category, as an email names it ("a new <noun> was recorded"). */
  noun: string;
  permission: PermissionCode;
  /** Only people with 2FA on receive it (the permission takes effect only in a 2FA session). */
  requiresMfa: boolean;
  defaultDelivery: Exclude<Delivery, 'off'>;
  /**
   * Safeguarding: an email says only that something was recorded at a
   * school, never the pupil, the subject id, the title or the summary.
   */
  sensitive: boolean;
  /** Raised by the service itself (lockouts, MIS runs); apps may not post it. */
  internal: boolean;
  /**
   * Whether a link in an email may turn it off (the unsubscribe page and the
   * RFC 8058 one-click POST). Not for safeguarding categories or account
   * security: anyone holding a forwarded email could otherwise silently stop
   * a DSL's concerns or an admin's lockout alerts. Those are turned off only
   * by the person, signed in (PUT /me/notification-preferences).
   */
  offByLink: boolean;
}

function category(code: string, permission: PermissionCode, description: string, noun: string, options: { immediate?: boolean; sensitive?: boolean; internal?: boolean; signInToTurnOff?: boolean } = {}): NotificationCategory {
  return Object.freeze({
    code,
    description,
    noun,
    permission,
    requiresMfa: permissionByCode.get(permission)?.requiresMfa ?? false,
    defaultDelivery: options.immediate ? 'immediate' : 'digest',
    sensitive: options.sensitive ?? false,
    internal: options.internal ?? false,
    offByLink: !(options.sensitive || options.signInToTurnOff),
  });
}

export const notificationCategories: readonly NotificationCategory[] = Object.freeze([
  category('behaviour', 'behaviour.view', 'Behaviour incidents and rewards', 'behaviour record'),
  category('pastoral', 'pastoral.view', 'Pastoral notes and concerns', 'pastoral note'),
  category('first_aid', 'first_aid.view', 'First aid given and accidents', 'first aid record'),
  category('attendance', 'attendance.view', 'Absences, lateness and persistent-absence alerts', 'attendance alert'),
  category('child_protection', 'safeguarding.child_protection.view', 'Child protection concerns', 'child protection concern', { immediate: true, sensitive: true }),
  category('allegation', 'safeguarding.allegations.manage', 'Allegations made against staff', 'allegation against a member of staff', { immediate: true, sensitive: true }),
  category('account_security', 'users.unlock', 'Account lockouts, 2FA resets, grants of sensitive permissions and undeliverable addresses', 'account security event', { internal: true, signInToTurnOff: true }),
  category('mis_sync', 'org.manage', 'Summaries and holds of the nightly MIS roster sync', 'MIS sync report', { internal: true }),
]);

/** What an event says, as it arrives and as each recipient's entry keeps it. */
export interface EventContent {
  category: string;
  nodeId: string;
  /** The pupil (or other subject) it is about: blocks from it are honoured. */
  subjectId?: string;
  title: string;
  summary?: string;
  link?: string;
  occurredAt: string;
}

export const categoryByCode: ReadonlyMap<string, NotificationCategory> = new Map(notificationCategories.map((c) => [c.code, c]));

/**
 * The delivery a person gets for a category: their own choice, else the
 * trust's default, else the category's. A sensitive category can be set to
 * `digest` or `off` by the person, but the trust default never turns it off.
 */
export function deliveryFor(
  category: NotificationCategory,
  personChoice: Partial<Record<string, Delivery>> | undefined,
  trustDefaults: Partial<Record<string, Delivery>> | undefined,
): Delivery {
  const own = personChoice?.[category.code];
  if (own) return own;
  const trust = trustDefaults?.[category.code];
  if (trust && !(category.sensitive && trust === 'off')) return trust;
  return category.defaultDelivery;
}
