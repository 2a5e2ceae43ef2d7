import type { IntegrationClient } from '../../domain/integrations/client';
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
