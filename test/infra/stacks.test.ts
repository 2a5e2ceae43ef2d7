import type { CfnResource } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { Match } from 'aws-cdk-lib/assertions';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, queues, routes } from '../../functions/routes';
import { REPORT_FILE_DAYS } from '../../domain/reports/report-file';
import { tableDefinition } from '../../infra/definitions/table';
import { userPoolDefinition } from '../../infra/definitions/user-pool';
import { SES_ACTIONS, tableActions } from '../../infra/constructs/service-function';
import { API_THROTTLE } from '../../infra/stacks/api-stack';
import { SIGN_IN_RATE_LIMIT } from '../../infra/stacks/stateful-stack';
import { CLIENT_IP_HEADER } from '../../functions/adapters/cognito/user-pool';
import { ROSTER_RETENTION_DAYS } from '../../domain/mis/roster-key';
import { STOP_MARGIN_MS } from '../../functions/mis/run-worker';
import { STUCK_RUN_AFTER_MS } from '../../functions/mis/run-limits';
import {
  asList,
  cdkJsonContext,
  logicalId,
  PROJECT_ROOT,
  roleStatements,
  synthesizeApp,
  TEST_ENV,
  type SynthesizedApp,
} from './test-app';

let synth: SynthesizedApp;

beforeAll(() => {
  synth = synthesizeApp();
});

afterAll(() => synth?.cleanup());

const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

describe('stateful stack: table', () => {
  it('is built from tableDefinition: pk/sk string keys, on demand, PITR, TTL, deletion protection', () => {
    synth.statefulTemplate.resourceCountIs('AWS::DynamoDB::Table', 1);
    synth.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('has exactly the GSIs of tableDefinition', () => {
    const [table] = Object.values(synth.statefulTemplate.findResources('AWS::DynamoDB::Table'));
    const gsis = table!.Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[];
    expect(gsis.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema }))).toEqual(
      tableDefinition.globalSecondaryIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: 'HASH' },
          { AttributeName: g.sortKey, KeyType: 'RANGE' },
        ],
      })),
    );
  });

  it('is retained when the stack is deleted or the table replaced', () => {
    synth.statefulTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('stateful stack: user pool', () => {
  it('uses email as a case-insensitive username and allows no self sign-up', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('offers TOTP as an optional second factor and never SMS', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      SmsConfiguration: Match.absent(),
    });
  });

  it('enforces the password policy from the definition', () => {
    const p = userPoolDefinition.passwordPolicy;
    synth.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: {
          MinimumLength: p.minLength,
          RequireLowercase: p.requireLowercase,
          RequireUppercase: p.requireUppercase,
          RequireNumbers: p.requireDigits,
          RequireSymbols: p.requireSymbols,
          TemporaryPasswordValidityDays: p.temporaryPasswordValidityDays,
        },
      },
    });
  });

  it('leaves account recovery to admins (the API runs resets) and enforces threat protection', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'admin_only', Priority: 1 }] },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
    synth.statefulTemplate.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });
});

describe('stateful stack: per-client-IP sign-in limit', () => {
  // AWS WAF cannot be associated with an API Gateway HTTP API; the sign-in calls reach Cognito from Lambda with the client's IP as a header.
  it('has a regional WebACL whose rate rule counts per client IP in the header the API sends, and blocks above the limit', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: {
              Limit: SIGN_IN_RATE_LIMIT.limit,
              EvaluationWindowSec: SIGN_IN_RATE_LIMIT.windowSeconds,
              AggregateKeyType: 'FORWARDED_IP',
              ForwardedIPConfig: { HeaderName: SIGN_IN_RATE_LIMIT.forwardedIpHeader, FallbackBehavior: 'NO_MATCH' },
            },
          },
        }),
      ],
    });
    // The header name WAF reads is the one the Cognito adapter writes.
    expect(SIGN_IN_RATE_LIMIT.forwardedIpHeader.toLowerCase()).toBe(CLIENT_IP_HEADER);
  });

  it('associates the WebACL with the user pool', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { 'Fn::GetAtt': [logicalId(synth.stateful.userPool.node.defaultChild as CfnResource), 'Arn'] },
      WebACLArn: { 'Fn::GetAtt': [logicalId(synth.stateful.signInWebAcl), 'Arn'] },
    });
  });
});

describe('stateful stack: app client', () => {
  it('is confidential and allows password and refresh flows only, no SRP', () => {
    synth.statefulTemplate.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    const [client] = Object.values(synth.statefulTemplate.findResources('AWS::Cognito::UserPoolClient'));
    expect(client!.Properties.GenerateSecret).toBe(true);
    expect([...(client!.Properties.ExplicitAuthFlows as string[])].sort()).toEqual(
      [...userPoolDefinition.explicitAuthFlows].sort(),
    );
    expect(client!.Properties.ExplicitAuthFlows).not.toContain('ALLOW_USER_SRP_AUTH');
    expect(client!.Properties.ExplicitAuthFlows).not.toContain('ALLOW_ADMIN_USER_PASSWORD_AUTH');
    expect(client!.Properties.ExplicitAuthFlows).not.toContain('ALLOW_CUSTOM_AUTH');
  });

  it('hides whether a user exists, has no OAuth flows, and takes token lifetimes from the definition', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      PreventUserExistenceErrors: 'ENABLED',
      AllowedOAuthFlowsUserPoolClient: false,
      AccessTokenValidity: userPoolDefinition.accessTokenValidityMinutes,
      IdTokenValidity: userPoolDefinition.idTokenValidityMinutes,
      RefreshTokenValidity: userPoolDefinition.refreshTokenValidityDays * 24 * 60,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      EnableTokenRevocation: true,
      WriteAttributes: [],
    });
  });

  it('never exposes its secret as a stack output', () => {
    const outputs = JSON.stringify(synth.statefulTemplate.toJSON().Outputs ?? {});
    expect(outputs).not.toMatch(/ClientSecret/i);
    expect(Object.keys(synth.statefulTemplate.findResources('Custom::DescribeCognitoUserPoolClient'))).toHaveLength(0);
  });
});

describe('stateful stack: SES', () => {
  it('verifies the sender from context and attaches the configuration set', () => {
    const configurationSets = synth.statefulTemplate.findResources('AWS::SES::ConfigurationSet');
    expect(Object.keys(configurationSets)).toHaveLength(1);
    synth.statefulTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: cdkJsonContext().sesSender,
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: Object.keys(configurationSets)[0] } },
    });
    synth.statefulTemplate.hasResourceProperties('AWS::SES::ConfigurationSet', {
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
  });

  it('outputs the table name, pool id and client id', () => {
    for (const name of ['TableName', 'UserPoolId', 'UserPoolClientId']) {
      synth.statefulTemplate.hasOutput(name, {});
    }
  });
});

describe('api stack: routes', () => {
  it('has one route per entry in functions/routes.ts', () => {
    const keys = Object.values(synth.apiTemplate.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey as string,
    );
    expect(keys.sort()).toEqual(routes.map(routeKey).sort());
  });

  it('puts the JWT authorizer on every user route and none on public routes', () => {
    const authorizers = synth.apiTemplate.findResources('AWS::ApiGatewayV2::Authorizer');
    const [authorizerId] = Object.keys(authorizers);
    const byKey = new Map(
      Object.values(synth.apiTemplate.findResources('AWS::ApiGatewayV2::Route')).map((r) => [
        r.Properties.RouteKey as string,
        r.Properties,
      ]),
    );
    for (const route of routes) {
      const props = byKey.get(routeKey(route))!;
      if (route.auth === 'user') {
        expect(props, routeKey(route)).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      } else {
        expect(props.AuthorizationType, routeKey(route)).toBe('NONE');
        expect(props.AuthorizerId, routeKey(route)).toBeUndefined();
      }
    }
  });

  it('validates Cognito access tokens: issuer is the pool, audience the app client (and the integration resource server)', () => {
    synth.apiTemplate.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    const [authorizer] = Object.values(synth.apiTemplate.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(authorizer!.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    const { Issuer, Audience } = authorizer!.Properties.JwtConfiguration as { Issuer: unknown; Audience: unknown[] };
    const issuer = JSON.stringify(Issuer);
    expect(issuer).toContain(`https://cognito-idp.${TEST_ENV.region}.amazonaws.com/`);
    expect(issuer).toContain(logicalId(synth.stateful.userPool.node.defaultChild as CfnResource));
    expect(Audience).toHaveLength(2);
    expect(JSON.stringify(Audience[0])).toContain(logicalId(synth.stateful.userPoolClient.node.defaultChild as CfnResource));
    // Integration clients' tokens carry aud = the resource server (test/infra/integrations.test.ts).
    expect(Audience[1]).toBe('trust-access');
  });

  it('integrates every route with its own Lambda using payload format 2.0', () => {
    const integrations = Object.values(synth.apiTemplate.findResources('AWS::ApiGatewayV2::Integration'));
    expect(integrations).toHaveLength(routes.length);
    for (const integration of integrations) {
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    }
    const targets = new Set(integrations.map((i) => JSON.stringify(i.Properties.IntegrationUri)));
    expect(targets.size).toBe(routes.length);
  });

  it('logs access on the $default stage and throttles it', () => {
    synth.apiTemplate.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context\\.requestId') },
      DefaultRouteSettings: {
        ThrottlingRateLimit: API_THROTTLE.rateLimit,
        ThrottlingBurstLimit: API_THROTTLE.burstLimit,
      },
    });
    synth.apiTemplate.hasOutput('ApiUrl', {});
  });

  it('has a handler module for every route', () => {
    for (const route of routes) {
      expect(existsSync(path.join(PROJECT_ROOT, route.handler)), route.handler).toBe(true);
    }
  });
});

describe('api stack: functions', () => {
  const resourcesOf = (key: string) => {
    const fn = synth.api.functions.get(key)!;
    const props = synth.apiTemplate.toJSON().Resources[logicalId(fn.function.node.defaultChild as CfnFunction)]
      .Properties as Record<string, any>;
    const statements = roleStatements(synth.apiTemplate, logicalId(fn.role.node.defaultChild as CfnRole));
    return { fn, props, statements };
  };

  it('runs every route function on ARM64 with a current Node runtime, tracing and its own log group', () => {
    expect(synth.api.functions.size).toBe(routes.length + jobs.length + queues.length);
    for (const route of routes) {
      const { props } = resourcesOf(routeKey(route));
      expect(props.Architectures, routeKey(route)).toEqual(['arm64']);
      const version = Number(/^nodejs(\d+)\.x$/.exec(props.Runtime)?.[1]);
      expect(version, routeKey(route)).toBeGreaterThanOrEqual(22);
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      expect(props.LoggingConfig.LogGroup).toHaveProperty('Ref');
    }
  });

  it('schedules every job, and gives the notification jobs SES and the link-signing key\'s ARN (not its value)', () => {
    const schedules = Object.values(synth.apiTemplate.findResources('AWS::Scheduler::Schedule'));
    expect(schedules.map((s) => s.Properties.ScheduleExpression).sort()).toEqual(jobs.map((j) => j.schedule).sort());
    for (const job of jobs) {
      const { props, statements } = resourcesOf(job.name);
      expect(props.Environment.Variables.LINK_SIGNING_KEY_SECRET_ARN !== undefined, job.name).toBe(job.linkKey === true);
      const sends = statements.some((s) => asList(s.Action).includes('ses:SendEmail'));
      expect(sends, job.name).toBe(job.ses === true);
    }
  });

  describe('secrets (review H, H-13)', () => {
    const all = () => [
      ...routes.map((r) => ({ key: routeKey(r), linkKey: r.linkKey === true, signsIn: (r.cognito ?? []).some((c) => c === 'InitiateAuth' || c === 'RespondToAuthChallenge') })),
      ...jobs.map((j) => ({ key: j.name, linkKey: j.linkKey === true, signsIn: false })),
      ...queues.map((q) => ({ key: `queue:${q.name}`, linkKey: q.linkKey === true, signsIn: (q.cognito ?? []).some((c) => c === 'InitiateAuth' || c === 'RespondToAuthChallenge') })),
    ];
    const linkKeyId = () => logicalId(synth.stateful.linkSigningKey.node.defaultChild as CfnResource);
    const clientSecretId = () => logicalId(synth.stateful.appClientSecret.node.defaultChild as CfnResource);

    it('puts no secret value in any function\'s environment: SECRETS_FROM=secrets-manager and the secrets\' ARNs only', () => {
      expect(all()).toHaveLength(synth.api.functions.size);
      for (const { key } of all()) {
        const env = resourcesOf(key).props.Environment.Variables as Record<string, unknown>;
        expect(env.SECRETS_FROM, key).toBe('secrets-manager');
        expect(env.LINK_SIGNING_KEY, key).toBeUndefined();
        expect(env.USER_POOL_CLIENT_SECRET, key).toBeUndefined();
        const text = JSON.stringify(env);
        for (const leak of ['resolve:secretsmanager', 'SecretString', 'ClientSecret', 'Fn::GetAtt']) expect(text, key).not.toContain(leak);
      }
      // Nor anywhere else in the API's templates (the API stack and its nested stacks): no dynamic reference, no read of the client's secret.
      for (const template of [synth.apiTemplate, synth.apiStackTemplate]) {
        const text = JSON.stringify(template.toJSON());
        expect(text).not.toContain('resolve:secretsmanager');
        expect(text).not.toContain('UserPoolClient.ClientSecret');
        expect(text).not.toContain('DescribeUserPoolClient');
      }
    });

    it('grants GetSecretValue on exactly the link-signing key to exactly the functions that sign or check links, and on the client secret to the sign-in functions', () => {
      for (const { key, linkKey, signsIn } of all()) {
        const { props, statements } = resourcesOf(key);
        const secretStatements = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
        const expected = [...(linkKey ? [linkKeyId()] : []), ...(signsIn ? [clientSecretId()] : [])];
        expect(secretStatements, key).toHaveLength(expected.length);
        for (const statement of secretStatements) {
          expect(asList(statement.Action), key).toEqual(['secretsmanager:GetSecretValue']);
          expect(asList(statement.Resource), key).toHaveLength(1);
        }
        expect(secretStatements.map((s) => JSON.stringify(s.Resource)).join(' '), key).toSatisfy((text: string) => expected.every((id) => text.includes(id)));
        const env = props.Environment.Variables as Record<string, unknown>;
        if (linkKey) expect(JSON.stringify(env.LINK_SIGNING_KEY_SECRET_ARN), key).toContain(linkKeyId());
        else expect(env.LINK_SIGNING_KEY_SECRET_ARN, key).toBeUndefined();
        if (signsIn) expect(JSON.stringify(env.USER_POOL_CLIENT_SECRET_ARN), key).toContain(clientSecretId());
        else expect(env.USER_POOL_CLIENT_SECRET_ARN, key).toBeUndefined();
      }
      const signIn = all().filter((f) => f.signsIn).map((f) => f.key).sort();
      expect(signIn).toEqual(['POST /auth/login', 'POST /auth/mfa', 'POST /auth/refresh']);
      const links = all().filter((f) => f.linkKey).map((f) => f.key).sort();
      expect(links).toEqual(expect.arrayContaining(['GET /notifications/unsubscribe', 'POST /notifications/unsubscribe', 'GET /reports/files/{fileId}', 'notify', 'digest', 'reports', 'queue:notifications']));
    });

    it('attaches the Parameters and Secrets extension to exactly the functions that read a secret', () => {
      for (const { key, linkKey, signsIn } of all()) {
        const { props } = resourcesOf(key);
        const layers = JSON.stringify(props.Layers ?? []);
        expect(layers.includes('AWS-Parameters-and-Secrets-Lambda-Extension'), key).toBe(linkKey || signsIn);
        if (linkKey || signsIn) {
          expect(layers, key).toContain('Arm64');
          expect(props.Environment.Variables.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, key).toBe('2773');
        }
      }
    });

    it('copies the app client\'s secret into Secrets Manager by reference (a GetAtt of the deploy-time read), never as text', () => {
      const resources = synth.statefulTemplate.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
      const copy = resources[clientSecretId()]!;
      expect(copy.Type).toBe('AWS::SecretsManager::Secret');
      expect(copy.Properties.SecretString).toMatchObject({ 'Fn::GetAtt': [expect.stringMatching(/^ClientSecretDescribe/), 'UserPoolClient.ClientSecret'] });
      // The value never leaves the stateful stack: no output or export carries it.
      expect(JSON.stringify(synth.statefulTemplate.toJSON().Outputs ?? {})).not.toContain('UserPoolClient.ClientSecret');
    });
  });

  it('keeps every log group for a limited time', () => {
    for (const group of Object.values(synth.apiTemplate.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('sets TABLE_NAME and grants exactly the table actions the route declares, and a client route the admission of client requests', () => {
    for (const route of routes) {
      const { props, statements } = resourcesOf(routeKey(route));
      const env = props.Environment.Variables as Record<string, unknown>;
      const all = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
      const dynamo = all.filter((s) => s.Sid !== 'ClientAdmission');
      // An integration client's request counts itself first (UpdateItem on client items only), also on read-only routes (review H, H-1).
      const admission = all.filter((s) => s.Sid === 'ClientAdmission');
      if (route.clientScope && route.table === 'read') {
        expect(admission, routeKey(route)).toHaveLength(1);
        expect(admission[0]).toMatchObject({ Action: 'dynamodb:UpdateItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CLIENT#*'] } } });
        expect(JSON.stringify(admission[0]!.Resource)).not.toContain('/index/');
      } else {
        expect(admission, routeKey(route)).toHaveLength(0);
      }
      if (route.table === 'none') {
        expect(env.TABLE_NAME, routeKey(route)).toBeUndefined();
        expect(dynamo, routeKey(route)).toHaveLength(0);
      } else {
        expect(env.TABLE_NAME, routeKey(route)).toBeDefined();
        expect(dynamo, routeKey(route)).toHaveLength(1);
        expect(asList(dynamo[0]!.Action).sort(), routeKey(route)).toEqual(tableActions(route.table, route.tableWrites).sort());
        const resources = JSON.stringify(dynamo[0]!.Resource);
        for (const gsi of tableDefinition.globalSecondaryIndexes) expect(resources).toContain(`/index/${gsi.indexName}`);
        expect(resources).not.toContain('/index/*');
      }
    }
  });

  it('grants DeleteItem only to the functions that declare it, and BatchWriteItem only to the CSV import (review H, H-12)', () => {
    const holders = (action: string) => [...synth.api.functions.keys()].filter((key) => resourcesOf(key).statements.some((s) => asList(s.Action).includes(action))).sort();
    expect(holders('dynamodb:BatchWriteItem')).toEqual(['POST /users/import']);
    const deleters = holders('dynamodb:DeleteItem');
    expect(deleters).toContain('PATCH /users/{id}');
    expect(deleters).toContain('notify');
    for (const key of ['POST /auth/login', 'POST /users/{id}/deactivate', 'POST /users/{id}/password-reset', 'PATCH /trust/settings', 'digest']) expect(deleters, key).not.toContain(key);
    const declared = [...routes.map((r) => [routeKey(r), r] as const), ...jobs.map((j) => [j.name, j] as const), ...queues.map((q) => [`queue:${q.name}`, q] as const)]
      .filter(([, def]) => def.tableWrites?.includes('delete')).map(([key]) => key).sort();
    expect(deleters).toEqual(declared);
  });

  const cognitoOf = (key: string) => {
    const { props, statements } = resourcesOf(key);
    const granted = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('cognito-idp:')));
    return { env: props.Environment.Variables as Record<string, unknown>, granted, actions: granted.flatMap((s) => asList(s.Action)).sort() };
  };

  it('grants each function exactly the Cognito admin calls its route names, on the one pool, and the secret only to sign-in functions', () => {
    for (const route of routes) {
      const { env, granted, actions } = cognitoOf(routeKey(route));
      expect(env.USER_POOL_ID, routeKey(route)).toBeDefined();
      expect(env.USER_POOL_CLIENT_ID, routeKey(route)).toBeDefined();
      const admin = (route.cognito ?? []).filter((call) => call.startsWith('Admin') || call.endsWith('UserPoolClient')).map((call) => `cognito-idp:${call}`).sort();
      expect(actions, routeKey(route)).toEqual(admin);
      for (const statement of granted) {
        expect(JSON.stringify(statement.Resource)).toContain(logicalId(synth.stateful.userPool.node.defaultChild as CfnResource));
      }
      const signsIn = (route.cognito ?? []).some((call) => call === 'InitiateAuth' || call === 'RespondToAuthChallenge');
      expect(env.USER_POOL_CLIENT_SECRET_ARN !== undefined, routeKey(route)).toBe(signsIn);
    }
  });

  it('gives a read of another person no Cognito right and no client secret', () => {
    const { env, granted } = cognitoOf('GET /users/{id}');
    expect(granted).toHaveLength(0);
    expect(env.USER_POOL_CLIENT_SECRET_ARN).toBeUndefined();
  });

  it('lets deactivation disable and sign out a user but never set a password, create or delete users, or sign in', () => {
    const { env, actions } = cognitoOf('POST /users/{id}/deactivate');
    expect(actions).toContain('cognito-idp:AdminDisableUser');
    for (const forbidden of ['AdminSetUserPassword', 'AdminCreateUser', 'AdminDeleteUser', 'AdminUpdateUserAttributes', 'AdminInitiateAuth']) {
      expect(actions).not.toContain(`cognito-idp:${forbidden}`);
    }
    expect(env.USER_POOL_CLIENT_SECRET_ARN).toBeUndefined();
  });

  it('gives the client secret to the two sign-in steps and to refresh, and to nothing that changes accounts', () => {
    const withSecret = routes.filter((route) => cognitoOf(routeKey(route)).env.USER_POOL_CLIENT_SECRET_ARN !== undefined).map(routeKey).sort();
    expect(withSecret).toEqual(['POST /auth/login', 'POST /auth/mfa', 'POST /auth/refresh']);
    // The sign-in functions hold the secret but no admin right: a leak of one cannot also set passwords.
    for (const key of withSecret) expect(cognitoOf(key).granted, key).toHaveLength(0);
  });

  it('lets only routes marked ses send mail, from the sender identity through the configuration set', () => {
    for (const route of routes) {
      const { props, statements } = resourcesOf(routeKey(route));
      const ses = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('ses:')));
      expect(props.Environment.Variables.SES_SENDER).toBe(cdkJsonContext().sesSender);
      if (route.ses) {
        expect(ses).toHaveLength(1);
        expect(asList(ses[0]!.Action).sort()).toEqual([...SES_ACTIONS].sort());
        expect(JSON.stringify(ses[0]!.Resource)).toContain('configuration-set/');
      } else {
        expect(ses, routeKey(route)).toHaveLength(0);
      }
    }
  });

  it('uses Resource "*" for the X-Ray actions only, and no managed policies', () => {
    for (const policy of Object.values(synth.apiTemplate.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]) {
        if (asList(statement.Resource).includes('*')) {
          expect(asList(statement.Action).every((a) => a.startsWith('xray:'))).toBe(true);
        }
      }
    }
    for (const role of Object.values(synth.apiTemplate.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('reads the client secret at deploy in the stateful stack (beside its Secrets Manager copy) without logging it', () => {
    expect(Object.keys(synth.apiTemplate.findResources('Custom::DescribeUserPoolClient'))).toHaveLength(0);
    const [resource] = Object.values(synth.statefulTemplate.findResources('Custom::DescribeUserPoolClient'));
    expect(resource).toBeDefined();
    const create = JSON.stringify(resource!.Properties.Create);
    expect(create).toContain('describeUserPoolClient');
    expect(create).toContain('\\"logApiResponseData\\":false');
  });

  // Issue 9: the export function alone may use the exports bucket.
  it('lets only routes marked exportBucket put and get objects, under exports/ only', () => {
    for (const route of routes) {
      const { props, statements } = resourcesOf(routeKey(route));
      const s3 = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')) && s.Sid !== 'RosterObjects' && s.Sid !== 'ReportFiles');
      if (route.exportBucket) {
        expect(s3).toHaveLength(1);
        expect(asList(s3[0]!.Action).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
        expect(JSON.stringify(s3[0]!.Resource)).toContain('/exports/*');
        expect(props.Environment.Variables.EXPORT_BUCKET).toBeDefined();
      } else {
        expect(s3, routeKey(route)).toHaveLength(0);
        if (!route.reportFiles) expect(props.Environment.Variables.EXPORT_BUCKET, routeKey(route)).toBeUndefined();
      }
    }
  });

  // Review E, E4: the emailed report files under reports/ of the exports bucket.
  it('lets the reports job put and the report link route get objects under reports/ only, and nothing else touch them', () => {
    const entries = [...routes.map((r) => [routeKey(r), r.reportFiles] as const), ...jobs.map((j) => [j.name, j.reportFiles] as const)];
    expect(entries.filter(([, access]) => access).map(([key, access]) => `${key}:${access}`).sort()).toEqual(['GET /reports/files/{fileId}:read', 'reports:write']);
    for (const [key, access] of entries) {
      const { props, statements } = resourcesOf(key);
      const files = statements.filter((s) => JSON.stringify(s.Resource).includes('/reports/*'));
      if (!access) {
        expect(files, key).toHaveLength(0);
        continue;
      }
      expect(files, key).toHaveLength(1);
      expect(asList(files[0]!.Action), key).toEqual([access === 'write' ? 's3:PutObject' : 's3:GetObject']);
      expect(props.Environment.Variables.EXPORT_BUCKET, key).toBeDefined();
      // Nothing under exports/ for them: the job no longer presigns, the route never writes.
      expect(statements.filter((s) => JSON.stringify(s.Resource).includes('/exports/*')), key).toHaveLength(0);
    }
  });
});

// Issue 9: the exports bucket, the stateful stack's (review H, H-6).
describe('stateful stack: exports bucket', () => {
  it('is encrypted, private, TLS only, logged, and forgets every export after a day', () => {
    const buckets = synth.statefulTemplate.findResources('AWS::S3::Bucket');
    const [id, exportBucket] = Object.entries(buckets).find(([, b]) => (b as any).Properties.LifecycleConfiguration?.Rules?.some((r: any) => r.ExpirationInDays === 1))!;
    const props = (exportBucket as any).Properties;
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(props.LoggingConfiguration.DestinationBucketName).toBeDefined();
    const policies = Object.values(synth.statefulTemplate.findResources('AWS::S3::BucketPolicy')) as any[];
    const policy = policies.find((p) => JSON.stringify(p.Properties.Bucket).includes(id));
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('keeps exports a day and emailed report files a day longer than their link (review E, E4), each rule on its own prefix', () => {
    const buckets = synth.statefulTemplate.findResources('AWS::S3::Bucket');
    const [, exportBucket] = Object.entries(buckets).find(([, b]) => (b as any).Properties.LifecycleConfiguration?.Rules?.some((r: any) => r.ExpirationInDays === 1))!;
    const rules = (exportBucket as any).Properties.LifecycleConfiguration.Rules.map((r: any) => ({ prefix: r.Prefix, days: r.ExpirationInDays, status: r.Status }));
    expect(rules).toEqual([{ prefix: 'exports/', days: 1, status: 'Enabled' }, { prefix: 'reports/', days: REPORT_FILE_DAYS + 1, status: 'Enabled' }]);
  });
});

// Review H, H-6: the API stack holds no data, so it can be destroyed and rebuilt.
describe('api stack: no data of its own', () => {
  it('has no bucket (the data buckets and their access logs are the stateful stack\'s, retained)', () => {
    expect(Object.keys(synth.apiTemplate.findResources('AWS::S3::Bucket'))).toEqual([]);
    const buckets = Object.values(synth.statefulTemplate.findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(4);
    for (const bucket of buckets) expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('hands each nested stack that grants a bucket the stateful stack\'s bucket ARN and name as parameters', () => {
    const nested = Object.values(synth.apiStackTemplate.findResources('AWS::CloudFormation::Stack')).map((n) => n.Properties.Parameters ?? {});
    for (const [bucket, id] of [['ExportBucket', logicalId(synth.stateful.exportBucket.node.defaultChild as CfnResource)], ['RosterBucket', logicalId(synth.stateful.rosterBucket.node.defaultChild as CfnResource)]] as const) {
      const given = nested.filter((p) => `${bucket}Arn` in p);
      expect(given.length, bucket).toBeGreaterThan(0);
      for (const parameters of given) {
        expect(parameters[`${bucket}Arn`]['Fn::GetStackOutput'].StackName).toBe(synth.stateful.stackName);
        expect(parameters[`${bucket}Arn`]['Fn::GetStackOutput'].OutputName).toContain(`${id}Arn`);
        expect(parameters[`${bucket}Name`]['Fn::GetStackOutput'].OutputName).toContain(`Ref${id}`);
      }
    }
  });
});

// Issue 10: the roster bucket (the stateful stack's, with the queue it notifies: review H, H-6), its object-created events and who may touch it.
describe('stateful stack: roster bucket', () => {
  const template = () => synth.apiTemplate.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;
  const stateful = () => synth.statefulTemplate.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;
  const rosterBucket = () => {
    const id = logicalId(synth.stateful.rosterBucket.node.defaultChild as CfnResource);
    return [id, stateful()[id]!] as const;
  };
  const workerOf = (name: string) => synth.api.functions.get(`queue:${name}`)!;
  const s3Statements = (fn: { role: { node: { defaultChild?: unknown } } }) =>
    roleStatements(synth.apiTemplate, logicalId(fn.role.node.defaultChild as CfnRole)).filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')));

  it('is encrypted, private, TLS only, logged, unversioned, and forgets each roster after 30 days', () => {
    const [id, bucket] = rosterBucket();
    const props = bucket.Properties;
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(props.LoggingConfiguration.DestinationBucketName).toBeDefined();
    expect(props.VersioningConfiguration).toBeUndefined();
    expect(props.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: ROSTER_RETENTION_DAYS, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]);
    const policy = Object.values(stateful()).find((r) => r.Type === 'AWS::S3::BucketPolicy' && JSON.stringify(r.Properties.Bucket).includes(id))!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('sends object-created events under mis/ ending .zip to the mis-rosters queue, which only S3 from this bucket may send to, with a dead-letter queue', () => {
    const [, bucket] = rosterBucket();
    const [config] = bucket.Properties.NotificationConfiguration.QueueConfigurations;
    expect(bucket.Properties.NotificationConfiguration.QueueConfigurations).toHaveLength(1);
    expect(config.Event).toBe('s3:ObjectCreated:*');
    expect(config.Filter.S3Key.Rules).toEqual([{ Name: 'prefix', Value: 'mis/' }, { Name: 'suffix', Value: '.zip' }]);
    const queueId = config.Queue["Fn::GetAtt"][0] as string;
    const queue = stateful()[queueId]!;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.RedrivePolicy.deadLetterTargetArn).toBeDefined();
    const drops = queues.find((q) => q.rosterDrops)!;
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(drops.maxReceiveCount);
    expect(queue.Properties.VisibilityTimeout).toBe(drops.timeoutSeconds * 6);
    // Its worker (in the API stack) is triggered by this very queue.
    const worker = workerOf(drops.name);
    const mapping = Object.values(template()).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties.FunctionName).includes(logicalId(worker.function.node.defaultChild as CfnFunction)))!;
    expect(JSON.stringify(mapping.Properties.EventSourceArn)).toContain(`${queueId}Arn`);
    const queuePolicy = Object.entries(stateful()).find(([, r]) => r.Type === 'AWS::SQS::QueuePolicy' && JSON.stringify(r.Properties.Queues).includes(queueId))!;
    const statement = queuePolicy[1].Properties.PolicyDocument.Statement.find((st: any) => st.Sid === 'RosterBucketEvents');
    expect(statement).toMatchObject({ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage' });
    // The policy names the bucket by its fixed name (no reference: the bucket waits for the policy, which S3 checks).
    expect(JSON.stringify(statement.Condition.ArnEquals['aws:SourceArn'])).toContain('-rosters-');
    expect(statement.Condition.StringEquals['aws:SourceAccount']).toBeDefined();
    expect(rosterBucket()[1].DependsOn).toContain(queuePolicy[0]);
    // Not the name the API stack's bucket had (ta-<stage>-mis-rosters-…), which a deployed API stack leaves behind (retained).
    expect(JSON.stringify(bucket.Properties.BucketName)).toContain('"ta-dev-rosters-"');
    expect(JSON.stringify(statement.Condition.ArnEquals['aws:SourceArn'])).toContain(':s3:::ta-dev-rosters-');
  });

  it('lets the upload route put and the run worker get objects under mis/ only, and nothing else touch the bucket', () => {
    // In a nested stack the bucket's ARN is the parameter the API stack fills with the stateful stack's bucket.
    const id = 'RosterBucketArn';
    const onlyUnderMis = (statement: { Resource: unknown }) => {
      expect(asList(statement.Resource)).toHaveLength(1);
      expect(statement.Resource).toEqual({ 'Fn::Join': ['', [{ Ref: id }, '/mis/*']] });
    };
    const upload = synth.api.functions.get('PUT /nodes/{id}/mis/roster')!;
    const [put, ...noMore] = s3Statements(upload);
    expect(noMore).toEqual([]);
    expect(put!.Action).toBe('s3:PutObject');
    onlyUnderMis(put!);
    const [get, ...none] = s3Statements(workerOf('mis-runs'));
    expect(none).toEqual([]);
    expect(get!.Action).toBe('s3:GetObject');
    onlyUnderMis(get!);
    // The drop handler reads the event, never the object.
    expect(s3Statements(workerOf('mis-rosters'))).toEqual([]);
    for (const [key, fn] of synth.api.functions) {
      const statements = JSON.stringify(roleStatements(synth.apiTemplate, logicalId(fn.role.node.defaultChild as CfnRole)));
      const touches = statements.includes(`"${id}"`) || statements.includes(rosterBucket()[0]);
      expect(touches, key).toBe(key === 'PUT /nodes/{id}/mis/roster' || key === 'queue:mis-runs');
      const env = (template()[logicalId(fn.function.node.defaultChild as CfnFunction)]!.Properties.Environment.Variables ?? {}) as Record<string, unknown>;
      expect('ROSTER_BUCKET' in env, key).toBe(key === 'PUT /nodes/{id}/mis/roster' || key === 'queue:mis-runs');
    }
  });

  it('gives a long run its time: the worker has 15 minutes, the queue hides a message for six times that', () => {
    const runs = queues.find((q) => q.name === 'mis-runs')!;
    const worker = template()[logicalId(workerOf('mis-runs').function.node.defaultChild as CfnFunction)]!;
    expect(worker.Properties.Timeout).toBe(900);
    const queue = Object.values(template()).find((r) => r.Type === 'AWS::SQS::Queue' && r.Properties.RedrivePolicy?.maxReceiveCount === runs.maxReceiveCount && r.Properties.VisibilityTimeout === 5400);
    expect(queue).toBeDefined();
    // A part stops with STOP_MARGIN_MS left and continues in a new message: well inside the timeout.
    expect(STOP_MARGIN_MS).toBeLessThan(runs.timeoutSeconds * 1000 / 5);
    // The hourly job fails a run only once every delivery of its message could have come and gone (review D, D9).
    expect(STUCK_RUN_AFTER_MS).toBeGreaterThan(runs.maxReceiveCount * queue!.Properties.VisibilityTimeout * 1000);
  });
});

describe('api stack: queues (the CSV import)', () => {
  const template = () => synth.apiTemplate.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
  const ofType = (type: string) => Object.entries(template()).filter(([, r]) => r.Type === type);

  it('gives every queue an encrypted, TLS-only SQS queue with a dead-letter queue, and a worker it triggers one message at a time', () => {
    // Plus one dead-letter queue per job schedule (review H, H-2; test/infra/monitoring.test.ts); the roster drops' queue
    // and its dead-letter queue are the stateful stack's (review H, H-6), beside the bucket that notifies it.
    const apiQueues = queues.filter((q) => !q.rosterDrops);
    const both = (type: string) => [...ofType(type), ...Object.entries(synth.statefulTemplate.findResources(type)) as [string, { Type: string; Properties: Record<string, any> }][]];
    expect(ofType('AWS::SQS::Queue')).toHaveLength(apiQueues.length * 2 + jobs.length);
    const sqsQueues = both('AWS::SQS::Queue');
    expect(sqsQueues).toHaveLength(queues.length * 2 + jobs.length);
    const main = sqsQueues.filter(([, r]) => r.Properties.RedrivePolicy);
    expect(main).toHaveLength(queues.length);
    for (const [, queue] of sqsQueues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(main.map(([, q]) => [q.Properties.RedrivePolicy.maxReceiveCount, q.Properties.VisibilityTimeout]).sort()).toEqual(
      queues.map((q) => [q.maxReceiveCount, q.timeoutSeconds * 6]).sort(),
    );
    const policies = both('AWS::SQS::QueuePolicy').map(([, p]) => JSON.stringify(p.Properties.PolicyDocument));
    expect(policies.filter((p) => p.includes('aws:SecureTransport'))).toHaveLength(queues.length * 2 + jobs.length);
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(queues.length);
    expect(mappings[0]![1].Properties).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    for (const def of queues) {
      const worker = synth.api.functions.get(`queue:${def.name}`)!;
      const props = template()[logicalId(worker.function.node.defaultChild as CfnFunction)]!.Properties;
      expect(props.Timeout, def.name).toBe(def.timeoutSeconds);
      expect(Object.keys(props.Environment.Variables), def.name).toContain(def.env);
    }
  });

  it('lets exactly the routes that name a queue, and its worker, send to it', () => {
    const senders = routes.filter((r) => r.queues?.length).map(routeKey);
    // The routes that grant, widen a role or reset 2FA write their account_security events into their own transaction (the outbox): no queue.
    expect(senders.sort()).toEqual(['POST /mis/runs/{runId}/approve', 'POST /nodes/{id}/mis/runs', 'POST /notifications/events', 'POST /users/import']);
    const sendingJobs = jobs.filter((j) => j.queues?.length).map((j) => j.name);
    expect(sendingJobs.sort()).toEqual(['mis-sync', 'notify']);
    for (const [key, fn] of synth.api.functions) {
      const actions = roleStatements(synth.apiTemplate, logicalId(fn.role.node.defaultChild as CfnRole)).flatMap((s: any) => [s.Action].flat());
      const sends = actions.includes('sqs:SendMessage');
      expect(sends, key).toBe(senders.includes(key) || sendingJobs.includes(key) || queues.some((q) => key === `queue:${q.name}`));
    }
  });
});
