import { describe, expect, it } from '@jest/globals';

import { createMemoryBindingIndex } from '../../../shared/bindings/BindingIndex.ts';
import { createMemoryClusterStore } from '../../../shared/clusters/ClusterStore.ts';
import { ErrorCode } from '../../../shared/errors.ts';
import type { ArmEventDeps } from '../../../shared/events/handleArmChanges.ts';
import { handleArmChanges } from '../../../shared/events/handleArmChanges.ts';
import { FakeClusterClient, kubeErrors } from '../../support/FakeClusterClient.ts';
import {
  fakeStorageProvider,
  storageId,
  storageResource,
  fakeSyncDeps,
} from '../../support/reconcileFixtures.ts';

const allow = [{ namespaces: '*', resourceIdPrefix: '/subscriptions/s' }];
const rawBinding = (name: string) => ({
  apiVersion: 'keysync.dev/v1alpha1',
  kind: 'KeyBinding',
  metadata: {
    namespace: 'ns',
    name,
    uid: `uid-${name}`,
    generation: 1,
    creationTimestamp: '2026-11-01T00:00:00Z',
  },
  spec: { resourceId: storageId, secrets: { primaryKey: { name, key: 'KEY' } } },
});

async function setup() {
  const state = { key1: 'K1' };
  const provider = fakeStorageProvider(state);
  const clients = { a: new FakeClusterClient('a'), b: new FakeClusterClient('b') };
  const index = createMemoryBindingIndex();
  for (const [cluster, client] of Object.entries(clients)) {
    client.putBinding(rawBinding('app'));
    await index.upsert({ cluster, namespace: 'ns', name: 'app', resourceKey: storageResource.key });
  }
  const deps: ArmEventDeps = {
    clusters: createMemoryClusterStore([
      { name: 'a', kubeconfig: 'x', allow },
      { name: 'b', kubeconfig: 'x', allow },
    ]),
    connect: (r) => Promise.resolve(clients[r.name as 'a' | 'b']),
    index,
    ...fakeSyncDeps(provider),
    staleRetryDelaysInMs: [1],
  };
  return { deps, clients, state, provider };
}

const keysEvent = (eventTime = new Date(0)) => ({
  kind: 'keys' as const,
  resource: storageResource,
  eventId: 'e1',
  eventTime,
  operationName: 'Microsoft.Storage/storageAccounts/regenerateKey/action',
});

describe('handleArmChanges', () => {
  it('fetches once for every cluster and writes every bound Secret', async () => {
    const { deps, clients, provider } = await setup();
    const out = await handleArmChanges(deps, [keysEvent(), keysEvent()]);
    expect(provider.fetches).toHaveLength(1);
    expect(out.retryable).toEqual([]);
    expect(clients.a.secrets.get('ns/app')?.data).toEqual({ KEY: 'K1' });
    expect(clients.b.secrets.get('ns/app')?.data).toEqual({ KEY: 'K1' });
  });

  it('a failed Secret write in one cluster makes the outcome retryable; the other cluster is written', async () => {
    const { deps, clients } = await setup();
    clients.a.fault = (op) =>
      op === 'createSecret' ? kubeErrors.unavailable('a', 'create Secret') : undefined;
    const out = await handleArmChanges(deps, [keysEvent()]);
    expect(out.retryable.map((e) => [e.code, e.details.cluster])).toEqual([
      [ErrorCode.ClusterUnreachable, 'a'],
    ]);
    expect(clients.b.secrets.get('ns/app')?.data).toEqual({ KEY: 'K1' });
    // The redelivery writes the missing Secret and nothing else.
    clients.a.fault = () => undefined;
    const again = await handleArmChanges(deps, [keysEvent()]);
    expect(again.retryable).toEqual([]);
    expect(clients.a.writes).toEqual(['create ns/app']);
    expect(clients.b.writes).toEqual(['create ns/app']);
  });

  it('an unreachable cluster is a retryable failure and does not stop the other', async () => {
    const { deps, clients } = await setup();
    clients.a.fault = (op) => (op === 'listKeyBindings' ? kubeErrors.unavailable('a', 'list') : undefined);
    const out = await handleArmChanges(deps, [keysEvent()]);
    expect(out.clusterFailures).toMatchObject([{ cluster: 'a', retryable: true }]);
    expect(out.retryable).toHaveLength(1);
    expect(clients.b.secrets.has('ns/app')).toBe(true);
  });

  it('a delete event marks bindings ResourceDeleted (not retryable) and fetches nothing', async () => {
    const { deps, clients, provider } = await setup();
    const out = await handleArmChanges(deps, [{ ...keysEvent(), kind: 'delete' }]);
    expect(provider.fetches).toEqual([]);
    expect(out.bindings.map((b) => b.reason)).toEqual([ErrorCode.ResourceDeleted, ErrorCode.ResourceDeleted]);
    expect(out.retryable).toEqual([]);
    expect(clients.a.secrets.size).toBe(0);
  });
});
