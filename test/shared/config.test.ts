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
    expect(Object.isFrozen(c)).toBe(true);
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
