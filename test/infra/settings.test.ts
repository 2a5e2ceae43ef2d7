import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../infra/constructs/settings';
import { cdkJsonContext } from './test-app';

const settingsFrom = (context: Record<string, unknown>) => readSettings(new App({ context }));

describe('deployment settings', () => {
  it('reads stage, sender, app URL and time zone from cdk.json', () => {
    const context = cdkJsonContext();
    expect(settingsFrom(context)).toEqual({
      stage: context.stage,
      sesSender: context.sesSender,
      appUrl: context.appUrl,
      scheduleTimeZone: context.scheduleTimeZone,
    });
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
});
