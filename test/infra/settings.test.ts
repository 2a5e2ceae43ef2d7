import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../infra/constructs/settings';
import { cdkJsonContext } from './test-app';

const settingsFrom = (context: Record<string, unknown>) => readSettings(new App({ context }));

describe('deployment settings', () => {
  it('reads stage, sender, app URL (the CORS origin) and time zone from cdk.json', () => {
    const context = cdkJsonContext();
    expect(settingsFrom(context)).toEqual({
      stage: context.stage,
      sesSender: context.sesSender,
      appUrl: context.appUrl,
      scheduleTimeZone: context.scheduleTimeZone,
      functionEnvironment: {},
    });
  });

  it('passes link lifetimes and the integration rate to the functions, checked as the functions check them', () => {
    expect(settingsFrom({ invitationTtlDays: '14', resetTtlMinutes: 30, integrationRequestsPerWindow: '1200', integrationRateWindowSeconds: '120' }).functionEnvironment).toEqual({
      INVITATION_TTL_DAYS: '14', RESET_TTL_MINUTES: '30', INTEGRATION_REQUESTS_PER_WINDOW: '1200', INTEGRATION_RATE_WINDOW_SECONDS: '120',
    });
    // The functions' own bounds (functions/config.ts): a link lives at most 30 days, a reset link at most a day.
    expect(() => settingsFrom({ invitationTtlDays: '31' })).toThrow(/invitationTtlDays.*INVITATION_TTL_DAYS/);
    expect(() => settingsFrom({ resetTtlMinutes: '1441' })).toThrow(/resetTtlMinutes/);
    expect(() => settingsFrom({ integrationRateWindowSeconds: '0' })).toThrow(/integrationRateWindowSeconds/);
    expect(() => settingsFrom({ integrationRequestsPerWindow: '2.5' })).toThrow(/integrationRequestsPerWindow/);
    expect(() => settingsFrom({ invitationTtlDays: 'two weeks' })).toThrow(/invitationTtlDays/);
    expect(() => settingsFrom({ invitationTtlDays: true })).toThrow(/invitationTtlDays/);
  });

  it('rejects a sender that is not an email address', () => {
    expect(() => settingsFrom({ sesSender: 'example.org' })).toThrow(/sesSender/);
  });

  it('rejects an app URL that is not https', () => {
    expect(() => settingsFrom({ appUrl: 'http://app.example.org' })).toThrow(/appUrl/);
  });

  it('rejects a stage name that cannot be part of resource names', () => {
    expect(() => settingsFrom({ stage: 'Prod Env' })).toThrow(/stage/);
  });

  it('drops a trailing slash from the app URL so links join cleanly', () => {
    expect(settingsFrom({ appUrl: 'https://app.example.org/' }).appUrl).toBe('https://app.example.org');
  });

  // Review H, H-2.
  it('takes an optional alarm email address and rejects one that is not an address', () => {
    expect(settingsFrom(cdkJsonContext()).alarmEmail).toBeUndefined();
    expect(settingsFrom({ alarmEmail: 'ops@trust.example' }).alarmEmail).toBe('ops@trust.example');
    expect(() => settingsFrom({ alarmEmail: 'ops' })).toThrow(/alarmEmail/);
  });

  // Review H, H-3: the API's custom domain, the base of emailed links.
  const certificateArn = 'arn:aws:acm:eu-west-2:123456789012:certificate/0b6c2c7e-1111-4222-8333-944455556666';

  it('reads the API\'s custom domain when apiDomainName and certificateArn are both given, and none when neither is', () => {
    expect(settingsFrom({ apiDomainName: 'API.Trust.example', certificateArn }).apiDomain).toEqual({ name: 'api.trust.example', certificateArn });
    expect(settingsFrom(cdkJsonContext()).apiDomain).toBeUndefined();
  });

  it('refuses one of apiDomainName and certificateArn without the other', () => {
    expect(() => settingsFrom({ apiDomainName: 'api.trust.example' })).toThrow(/apiDomainName.*certificateArn/);
    expect(() => settingsFrom({ certificateArn })).toThrow(/apiDomainName.*certificateArn/);
  });

  it('refuses an API domain that is a URL rather than a host name, and a certificate ARN that is not ACM\'s', () => {
    expect(() => settingsFrom({ apiDomainName: 'https://api.trust.example', certificateArn })).toThrow(/apiDomainName/);
    expect(() => settingsFrom({ apiDomainName: 'api.trust.example', certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' })).toThrow(/certificateArn/);
  });
});
