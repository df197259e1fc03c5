/**
 * The cluster-change path end to end on real parts, with nobody calling the resync: two real kube-apiservers
 * (with kube-controller-manager for garbage collection), a ClusterWatcher per cluster running as the
 * low-privilege `keysync-watcher` user, an in-process queue in place of Service Bus, the real
 * `onClusterWatchEvent` handler with the engine as `keysync-service`, the ARM simulator and Azurite.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { WatchMessage } from '../../shared/watch/WatchMessage.ts';
import type { EngineHarness } from '../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../support/engineHarness.ts';
import { testCluster, userKubeConfig } from '../support/testStack.ts';
import { installWatcherManifests, startWatchPath, type WatchPath } from '../../testkit/startWatchPath.ts';
import { eventually } from '../support/eventually.ts';
import { setBindingSpec } from '../support/setBindingSpec.ts';

const clusters = ['cluster-a', 'cluster-b'] as const;
type Cluster = (typeof clusters)[number];
const rg = 'rg-e2e';
const st = storageId(rg, 'ste2e');
let h: EngineHarness;
let path: WatchPath;
let ns: string;
const timings: Record<string, number[]> = {};

const spec = {
  resourceId: st,
  secrets: {
    primaryKey: { name: 'app-storage', key: 'AZURE_STORAGE_KEY' },
    primaryConnectionString: { name: 'app-storage', key: 'AZURE_STORAGE_CONNECTION_STRING' },
    blobEndpoint: { name: 'app-storage', key: 'BLOB_ENDPOINT' },
    secondaryKey: { name: 'app-storage-fallback', key: 'KEY' },
  },
};
const kb = { group: 'keysync.dev', version: 'v1alpha1', plural: 'keybindings' };
const listKeyCalls = () => h.sim.calls().filter((c) => /listkeys/i.test(c.operation ?? ''));
const read = (cluster: Cluster, name = 'app-storage') => h.readSecret(cluster, ns, name);

/** Replaces a Secret's data as a person with `kubectl edit` would (as admin). */
async function editByHand(cluster: Cluster, data: Record<string, string>): Promise<void> {
  const core = h.admin[cluster].core;
  const s = await core.readNamespacedSecret({ namespace: ns, name: 'app-storage' });
  s.data = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  await core.replaceNamespacedSecret({ namespace: ns, name: 'app-storage', body: s });
}

async function inBoth(
  what: string,
  check: (cluster: Cluster) => Promise<boolean>,
  timeoutInMs = 20_000,
): Promise<void> {
  const results = await Promise.all(
    clusters.map((c) => eventually(() => check(c), Boolean, `${what} in ${c}`, timeoutInMs)),
  );
  (timings[what] ??= []).push(...results.map((r) => r.ms));
}

beforeAll(async () => {
  h = await startEngineHarness();
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'ste2e' });
  ns = await h.namespace('e2e');
  await h.registerClusters([
    { namespaces: 'e2e-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/${rg}` },
  ]);
  for (const c of clusters) await installWatcherManifests(h.admin[c].kc);
  path = await startWatchPath({
    services: h.services,
    namespace: ns,
    watcherKubeConfigs: new Map(clusters.map((c) => [c, userKubeConfig(testCluster(c), 'keysync-watcher')])),
  });
});

afterAll(async () => {
  await path?.stop();
  await h?.stop();
  if (Object.keys(timings).length > 0) {
    process.stderr.write(
      `[watch path timings, ms] ${Object.entries(timings)
        .map(([k, v]) => `${k}: ${v.join(', ')}`)
        .join('; ')}\n`,
    );
  }
});

describe('the watch path, end to end on real parts', () => {
  it('honours a new KeyBinding within seconds in both clusters, without a resync', async () => {
    const key1 = h.sim.keysOf(st).key1;
    for (const c of clusters) await h.createBinding(c, ns, 'app', spec);
    await inBoth('new binding -> Secret', async (c) => (await read(c))?.AZURE_STORAGE_KEY === key1);
    for (const c of clusters) {
      expect(await read(c, 'app-storage-fallback')).toEqual({ KEY: h.sim.keysOf(st).key2 });
    }
    const indexed = await h.services.index.lookup(st.toLowerCase());
    expect(indexed.filter((e) => e.namespace === ns).map((e) => e.cluster)).toEqual([...clusters]);
    await path.settle();
  });

  it('restores a hand-edited Secret from the current keys; our own writes cost no ARM call', async () => {
    const before = await read('cluster-a');
    h.sim.resetCalls();
    await Promise.all(clusters.map((c) => editByHand(c, { AZURE_STORAGE_KEY: 'hand-edited', EXTRA: 'x' })));
    await inBoth(
      'hand edit -> restored',
      async (c) => JSON.stringify(await read(c)) === JSON.stringify(before),
    );
    await path.settle();
    // One reconcile (one listKeys) per edited cluster; the restore's own watch events found everything in sync.
    expect(listKeyCalls()).toHaveLength(2);
  });

  it('recreates a Secret deleted by hand', async () => {
    for (const c of clusters)
      await h.admin[c].core.deleteNamespacedSecret({ namespace: ns, name: 'app-storage' });
    await inBoth(
      'deleted -> recreated',
      async (c) => (await read(c))?.AZURE_STORAGE_KEY === h.sim.keysOf(st).key1,
    );
    await path.settle();
  });

  it('applies a changed mapping: the Secret is updated, removed keys and unmapped Secrets are removed', async () => {
    const next = {
      resourceId: st,
      secrets: {
        primaryKey: { name: 'app-storage', key: 'STORAGE_KEY' },
        blobEndpoint: { name: 'app-storage', key: 'BLOB_ENDPOINT' },
      },
    };
    for (const c of clusters) {
      await setBindingSpec(h.admin[c].custom, ns, 'app', next);
    }
    const key1 = h.sim.keysOf(st).key1;
    await inBoth('mapping change -> Secret updated', async (c) => {
      const s = await read(c);
      const fallback = await read(c, 'app-storage-fallback');
      return (
        JSON.stringify(Object.keys(s ?? {}).sort()) === '["BLOB_ENDPOINT","STORAGE_KEY"]' &&
        s?.STORAGE_KEY === key1 &&
        fallback === undefined
      );
    });
    await path.settle();
  });

  it('catches up once a queue that was unreachable for a while recovers', async () => {
    const before = await read('cluster-b');
    path.queue.setOffline(true);
    await editByHand('cluster-b', { STORAGE_KEY: 'edited-while-queue-down', BLOB_ENDPOINT: 'x' });
    const w = path.watchers.get('cluster-b');
    await eventually(
      () => Promise.resolve(w?.counters().publishFailures ?? 0),
      (n) => n >= 2,
      'failed publishes',
    );
    expect((await read('cluster-b'))?.STORAGE_KEY).toBe('edited-while-queue-down');
    path.queue.setOffline(false);
    const { ms } = await eventually(
      () => read('cluster-b'),
      (s) => JSON.stringify(s) === JSON.stringify(before),
      'restore after the queue recovered',
    );
    (timings['queue back -> restored'] ??= []).push(ms);
    await path.settle();
  });

  it('leaves no trace of a deleted KeyBinding: the garbage collector deletes its Secrets, the index forgets it', async () => {
    for (const c of clusters) {
      expect(testCluster(c).controllerManager).toBe(true);
      await h.admin[c].custom.deleteNamespacedCustomObject({ ...kb, namespace: ns, name: 'app' });
    }
    // kube-controller-manager's garbage collector only acts on owners of a kind it monitors, and picks up a
    // new CRD at its periodic discovery resync: measured 36-41 s after the CRD was created, then about 20 ms
    // per deletion once it knows the kind. The stack's CRD is seconds old here, hence the bound.
    await inBoth('binding deleted -> Secret gone (GC)', async (c) => (await read(c)) === undefined, 90_000);
    await path.settle();
    const indexed = await h.services.index.lookup(st.toLowerCase());
    expect(indexed.filter((e) => e.namespace === ns)).toEqual([]);
  });

  it('never put key material or Secret data into a message or a log line', () => {
    const messages = path.queue.accepted.map((m) => m.body as WatchMessage);
    expect(messages.length).toBeGreaterThan(10);
    const allowed = new Set([
      'version',
      'cluster',
      'kind',
      'eventType',
      'namespace',
      'name',
      'uid',
      'resourceVersion',
      'generation',
      'owner',
      'observedAt',
    ]);
    for (const m of messages) for (const k of Object.keys(m)) expect(allowed.has(k)).toBe(true);
    const haystack = [...messages.map((m) => JSON.stringify(m)), ...path.logLines, ...h.logLines].join('\n');
    for (const v of h.sim.keyValues()) expect(haystack).not.toContain(v);
    expect(haystack).not.toContain('hand-edited');
    expect(path.queue.deadLetters).toEqual([]);
  });
});
