import { describe, expect, it } from '@jest/globals';

import { createMemoryBindingIndex } from '../../../shared/bindings/BindingIndex.ts';
import type { ClusterStore } from '../../../shared/clusters/ClusterStore.ts';
import { clusterList, createMemoryClusterStore } from '../../../shared/clusters/ClusterStore.ts';
import { ErrorCode, ValidationError } from '../../../shared/errors.ts';
import { runResync } from '../../../shared/resync/runResync.ts';
import { FakeClusterClient } from '../../support/FakeClusterClient.ts';
import { fakeStorageProvider, storageId, fakeSyncDeps } from '../../support/reconcileFixtures.ts';

describe('runResync', () => {
  it('reports an unreadable stored registration as that cluster’s failure and syncs the others', async () => {
    const client = new FakeClusterClient('good');
    client.putBinding({
      metadata: {
        namespace: 'ns',
        name: 'app',
        uid: 'u',
        generation: 1,
        creationTimestamp: '2026-11-01T00:00:00Z',
      },
      spec: { resourceId: storageId, secrets: { primaryKey: { name: 'app', key: 'KEY' } } },
    } as never);
    const memory = createMemoryClusterStore([
      { name: 'good', kubeconfig: 'x', allow: [{ namespaces: '*', resourceIdPrefix: '/subscriptions/s' }] },
    ]);
    const bad = new ValidationError(ErrorCode.InvalidInput, "stored cluster registration 'bad' is invalid");
    const clusters: ClusterStore = {
      ...memory,
      list: async () => clusterList(await memory.list(), [{ name: 'bad', error: bad }]),
    };
    const report = await runResync(
      {
        clusters,
        connect: () => Promise.resolve(client),
        index: createMemoryBindingIndex(),
        ...fakeSyncDeps(fakeStorageProvider({ key1: 'K1' })),
      },
      {},
    );
    expect(report.clusterFailures).toMatchObject([
      { cluster: 'bad', reason: ErrorCode.InvalidInput, retryable: false },
    ]);
    expect(report.bindings).toMatchObject([{ cluster: 'good', action: 'created' }]);
  });
});
