import type { IntegrationClient } from '../../domain/integrations/client';
import { heldWindow } from '../../domain/access/grant-window';
import { ForbiddenError } from '../../domain/errors';
import { config } from '../config';
import type { Caller } from '../http/caller';
import { authorize } from '../shared/authorize';

/** A client as the API shows it: never a secret (the API holds none). */
export function integrationView(client: IntegrationClient) {
  const { id, clientId, name, scopes, nodeId, status, requestsPerWindow, createdBy, createdAt } = client;
  return { id, clientId, name, scopes, nodeId, status, requestsPerWindow, rateWindowSeconds: config().INTEGRATION_RATE_WINDOW_SECONDS, createdBy, createdAt };
}

/** integrations.manage at the trust root, in a session that passed 2FA: a client's credentials read about everyone under its node. */
export function authorizeIntegrations(caller: Caller): void {
  authorize(caller, 'integrations.manage', caller.context.tree.rootId);
  if (!caller.mfa) throw new ForbiddenError('Managing integration clients needs a session that passed two-factor sign-in', 'mfa_required');
}

/**
 * A client has no end date and belongs to the trust, not to its maker (an app
 * keeps working when the admin who set it up leaves). So only an admin whose
 * own integrations.manage has no end may make one: an acting admin whose role
 * ends on Friday could otherwise leave a credential behind that reads the
 * trust for good (security review E, E10), the rule every role grant keeps
 * (domain/access/grant-window.ts, grantFits).
 */
export function authorizeNewIntegration(caller: Caller): void {
  authorizeIntegrations(caller);
  const { tree, roles } = caller.context;
  const window = heldWindow({ tree, roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date() }, tree.rootId, ['integrations.manage']);
  if (!window || Number.isFinite(window.until)) {
    throw new ForbiddenError(
      `An integration client has no end date, and your own authority to manage integrations ends${window ? ` ${new Date(window.until).toISOString()}` : ''}: ask an admin whose authority does not end`,
      'escalation',
    );
  }
}
