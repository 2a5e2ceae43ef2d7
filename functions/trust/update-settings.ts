import { auditRecord } from '../../domain/audit/audit-record';
import { ForbiddenError, VersionConflictError } from '../../domain/errors';
import { applySettingsPatch, trustSettings } from '../../domain/org/trust';
import { writeTrustSettings } from '../adapters/dynamo/trust-settings-writes';
import { userHandler } from '../http/user-handler';
import { entity, requireIfMatch } from '../http/responses';
import { authorize } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { updateTrustSettingsBodySchema } from './settings.schema';

/**
 * Changes the trust's name and policies (org.manage at the root, If-Match:
 * the settings version), audited with before and after. Switching
 * requireMfaForAdmins on needs a session that passed 2FA: whoever flips it
 * shows they can still administer once it holds.
 */
export const handler = userHandler({ body: updateTrustSettingsBodySchema }, async ({ caller, headers, body }) => {
  const { trust } = caller;
  authorize(caller, 'org.manage', trust.rootNodeId);
  const expected = requireIfMatch(headers);
  if (expected !== trust.settingsVersion) throw new VersionConflictError();
  if (body.policies?.requireMfaForAdmins && !trust.policies.requireMfaForAdmins && !caller.mfa) {
    throw new ForbiddenError('Turning on 2FA for admins needs a session that passed two-factor sign-in', 'mfa_required');
  }
  const next = applySettingsPatch(trust, body);
  const before = trustSettings(trust);
  const after = trustSettings({ ...trust, ...next, settingsVersion: expected + 1 });
  const audit = auditRecord({
    id: newId(), at: nowIso(), actorId: caller.account.id, action: 'trust.settings_changed', targetType: 'trust', targetId: trust.id,
    nodeId: trust.rootNodeId, before: { name: before.name, policies: before.policies }, after: { name: after.name, policies: after.policies },
  });
  await writeTrustSettings(trust, expected, next, audit);
  return entity(200, after);
});
