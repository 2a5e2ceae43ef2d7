import { Match } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes';
import { cdkJsonContext, logicalId, synthesizeApp, type SynthesizedApp } from './test-app';

/**
 * Review H, H-3: every emailed link to the API's own pages (invitation, reset,
 * unsubscribe, report files) and the integrations' token endpoint are built on
 * PUBLIC_API_URL, the API's own public URL: the custom domain when
 * apiDomainName + certificateArn are given, else the HTTP API's execute-api
 * endpoint. appUrl (the trust's web app) stays the CORS origin.
 */
const DOMAIN = { apiDomainName: 'api.trust.example', certificateArn: 'arn:aws:acm:eu-west-2:123456789012:certificate/0b6c2c7e-1111-4222-8333-944455556666' };

const linkRoutes = ['POST /users', 'POST /auth/password-reset', 'POST /integrations', 'GET /reports/files/{fileId}'];

function environmentOf(synth: SynthesizedApp, key: string): Record<string, unknown> {
  const fn = synth.api.functions.get(key);
  if (!fn) throw new Error(`no function ${key}`);
  return synth.apiTemplate.toJSON().Resources[logicalId(fn.function.node.defaultChild as CfnFunction)].Properties.Environment.Variables;
}

/** The parameter of the function's nested stack a `Ref` names, resolved to what the parent stack passes in. */
function passedIn(synth: SynthesizedApp, key: string, ref: string): unknown {
  const nested = synth.apiStackTemplate.findResources('AWS::CloudFormation::Stack');
  const fn = synth.api.functions.get(key)!;
  const parent = Object.entries(nested).find(([id]) => id.startsWith(fn.function.node.scopes.find((s) => s.node.id.endsWith('Functions'))!.node.id));
  return (parent?.[1].Properties.Parameters as Record<string, unknown> | undefined)?.[ref];
}

describe('without a custom domain', () => {
  let synth: SynthesizedApp;
  beforeAll(() => {
    synth = synthesizeApp();
  });
  afterAll(() => synth?.cleanup());

  it('builds emailed links and the token endpoint on the execute-api endpoint of this stack\'s HTTP API, never on appUrl', () => {
    const apiId = logicalId(synth.api.api.node.defaultChild as never);
    for (const key of [...linkRoutes, 'queue:notifications', 'notify', 'reports', 'digest']) {
      const env = environmentOf(synth, key);
      expect(JSON.stringify(env.PUBLIC_API_URL), key).not.toContain(String(cdkJsonContext().appUrl));
      // Inside the nested stack it is a parameter; the parent passes the HTTP API's ApiEndpoint (https://<id>.execute-api.<region>.amazonaws.com).
      const ref = (env.PUBLIC_API_URL as { Ref: string }).Ref;
      expect(passedIn(synth, key, ref), key).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
    }
    synth.apiStackTemplate.hasOutput('PublicApiUrl', {});
    synth.apiTemplate.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });

  it('gives every function the same PUBLIC_API_URL', () => {
    const values = new Set(routes.map((r) => JSON.stringify(environmentOf(synth, `${r.method} ${r.path}`).PUBLIC_API_URL).replace(/referenceto\w+/g, 'ref')));
    expect(values.size).toBe(1);
  });

  it('keeps appUrl as the CORS origin only', () => {
    synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: { AllowOrigins: [cdkJsonContext().appUrl] } });
    expect(environmentOf(synth, 'POST /users').APP_URL).toBe(cdkJsonContext().appUrl);
  });
});

describe('with apiDomainName and certificateArn', () => {
  let synth: SynthesizedApp;
  beforeAll(() => {
    synth = synthesizeApp({ context: DOMAIN });
  });
  afterAll(() => synth?.cleanup());

  it('builds emailed links and the token endpoint on the custom domain', () => {
    for (const key of [...linkRoutes, 'queue:notifications', 'notify', 'reports', 'digest']) {
      expect(environmentOf(synth, key).PUBLIC_API_URL, key).toBe(`https://${DOMAIN.apiDomainName}`);
    }
  });

  it('creates the regional domain with the certificate and TLS 1.2, maps it to the $default stage, and outputs the DNS target', () => {
    synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: DOMAIN.apiDomainName,
      DomainNameConfigurations: [{ CertificateArn: DOMAIN.certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
    });
    synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: logicalId(synth.api.api.node.defaultChild as never) },
      DomainName: { Ref: Match.stringLikeRegexp('^ApiDomain') },
      Stage: '$default',
    });
    synth.apiStackTemplate.hasOutput('ApiDomainTarget', {});
    synth.apiStackTemplate.hasOutput('ApiDomainHostedZoneId', {});
    synth.apiStackTemplate.hasOutput('PublicApiUrl', { Value: `https://${DOMAIN.apiDomainName}` });
  });

  it('still allows only appUrl as the CORS origin', () => {
    synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: { AllowOrigins: [cdkJsonContext().appUrl] } });
  });
});
