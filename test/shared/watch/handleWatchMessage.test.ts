import { describe, expect, it } from '@jest/globals';

import { createMemoryBindingIndex } from '../../../shared/bindings/BindingIndex.ts';
import { createMemoryClusterStore } from '../../../shared/clusters/ClusterStore.ts';
import { ErrorCode, isKeySyncError } from '../../../shared/errors.ts';
import type { EngineDeps } from '../../../shared/reconcile/EngineDeps.ts';
import { handleWatchMessage } from '../../../shared/watch/handleWatchMessage.ts';
import { FakeClusterClient, kubeErrors } from '../../support/FakeClusterClient.ts';
import { fakeStorageProvider, storageId, fakeSyncDeps } from '../../support/reconcileFixtures.ts';

const message = {
  version: 1,
  cluster: 'c1',
  kind: 'KeyBinding',
  eventType: 'added',
  namespace: 'ns',
  name: 'app',
  resourceVersion: '1',
  observedAt: '2026-11-29T00:00:00Z',
};

function setup() {
  const client = new FakeClusterClient('c1');
  client.putBinding({
    metadata: {
      namespace: 'ns',
      name: 'app',
      uid: 'uid-app',
      generation: 1,
      creationTimestamp: '2026-11-01T00:00:00Z',
    },
    spec: { resourceId: storageId, secrets: { primaryKey: { name: 'app', key: 'KEY' } } },
  } as never);
  const deps: EngineDeps = {
    clusters: createMemoryClusterStore([
      { name: 'c1', kubeconfig: 'x', allow: [{ namespaces: '*', resourceIdPrefix: '/subscriptions/s' }] },
    ]),
    connect: () => Promise.resolve(client),
    index: createMemoryBindingIndex(),
    ...fakeSyncDeps(fakeStorageProvider({ key1: 'K1' })),
  };
  return { client, deps };
}

async function thrown(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (isKeySyncError(err)) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('handleWatchMessage', () => {
  it('reconciles a new binding and indexes it', async () => {
    const { client, deps } = setup();
    const r = await handleWatchMessage(deps, message);
    expect(r.bindings).toMatchObject([
      { binding: 'app', action: 'reconciled', report: { action: 'created' } },
    ]);
    expect(client.secrets.get('ns/app')?.data).toEqual({ KEY: 'K1' });
    expect(await deps.index.lookup(storageId.toLowerCase())).toHaveLength(1);
  });

  it('throws a retryable error when a Secret write fails with a 5xx (Service Bus delivers again)', async () => {
    const { client, deps } = setup();
    client.fault = (op) =>
      op === 'createSecret' ? kubeErrors.unavailable('c1', 'create Secret') : undefined;
    const err = await thrown(handleWatchMessage(deps, message));
    expect(err).toMatchObject({ code: ErrorCode.ClusterUnreachable, retryable: true });
  });

  it('an ownership refusal is not retried (nothing will change by itself)', async () => {
    const { client, deps } = setup();
    client.putSecret({
      namespace: 'ns',
      name: 'app',
      labels: {},
      annotations: {},
      ownerReferences: [],
      data: {},
    });
    const r = await handleWatchMessage(deps, message);
    expect(r.bindings[0]?.report).toMatchObject({
      action: 'conflict',
      reason: ErrorCode.SecretNotOwned,
      retryable: false,
    });
  });

  it('a malformed message is poison (not retryable), an unregistered cluster too', async () => {
    const { deps } = setup();
    expect(await thrown(handleWatchMessage(deps, { ...message, version: 99 }))).toMatchObject({
      retryable: false,
    });
    expect(await thrown(handleWatchMessage(deps, { ...message, cluster: 'nope' }))).toMatchObject({
      code: ErrorCode.ClusterNotRegistered,
      retryable: false,
    });
  });
});
