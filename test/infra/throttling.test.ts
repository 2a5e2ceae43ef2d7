import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes';
import { PUBLIC_ROUTE_THROTTLES, STAGE_THROTTLE } from '../../infra/constructs/throttling';
import { synthesizeApp, type SynthesizedApp } from './test-app';

// Review H, H-5: the stage default for signed-in routes, and a low limit of its own on every route anyone can call.

let synth: SynthesizedApp;

beforeAll(() => {
  synth = synthesizeApp();
});

afterAll(() => synth?.cleanup());

const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
const publicKeys = routes.filter((r) => r.auth === 'public').map(routeKey);

describe('per-route throttling', () => {
  it('names exactly the public routes of functions/routes.ts (no signed-in route, no route that is gone)', () => {
    expect(Object.keys(PUBLIC_ROUTE_THROTTLES).sort()).toEqual([...publicKeys].sort());
  });

  it('keeps every public route well below the stage default, and the sign-in and email-sending ones lowest', () => {
    for (const [key, throttle] of Object.entries(PUBLIC_ROUTE_THROTTLES)) {
      expect(throttle.rateLimit, key).toBeLessThanOrEqual(STAGE_THROTTLE.rateLimit / 10);
      expect(throttle.burstLimit, key).toBeGreaterThanOrEqual(throttle.rateLimit);
      expect(throttle.burstLimit, key).toBeLessThanOrEqual(STAGE_THROTTLE.burstLimit / 10);
    }
    for (const key of ['POST /auth/password-reset', 'POST /auth/password-reset/confirm', 'GET /health']) {
      expect(PUBLIC_ROUTE_THROTTLES[key]!.rateLimit, key).toBeLessThanOrEqual(5);
    }
  });

  it('synthesizes the stage default and one RouteSettings entry per public route, with exactly these figures', () => {
    const [stage] = Object.values(synth.apiStackTemplate.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stage!.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: STAGE_THROTTLE.rateLimit, ThrottlingBurstLimit: STAGE_THROTTLE.burstLimit });
    expect(stage!.Properties.RouteSettings).toEqual(Object.fromEntries(publicKeys.map((key) => [key, {
      ThrottlingRateLimit: PUBLIC_ROUTE_THROTTLES[key]!.rateLimit,
      ThrottlingBurstLimit: PUBLIC_ROUTE_THROTTLES[key]!.burstLimit,
    }])));
  });

  it('creates the stage after the routes its settings name (API Gateway rejects settings for a route key it does not know)', () => {
    const [stage] = Object.values(synth.apiStackTemplate.findResources('AWS::ApiGatewayV2::Stage'));
    const routeIds = Object.entries(synth.apiStackTemplate.findResources('AWS::ApiGatewayV2::Route'))
      .filter(([, r]) => publicKeys.includes(r.Properties.RouteKey as string))
      .map(([id]) => id);
    expect(routeIds).toHaveLength(publicKeys.length);
    expect(stage!.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('refuses to synthesize a public route that has no throttle of its own', () => {
    const health = routes.find((r) => routeKey(r) === 'GET /health')!;
    expect(() => synthesizeApp({ routes: [{ ...health, path: '/health-two' }], jobs: [], queues: [] })).toThrow(/GET \/health-two has no throttle/);
  });

  it('leaves the signed-in routes to the stage default', () => {
    const [stage] = Object.values(synth.apiStackTemplate.findResources('AWS::ApiGatewayV2::Stage'));
    const throttled = Object.keys(stage!.Properties.RouteSettings as Record<string, unknown>);
    for (const route of routes.filter((r) => r.auth !== 'public')) expect(throttled, routeKey(route)).not.toContain(routeKey(route));
  });
});
