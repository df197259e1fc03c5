import { describe, expect, it } from '@jest/globals';

import names from '../../infra/config/names.json' with { type: 'json' };
import { loadConfig, serviceBusNamespaceSetting } from '../../shared/config.ts';
import { ValidationError } from '../../shared/errors.ts';

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const c = loadConfig({ KEYSYNC_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
    expect(c.armEndpoint).toBe('https://management.azure.com');
    expect(c.armWritesBurst).toBe(200);
    expect(c.armWritesPerSecond).toBe(10);
    expect(c.resyncSchedule).toBe('0 0 * * * *');
    expect(c.azureTimeoutInMs).toBe(30_000);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the bound of Azure calls and refuses a non-positive one', () => {
    const tables = { KEYSYNC_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
    expect(loadConfig({ ...tables, KEYSYNC_AZURE_TIMEOUT_MS: '5000' }).azureTimeoutInMs).toBe(5_000);
    expect(() => loadConfig({ ...tables, KEYSYNC_AZURE_TIMEOUT_MS: '0' })).toThrow(
      'KEYSYNC_AZURE_TIMEOUT_MS',
    );
    expect(() => loadConfig({ ...tables, KEYSYNC_AZURE_TIMEOUT_MS: 'soon' })).toThrow(
      'KEYSYNC_AZURE_TIMEOUT_MS',
    );
  });

  it('lists every invalid setting by name at once', () => {
    let caught: unknown;
    try {
      loadConfig({ KEYSYNC_ARM_ENDPOINT: 'http://insecure', KEYSYNC_CLUSTER_CONCURRENCY: '0' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const text = (caught as ValidationError).problems.join('\n');
    expect(text).toContain('KEYSYNC_ARM_ENDPOINT');
    expect(text).toContain('KEYSYNC_CLUSTER_CONCURRENCY');
    expect(text).toContain('KEYSYNC_TABLES_ENDPOINT');
  });

  it('reads the watch queue, its namespace (shared with the trigger connection) and the retry backoff', () => {
    const tables = { KEYSYNC_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
    const defaults = loadConfig(tables);
    expect(defaults.watchQueue).toBe(names.serviceBus.watchQueue);
    expect(defaults.serviceBusNamespace).toBeUndefined();
    expect(defaults.watchRetry).toEqual({
      initialDelayInMs: 5_000,
      maxDelayInMs: 120_000,
      windowInMs: 1_800_000,
    });

    expect(serviceBusNamespaceSetting).toBe(`${names.serviceBus.connection}__fullyQualifiedNamespace`);
    const set = loadConfig({
      ...tables,
      [names.appSettings.watchQueue]: 'watch-2',
      [serviceBusNamespaceSetting]: 'sb-x.servicebus.windows.net',
      KEYSYNC_WATCH_RETRY_INITIAL_MS: '100',
      KEYSYNC_WATCH_RETRY_MAX_MS: '400',
      KEYSYNC_WATCH_RETRY_WINDOW_MS: '20000',
    });
    expect(set.watchQueue).toBe('watch-2');
    expect(set.serviceBusNamespace).toBe('sb-x.servicebus.windows.net');
    expect(set.watchRetry).toEqual({ initialDelayInMs: 100, maxDelayInMs: 400, windowInMs: 20_000 });
  });

  it('refuses a retry backoff that cannot work, naming the setting', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ KEYSYNC_TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true', ...env });
      } catch (e) {
        return (e as ValidationError).problems.join('\n');
      }
      return '';
    };
    expect(problems({ KEYSYNC_WATCH_RETRY_INITIAL_MS: '200000' })).toContain('KEYSYNC_WATCH_RETRY_MAX_MS');
    expect(problems({ KEYSYNC_WATCH_RETRY_WINDOW_MS: '60000' })).toContain('KEYSYNC_WATCH_RETRY_WINDOW_MS');
    expect(problems({ KEYSYNC_WATCH_RETRY_WINDOW_MS: '172800000' })).toContain('time-to-live');
    expect(problems({ [serviceBusNamespaceSetting]: 'https://sb-x.servicebus.windows.net/' })).toContain(
      serviceBusNamespaceSetting,
    );
  });
});
