import { ConflictError, NotFoundError } from '../errors';
import type { Membership } from './resolve';

/**
 * Memberships after one is added or changed, keeping exactly one primary when
 * any exist: the first membership becomes primary, a new primary clears the
 * old one, and the primary cannot simply be switched off (make another one
 * primary instead).
 */
export function upsertMembership(
  current: readonly Membership[],
  nodeId: string,
  change: { jobTitle?: string | null; primary?: boolean; isManager?: boolean },
): Membership[] {
  const existing = current.find((m) => m.nodeId === nodeId);
  if (existing?.primary && change.primary === false) {
    throw new ConflictError('primary_required', 'Make another membership primary instead; one must stay primary');
  }
  const jobTitle = change.jobTitle === undefined ? existing?.jobTitle : (change.jobTitle ?? undefined);
  const next: Membership = {
    nodeId,
    ...(jobTitle ? { jobTitle } : {}),
    primary: change.primary ?? existing?.primary ?? current.length === 0,
    isManager: change.isManager ?? existing?.isManager ?? false,
  };
  const others = current.filter((m) => m.nodeId !== nodeId).map((m) => (next.primary && m.primary ? { ...m, primary: false } : m));
  return [...others, next];
}

/** Memberships after one is removed; if it was primary, the oldest remaining one takes over. */
export function removeMembership(current: readonly Membership[], nodeId: string, since: ReadonlyMap<string, string>): Membership[] {
  const removed = current.find((m) => m.nodeId === nodeId);
  if (!removed) throw new NotFoundError('Membership');
  const rest = current.filter((m) => m.nodeId !== nodeId);
  if (!removed.primary || rest.length === 0) return rest;
  const oldest = [...rest].sort((a, b) => (since.get(a.nodeId) ?? '').localeCompare(since.get(b.nodeId) ?? '') || a.nodeId.localeCompare(b.nodeId))[0]!;
  return rest.map((m) => (m.nodeId === oldest.nodeId ? { ...m, primary: true } : m));
}

/** First memberships of a new person: the one marked primary, else the first. */
export function initialMemberships(input: readonly Membership[]): Membership[] {
  const anyPrimary = input.some((m) => m.primary);
  return input.map((m, i) => ({ ...m, primary: anyPrimary ? m.primary : i === 0 }));
}

/** The items that differ between two membership lists, for the store. */
export function membershipDiff(before: readonly Membership[], after: readonly Membership[]) {
  const key = (m: Membership) => JSON.stringify([m.jobTitle ?? null, m.primary, m.isManager]);
  const old = new Map(before.map((m) => [m.nodeId, m]));
  const now = new Map(after.map((m) => [m.nodeId, m]));
  return {
    added: after.filter((m) => !old.has(m.nodeId)),
    changed: after.filter((m) => old.has(m.nodeId) && key(old.get(m.nodeId)!) !== key(m)),
    removed: before.filter((m) => !now.has(m.nodeId)),
  };
}
