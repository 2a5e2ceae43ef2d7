import type { CfnResource } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationScopes, PERSON_SCOPE, RESOURCE_SERVER } from '../../domain/integrations/scopes';
import { routes } from '../../functions/routes';
import { asList, logicalId, roleStatements, synthesizeApp, type SynthesizedApp } from './test-app';

/** Integration clients in AWS: the resource server and its scopes, the token domain, the aud trigger, per-route scopes, least-privilege grants. */
let synth: SynthesizedApp;
beforeAll(() => {
  synth = synthesizeApp();
});
afterAll(() => synth?.cleanup());

const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

describe('user pool: integration clients', () => {
  it('has one resource server whose scopes are exactly the scope catalogue', () => {
    synth.statefulTemplate.resourceCountIs('AWS::Cognito::UserPoolResourceServer', 1);
    const [server] = Object.values(synth.statefulTemplate.findResources('AWS::Cognito::UserPoolResourceServer'));
    expect(server!.Properties.Identifier).toBe(RESOURCE_SERVER);
    expect(JSON.stringify(server!.Properties.UserPoolId)).toContain(logicalId(synth.stateful.userPool.node.defaultChild as CfnResource));
    expect((server!.Properties.Scopes as { ScopeName: string }[]).map((s) => s.ScopeName).sort()).toEqual(integrationScopes.map((s) => s.scope).sort());
    expect(integrationScopes.map((s) => s.scope)).toEqual(expect.arrayContaining(['authz.check', 'users.read', 'notifications.send']));
  });

  it('has a Cognito prefix domain, whose /oauth2/token the token function is configured with', () => {
    synth.statefulTemplate.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    const fn = synth.api.functions.get('POST /oauth2/token')!;
    const env = synth.apiTemplate.findResources('AWS::Lambda::Function')[logicalId(fn.function.node.defaultChild as CfnResource)]!.Properties.Environment.Variables;
    expect(JSON.stringify(env.OAUTH_TOKEN_URL)).toContain('/oauth2/token');
  });

  it('runs a V3_0 pre-token-generation trigger (it covers client-credentials tokens) to stamp aud', () => {
    const [pool] = Object.values(synth.statefulTemplate.findResources('AWS::Cognito::UserPool'));
    expect(pool!.Properties.LambdaConfig.PreTokenGenerationConfig).toMatchObject({ LambdaVersion: 'V3_0' });
  });

  it("keeps the API's own app client without OAuth flows (integration app clients are made at run time)", () => {
    const clients = Object.values(synth.statefulTemplate.findResources('AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(1);
    expect(clients[0]!.Properties.AllowedOAuthFlows).toBeUndefined();
  });
});

describe('api: per-route scopes', () => {
  const byKey = () => new Map(Object.values(synth.apiTemplate.findResources('AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey as string, r.Properties]));

  it("accepts a person's token on every signed-in route, and a client's only on routes naming its scope", () => {
    const routesByKey = byKey();
    for (const route of routes.filter((r) => r.auth === 'user')) {
      const scopes = routesByKey.get(routeKey(route))!.AuthorizationScopes as string[];
      expect(scopes, routeKey(route)).toEqual(route.clientScope ? [PERSON_SCOPE, `${RESOURCE_SERVER}/${route.clientScope}`] : [PERSON_SCOPE]);
    }
  });

  it('opens exactly the decisions to authz.check, the person reads to users.read and posting events to notifications.send', () => {
    const open = routes.filter((r) => r.clientScope).map((r) => `${routeKey(r)} ${r.clientScope}`).sort();
    expect(open).toEqual(['GET /users users.read', 'GET /users/{id} users.read', 'POST /authz/batch authz.check', 'POST /authz/check authz.check', 'POST /notifications/events notifications.send']);
  });

  it('grants the integration routes only Create/DeleteUserPoolClient on the pool', () => {
    for (const [key, expected] of [
      ['POST /integrations', ['cognito-idp:CreateUserPoolClient', 'cognito-idp:DeleteUserPoolClient']],
      ['DELETE /integrations/{id}', ['cognito-idp:DeleteUserPoolClient']],
      ['GET /integrations', []],
      ['POST /oauth2/token', []],
    ] as const) {
      const fn = synth.api.functions.get(key)!;
      const statements = roleStatements(synth.apiTemplate, logicalId(fn.role.node.defaultChild as CfnResource));
      const actions = statements.flatMap((s) => asList(s.Action)).filter((a) => a.startsWith('cognito-idp:')).sort();
      expect(actions, key).toEqual(expected);
    }
  });
});
