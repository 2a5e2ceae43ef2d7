import { App, type CfnResource } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes';
import { readSettings } from '../../infra/constructs/settings';
import { cdkJsonContext, logicalId, synthesizeApp, type SynthesizedApp } from './test-app';

// Review H, H-7 (SES for a trust) and H-10 (deploy settings that must hold in production).

/** A synth of the stacks without routes, jobs or queues: enough for the stateful stack and the stacks' settings. */
const bare = (context: Record<string, unknown>) => synthesizeApp({ routes: [], jobs: [], queues: [], context });

describe('SES: bounces, complaints and rejects', () => {
  let synth: SynthesizedApp;
  beforeAll(() => {
    synth = bare({});
  });
  afterAll(() => synth?.cleanup());

  it('sends the configuration set\'s bounce, complaint and reject events to the alarm topic', () => {
    const configurationSet = logicalId(synth.stateful.configurationSet.node.defaultChild as CfnResource);
    synth.statefulTemplate.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: configurationSet },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals(['bounce', 'complaint', 'reject']),
        SnsDestination: { TopicARN: { Ref: logicalId(synth.stateful.monitoring.topic.node.defaultChild as CfnResource) } },
      },
    });
  });

  it('verifies the one sender address when no sesDomain is given', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: cdkJsonContext().sesSender });
    expect(Object.keys(synth.statefulTemplate.toJSON().Outputs).filter((o) => o.startsWith('DkimRecord'))).toEqual([]);
  });
});

describe('SES: a domain identity with DKIM (sesDomain)', () => {
  let synth: SynthesizedApp;
  beforeAll(() => {
    synth = bare({ sesDomain: 'oak.example', sesSender: 'no-reply@mail.oak.example' });
  });
  afterAll(() => synth?.cleanup());

  it('verifies the domain with Easy DKIM instead of the address, through the same configuration set', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'oak.example',
      DkimAttributes: Match.absent(),
      DkimSigningAttributes: Match.absent(),
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: logicalId(synth.stateful.configurationSet.node.defaultChild as CfnResource) } },
    });
    synth.statefulTemplate.resourceCountIs('AWS::SES::EmailIdentity', 1);
  });

  it('outputs the three DKIM CNAME records for the domain\'s DNS', () => {
    const outputs = synth.statefulTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
    const dkim = Object.keys(outputs).filter((o) => o.startsWith('DkimRecord')).sort();
    expect(dkim).toEqual(['DkimRecord1', 'DkimRecord2', 'DkimRecord3']);
    for (const name of dkim) expect(JSON.stringify(outputs[name]!.Value)).toMatch(/DkimDNSTokenName\d.*CNAME.*DkimDNSTokenValue\d/);
  });

  it('refuses a sender outside the domain, and a domain that is not one', () => {
    const settings = (context: Record<string, unknown>) => readSettings(new App({ context }));
    expect(() => settings({ sesDomain: 'oak.example', sesSender: 'no-reply@elm.example' })).toThrow(/sesSender.*sesDomain/);
    expect(() => settings({ sesDomain: 'not a domain', sesSender: 'no-reply@oak.example' })).toThrow(/sesDomain/);
    expect(settings({ sesDomain: 'Oak.Example.', sesSender: 'no-reply@oak.example' }).sesDomain).toBe('oak.example');
  });
});

describe('table encryption (review H, H-11)', () => {
  it('encrypts the table with the AWS managed KMS key, whose every use CloudTrail records', () => {
    const synth = bare({});
    try {
      // SSEEnabled without a key id is the AWS managed key (aws/dynamodb); false or absent is the AWS owned key.
      synth.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() } });
    } finally {
      synth.cleanup();
    }
  });
});

describe('production', () => {
  const prod = { stage: 'prod', sesSender: 'no-reply@oak.example', appUrl: 'https://accounts.oak.example' };

  it('turns on termination protection for both stacks, and for neither in dev', () => {
    const synth = bare(prod);
    const dev = bare({});
    try {
      const assembly = synth.app.synth();
      expect(assembly.getStackByName(synth.stateful.stackName).terminationProtection).toBe(true);
      expect(assembly.getStackByName(synth.api.stackName).terminationProtection).toBe(true);
      expect(dev.stateful.terminationProtection).toBe(false);
      expect(dev.api.terminationProtection).toBe(false);
    } finally {
      synth.cleanup();
      dev.cleanup();
    }
  });

  it('refuses cdk.json\'s example.org placeholders for stage prod', () => {
    const settings = (context: Record<string, unknown>) => readSettings(new App({ context: { ...cdkJsonContext(), ...context } }));
    expect(() => settings({ stage: 'prod', appUrl: prod.appUrl })).toThrow(/sesSender.*placeholder/);
    expect(() => settings({ stage: 'prod', sesSender: prod.sesSender })).toThrow(/appUrl.*placeholder/);
    expect(settings(prod).stage).toBe('prod');
    expect(settings({}).sesSender).toBe(cdkJsonContext().sesSender);
  });
});

describe('function settings from context', () => {
  it('gives every function the link lifetimes and integration rate the deployment sets, and none it does not', () => {
    const health = routes.filter((r) => r.path === '/health');
    const set = synthesizeApp({ routes: health, jobs: [], queues: [], context: { invitationTtlDays: '14', integrationRateWindowSeconds: '120' } });
    const unset = synthesizeApp({ routes: health, jobs: [], queues: [], context: {} });
    try {
      const envOf = (synth: SynthesizedApp) => {
        const functions = Object.values(synth.apiTemplate.findResources('AWS::Lambda::Function')) as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }[];
        expect(functions.length).toBeGreaterThan(0);
        return functions.map((f) => f.Properties.Environment?.Variables ?? {});
      };
      for (const env of envOf(set)) {
        expect(env).toMatchObject({ INVITATION_TTL_DAYS: '14', INTEGRATION_RATE_WINDOW_SECONDS: '120' });
        expect(env.RESET_TTL_MINUTES).toBeUndefined();
      }
      for (const env of envOf(unset)) expect(env.INVITATION_TTL_DAYS).toBeUndefined();
    } finally {
      set.cleanup();
      unset.cleanup();
    }
  });
});
