import type { Delivery } from '../notifications/categories';
import { checkTrustDefaults } from '../notifications/preferences';
/** A tenant: its name, its root node and the version its tree is at. */
export interface Trust {
  id: string;
  name: string;
  rootNodeId: string;
  /** Bumped by every change to the tree or the trust's roles; the warm-container cache is keyed by it. */
  treeVersion: number;
  /** Bumped by every change of the name or policies (PATCH /trust/settings, If-Match). */
  settingsVersion: number;
  /** The account made at bootstrap (it holds the Trust Admin role at the root). */
  adminUserId: string;
  createdAt: string;
  policies: TrustPolicies;
}

export interface TrustPolicies {
  /** Only assign roles in a cluster to people who belong there (409 not_a_member). The API calls it clusterRolesMembersOnly. */
  membersOnly: boolean;
  /** Consecutive failed sign-ins (passwords or TOTP codes) that lock an account. */
  maxFailedLogins: number;
  /** Minutes after which a locked account unlocks by itself; absent: only an admin unlocks. */
  autoUnlockMinutes?: number;
  /** Administration permissions work only in sessions that passed TOTP. */
  requireMfaForAdmins: boolean;
  /** The hour (0-23, in timeZone) daily digests go out unless a person chose another. */
  digestHour: number;
  /** IANA zone the trust's clock runs in (digests, schedules). */
  timeZone: string;
  /** Delivery per notification category until a person chooses (absent: the category's own default). */
  notificationDefaults?: Partial<Record<string, Delivery>>;
}

export const defaultPolicies: TrustPolicies = {
  membersOnly: false, maxFailedLogins: 5, requireMfaForAdmins: false, digestHour: 7, timeZone: 'Europe/London',
};

let zones: ReadonlySet<string> | undefined;

/** An IANA zone name the runtime knows (Europe/London, UTC); abbreviations and offsets are not zones. */
export function isTimeZone(zone: string): boolean {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return zones.has(zone);
}

/** The settings as the API shows them (GET/PATCH /trust/settings). */
export interface TrustSettings {
  name: string;
  policies: {
    maxFailedLogins: number;
    autoUnlockMinutes: number | null;
    requireMfaForAdmins: boolean;
    clusterRolesMembersOnly: boolean;
    digestHour: number;
    timeZone: string;
    notificationDefaults: Partial<Record<string, Delivery>>;
  };
  version: number;
}

export type TrustSettingsPatch = { name?: string; policies?: Partial<TrustSettings['policies']> };

export function trustSettings(trust: Trust): TrustSettings {
  const { policies } = trust;
  return {
    name: trust.name,
    policies: {
      maxFailedLogins: policies.maxFailedLogins,
      autoUnlockMinutes: policies.autoUnlockMinutes ?? null,
      requireMfaForAdmins: policies.requireMfaForAdmins,
      clusterRolesMembersOnly: policies.membersOnly,
      digestHour: policies.digestHour,
      timeZone: policies.timeZone,
      notificationDefaults: policies.notificationDefaults ?? {},
    },
    version: trust.settingsVersion,
  };
}

/** The stored name and policies after a patch; fields the patch leaves out stay as they are (null clears autoUnlockMinutes). */
export function applySettingsPatch(trust: Trust, patch: TrustSettingsPatch): { name: string; policies: TrustPolicies } {
  const current = trustSettings(trust).policies;
  const next = { ...current, ...patch.policies };
  checkTrustDefaults(next.notificationDefaults);
  const policies: TrustPolicies = {
    membersOnly: next.clusterRolesMembersOnly,
    maxFailedLogins: next.maxFailedLogins,
    requireMfaForAdmins: next.requireMfaForAdmins,
    digestHour: next.digestHour,
    timeZone: next.timeZone,
    ...(Object.keys(next.notificationDefaults).length > 0 ? { notificationDefaults: next.notificationDefaults } : {}),
    ...(next.autoUnlockMinutes !== null ? { autoUnlockMinutes: next.autoUnlockMinutes } : {}),
  };
  return { name: patch.name ?? trust.name, policies };
}
