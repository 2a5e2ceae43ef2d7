import { HttpRoute, type CfnRoute, type CfnStage, type HttpApi, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { RouteDef } from '../../functions/routes';

// Review H, H-5: API Gateway throttles per route and per stage, never per caller (the per-client-IP limit on sign-in
// is the user pool's WAF rule, infra/stacks/stateful-stack.ts). The stage default covers every signed-in route; each
// route anyone can call without a token gets a low limit of its own, so a flood of one public route answers 429 on
// that route only instead of using up the whole stage. README "Throttling" gives the reasoning behind each figure.

export interface Throttle {
  /** Steady requests per second. */
  rateLimit: number;
  /** Requests API Gateway accepts at once above the rate (token bucket size). */
  burstLimit: number;
}

/**
 * The stage default: every route without a limit of its own. Sized for one 12,000-staff trust's 8:30 peak
 * (sign-ins plus other school apps asking /authz/* about the pages people open, roughly 400 requests/s) plus ten
 * integration clients at their default 600/min (100/s), with head room, while staying a tenth of API Gateway's
 * 10,000/s account quota. At the scale bench's /authz/check p99 (~75 ms) 1,000/s keeps ~75 functions busy, well
 * inside Lambda's default 1,000 concurrent executions per region.
 */
export const STAGE_THROTTLE: Throttle = { rateLimit: 1000, burstLimit: 2000 };

const SIGN_IN: Throttle = { rateLimit: 50, burstLimit: 100 };
const EMAIL_SENDING: Throttle = { rateLimit: 5, burstLimit: 10 };
const LINK_PAGES: Throttle = { rateLimit: 10, burstLimit: 20 };
const PROBE: Throttle = { rateLimit: 5, burstLimit: 10 };

/** Every public route (auth 'public' in functions/routes.ts) by route key; test/infra checks none is missing. */
export const PUBLIC_ROUTE_THROTTLES: Readonly<Record<string, Throttle>> = {
  // Sign-in: a 12,000-staff trust signing in between 8:20 and 8:40 is ~10/s; ×5 for several trusts at once.
  'POST /auth/login': SIGN_IN,
  'POST /auth/mfa': SIGN_IN,
  'POST /auth/refresh': SIGN_IN,
  // Each sends an email or sets a password; people ask for a reset one at a time.
  'POST /auth/password-reset': EMAIL_SENDING,
  'POST /auth/password-reset/confirm': EMAIL_SENDING,
  // Emailed links opened in a browser: invitations come in waves when a trust is onboarded (10/s is 36,000 an hour).
  'POST /auth/invitations/accept': LINK_PAGES,
  'GET /invite': LINK_PAGES,
  'POST /invite': LINK_PAGES,
  'GET /reset-password': LINK_PAGES,
  'POST /reset-password': LINK_PAGES,
  'GET /notifications/unsubscribe': LINK_PAGES,
  'POST /notifications/unsubscribe': LINK_PAGES,
  'GET /reports/files/{fileId}': LINK_PAGES,
  // Integration clients cache their token for its lifetime (an hour), so token requests are rare.
  'POST /oauth2/token': LINK_PAGES,
  // A liveness probe and the API description: a monitor calls them a few times a minute.
  'GET /health': PROBE,
  'GET /openapi.json': PROBE,
};

/**
 * Sets the stage's RouteSettings: each public route of `routes` gets its PUBLIC_ROUTE_THROTTLES entry (a public route
 * without one fails the synth, so a new public route gets a limit chosen for it). API Gateway rejects settings for a
 * route key that does not exist yet, so the stage waits for those routes.
 */
export function throttlePublicRoutes(stage: HttpStage, api: HttpApi, routes: readonly RouteDef[]): void {
  const byKey = new Map(
    api.node.findAll().filter((c): c is HttpRoute => c instanceof HttpRoute).map((r) => [(r.node.defaultChild as CfnRoute).routeKey, r] as const),
  );
  const settings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
  for (const route of routes.filter((r) => r.auth === 'public')) {
    const routeKey = `${route.method} ${route.path}`;
    const throttle = PUBLIC_ROUTE_THROTTLES[routeKey];
    if (!throttle) throw new Error(`Public route ${routeKey} has no throttle: add it to PUBLIC_ROUTE_THROTTLES (infra/constructs/throttling.ts)`);
    const httpRoute = byKey.get(routeKey);
    if (!httpRoute) throw new Error(`Public route ${routeKey} is not on the HTTP API`);
    settings[routeKey] = { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit };
    stage.node.addDependency(httpRoute);
  }
  (stage.node.defaultChild as CfnStage).routeSettings = settings;
}
