import { describe, expect, it } from '@jest/globals';

import { ValidationError } from '../../shared/errors.ts';
import { loadWatcherConfig } from '../../watcher/watcherConfig.ts';

describe('loadWatcherConfig', () => {
  it('reads the settings with defaults', () => {
    expect(
      loadWatcherConfig({
        KEYSYNC_CLUSTER_NAME: 'prod-weu',
        KEYSYNC_SERVICEBUS_NAMESPACE: 'sb-x.servicebus.windows.net',
      }),
    ).toEqual({
      cluster: 'prod-weu',
      serviceBusNamespace: 'sb-x.servicebus.windows.net',
      queueName: 'cluster-watch',
      healthPort: 8080,
      coalesceMs: 500,
      logLevel: 'info',
    });
  });

  it('names every missing or invalid setting in one error', () => {
    let err: unknown;
    try {
      loadWatcherConfig({ KEYSYNC_CLUSTER_NAME: 'Prod_WEU', KEYSYNC_HEALTH_PORT: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const problems = (err as ValidationError).problems.join('\n');
    expect(problems).toContain('KEYSYNC_CLUSTER_NAME');
    expect(problems).toContain('KEYSYNC_SERVICEBUS_NAMESPACE');
    expect(problems).toContain('KEYSYNC_HEALTH_PORT');
  });
});
