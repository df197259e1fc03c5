import { describe, expect, it } from '@jest/globals';

import { loadConfig } from '../../shared/config.ts';
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
});
