/**
 * The resync use-case end to end on real parts: two real kube-apiservers (the engine acts as the low-privilege
 * `keysync-service` user), Azurite for the cluster registry, the ARM simulator over HTTPS through the real
 * @azure/arm-* clients. cluster-a is registered by AKS ARM ID (server + CA from listClusterUserCredential,
 * Entra-style token), cluster-b by kubeconfig.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { ownership } from '../../../shared/kube/ownership.ts';
import type { BindingReport, ResyncReport } from '../../../shared/reconcile/SyncReport.ts';
import { runResync } from '../../../shared/resync/runResync.ts';
import type { EngineHarness } from '../../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../../support/engineHarness.ts';

let h: EngineHarness;
let ns: string;
const rg = 'rg-resync';
const st = storageId(rg, 'stresync');
const cosmos = `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-resync`;
const redis = `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Cache/Redis/redis-resync`;

const resync = (request: Parameters<typeof runResync>[1] = {}) =>
  runResync(h.services.engineDeps(h.logger), request);
const entry = (r: ResyncReport, cluster: string, binding: string): BindingReport | undefined =>
  r.bindings.find((b) => b.cluster === cluster && b.binding === binding && b.namespace === ns);
const listKeyCalls = (resourceId?: string) =>
  h.sim
    .calls()
    .filter(
      (c) =>
        /listkeys/i.test(c.operation ?? '') &&
        (!resourceId || c.resourceId?.toLowerCase() === resourceId.toLowerCase()),
    );

beforeAll(async () => {
  h = await startEngineHarness();
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stresync' });
  h.sim.addCosmosAccount({ subscriptionId, resourceGroup: rg, name: 'cosmos-resync' });
  h.sim.addRedisCache({ subscriptionId, resourceGroup: rg, name: 'redis-resync' });
  ns = await h.namespace('resync');
  await h.registerClusters([
    { namespaces: 'resync-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/${rg}` },
  ]);
  for (const cluster of ['cluster-a', 'cluster-b'] as const) {
    await h.createBinding(cluster, ns, 'orders-storage', {
      resourceId: st,
      secrets: {
        primaryKey: { name: 'orders-storage', key: 'AZURE_STORAGE_KEY' },
        primaryConnectionString: { name: 'orders-storage', key: 'AZURE_STORAGE_CONNECTION_STRING' },
        blobEndpoint: { name: 'orders-storage', key: 'BLOB_ENDPOINT' },
        secondaryKey: { name: 'orders-storage-fallback', key: 'KEY' },
      },
    });
  }
  await h.createBinding('cluster-a', ns, 'orders-cosmos', {
    resourceId: cosmos,
    secrets: {
      primaryMasterKey: { name: 'orders-cosmos', key: 'COSMOS_KEY' },
      documentEndpoint: { name: 'orders-cosmos', key: 'COSMOS_ENDPOINT' },
      primaryConnectionString: { name: 'orders-cosmos', key: 'COSMOS_CONNECTION_STRING' },
    },
  });
  await h.createBinding('cluster-b', ns, 'orders-redis', {
    resourceId: redis.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'),
    secrets: {
      primaryKey: { name: 'orders-redis', key: 'REDIS_PASSWORD' },
      hostName: { name: 'orders-redis', key: 'REDIS_HOST' },
      primaryConnectionString: { name: 'orders-redis', key: 'REDIS_CONNECTION_STRING' },
    },
  });
});

afterAll(async () => {
  await h?.stop();
});

describe('runResync on real parts', () => {
  it('dry run reports what it would create and writes nothing', async () => {
    h.sim.resetCalls();
    const r = await resync({ namespace: ns, dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(entry(r, 'cluster-a', 'orders-storage')?.action).toBe('created');
    expect(await h.readSecret('cluster-a', ns, 'orders-storage')).toBeUndefined();
  });

  it('creates owned Secrets with the keys, endpoints and connection strings asked for, in both clusters', async () => {
    h.sim.resetCalls();
    const r = await resync({ namespace: ns });
    expect(r.clusterFailures).toEqual([]);
    for (const b of ['orders-storage', 'orders-cosmos', 'orders-redis']) {
      const cluster = b === 'orders-redis' ? 'cluster-b' : 'cluster-a';
      expect(entry(r, cluster, b)).toMatchObject({ action: 'created' });
    }
    expect(entry(r, 'cluster-b', 'orders-storage')?.action).toBe('created');

    const keys = h.sim.keysOf(st);
    for (const cluster of ['cluster-a', 'cluster-b'] as const) {
      const s = await h.readSecret(cluster, ns, 'orders-storage');
      expect(s?.AZURE_STORAGE_KEY).toBe(keys.key1);
      expect(s?.BLOB_ENDPOINT).toBe('https://stresync.blob.core.windows.net/');
      expect(s?.AZURE_STORAGE_CONNECTION_STRING).toContain(`AccountName=stresync;AccountKey=${keys.key1}`);
      expect(await h.readSecret(cluster, ns, 'orders-storage-fallback')).toEqual({ KEY: keys.key2 });
    }
    const c = await h.readSecret('cluster-a', ns, 'orders-cosmos');
    expect(c?.COSMOS_KEY).toBe(h.sim.keysOf(cosmos).primaryMasterKey);
    expect(c?.COSMOS_CONNECTION_STRING).toBe(
      `AccountEndpoint=${c?.COSMOS_ENDPOINT};AccountKey=${c?.COSMOS_KEY};`,
    );
    const rd = await h.readSecret('cluster-b', ns, 'orders-redis');
    expect(rd?.REDIS_HOST).toBe('redis-resync.redis.cache.windows.net');
    expect(rd?.REDIS_CONNECTION_STRING).toBe(
      `redis-resync.redis.cache.windows.net:6380,password=${rd?.REDIS_PASSWORD},ssl=True,abortConnect=False`,
    );

    // One listKeys per resource, although two clusters bind the storage account.
    expect(listKeyCalls(st)).toHaveLength(1);
    expect(r.resourcesFetched).toBe(3);
    // The binding index now knows who binds the storage account.
    const indexed = await h.services.index.lookup(st.toLowerCase());
    expect(indexed.filter((e) => e.namespace === ns).map((e) => `${e.cluster}/${e.name}`)).toEqual([
      'cluster-a/orders-storage',
      'cluster-b/orders-storage',
    ]);
  });

  it('marks Secrets as owned and reports status on the KeyBinding', async () => {
    const s = await h.admin['cluster-a'].core.readNamespacedSecret({ namespace: ns, name: 'orders-storage' });
    expect(s.metadata?.labels?.[ownership.managedByLabel]).toBe('aks-keysync');
    expect(s.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'KeyBinding',
      name: 'orders-storage',
      controller: true,
    });
    expect(s.metadata?.annotations?.[ownership.dataHashAnnotation]).toMatch(/^sha256:[0-9a-f]{64}$/);
    const kb = (await h.admin['cluster-a'].custom.getNamespacedCustomObject({
      group: 'keysync.dev',
      version: 'v1alpha1',
      plural: 'keybindings',
      namespace: ns,
      name: 'orders-storage',
    })) as {
      status?: {
        conditions?: Array<{ type: string; status: string; reason: string }>;
        lastSyncTime?: string;
        observedGeneration?: number;
      };
    };
    expect(kb.status?.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'Synced' });
    expect(kb.status?.lastSyncTime).toBeDefined();
    expect(kb.status?.observedGeneration).toBe(1);
  });

  it('a second pass is a no-op: unchanged everywhere, no Secret write', async () => {
    const before = await h.admin['cluster-a'].core.readNamespacedSecret({
      namespace: ns,
      name: 'orders-storage',
    });
    const r = await resync({ namespace: ns });
    expect(r.totals.unchanged).toBe(r.bindings.length);
    const after = await h.admin['cluster-a'].core.readNamespacedSecret({
      namespace: ns,
      name: 'orders-storage',
    });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('after a key regeneration, updates exactly the Secrets that hold that key', async () => {
    await h.sim.regenerateKey(st, 'key1');
    const r = await resync({ namespace: ns });
    expect(entry(r, 'cluster-a', 'orders-storage')?.secrets).toEqual([
      expect.objectContaining({ name: 'orders-storage', action: 'updated' }),
      expect.objectContaining({ name: 'orders-storage-fallback', action: 'unchanged' }),
    ]);
    expect(entry(r, 'cluster-a', 'orders-cosmos')?.action).toBe('unchanged');
    expect(entry(r, 'cluster-b', 'orders-redis')?.action).toBe('unchanged');
    expect((await h.readSecret('cluster-b', ns, 'orders-storage'))?.AZURE_STORAGE_KEY).toBe(
      h.sim.keysOf(st).key1,
    );
  });

  it('filters by cluster and resource ID (case-insensitively)', async () => {
    const r = await resync({
      cluster: 'cluster-b',
      resourceId: st.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'),
    });
    expect(r.bindings.map((b) => `${b.cluster}/${b.namespace}/${b.binding}`)).toEqual([
      `cluster-b/${ns}/orders-storage`,
    ]);
  });

  it('rejects an unknown cluster filter with a clear error', async () => {
    await expect(resync({ cluster: 'nope' })).rejects.toMatchObject({ code: 'ClusterNotRegistered' });
  });

  it('repairs drift: a hand-edited owned Secret is restored, a deleted one recreated', async () => {
    const core = h.admin['cluster-a'].core;
    const s = await core.readNamespacedSecret({ namespace: ns, name: 'orders-storage' });
    await core.replaceNamespacedSecret({
      namespace: ns,
      name: 'orders-storage',
      body: { ...s, data: { ...s.data, AZURE_STORAGE_KEY: Buffer.from('tampered').toString('base64') } },
    });
    await core.deleteNamespacedSecret({ namespace: ns, name: 'orders-storage-fallback' });
    const r = await resync({ namespace: ns, cluster: 'cluster-a' });
    expect(entry(r, 'cluster-a', 'orders-storage')?.secrets.map((x) => x.action)).toEqual([
      'updated',
      'created',
    ]);
    expect((await h.readSecret('cluster-a', ns, 'orders-storage'))?.AZURE_STORAGE_KEY).toBe(
      h.sim.keysOf(st).key1,
    );
  });
});
