/** The demo's drift-repair step on real parts: a hand-edited Secret restored, a deleted one recreated. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { demoDriftRepair } from '../../../scripts/demo/demoDriftRepair.ts';
import { runResync } from '../../../shared/resync/runResync.ts';
import type { EngineHarness } from '../../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../../support/engineHarness.ts';
import { hasTokenUsers, testCluster, userKubeConfig } from '../../support/testStack.ts';

let h: EngineHarness;
let ns: string;
const st = storageId('rg-drift', 'stdrift');

beforeAll(async () => {
  h = await startEngineHarness();
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: 'rg-drift', name: 'stdrift' });
  ns = await h.namespace('drift');
  await h.registerClusters([
    { namespaces: 'drift-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/rg-drift` },
  ]);
  await h.createBinding('cluster-a', ns, 'orders-storage', {
    resourceId: st,
    secrets: {
      primaryKey: { name: 'orders-storage', key: 'AZURE_STORAGE_KEY' },
      blobEndpoint: { name: 'orders-storage', key: 'BLOB_ENDPOINT' },
    },
  });
  await runResync(h.services.engineDeps(h.logger), { cluster: 'cluster-a', namespace: ns });
});

afterAll(async () => {
  await h?.stop();
});

describe('demoDriftRepair', () => {
  it('shows a hand-edited Secret restored and a deleted one recreated, printing names and timings only', async () => {
    const printed: string[] = [];
    const logLines: string[] = [];
    const r = await demoDriftRepair({
      cluster: {
        name: 'cluster-a',
        admin: h.admin['cluster-a'].kc,
        registration: { kind: 'kubeconfig', kubeconfig: '' },
      },
      ...(hasTokenUsers('cluster-a')
        ? { watcherKubeConfig: userKubeConfig(testCluster('cluster-a'), 'keysync-watcher') }
        : {}),
      services: h.services,
      namespace: ns,
      secretName: 'orders-storage',
      print: (l) => printed.push(l),
      logLines,
    });
    expect(r.restoredInMs).toBeLessThan(10_000);
    expect(r.recreatedInMs).toBeLessThan(10_000);
    expect(r.messages).toBeGreaterThanOrEqual(3);
    expect(printed.join('\n')).toMatch(/restored from the current keys in \d+ ms/);
    expect(printed.join('\n')).toMatch(/recreated in \d+ ms/);
    expect((await h.readSecret('cluster-a', ns, 'orders-storage'))?.AZURE_STORAGE_KEY).toBe(
      h.sim.keysOf(st).key1,
    );
    const all = [...printed, ...logLines].join('\n');
    for (const v of h.sim.keyValues()) expect(all).not.toContain(v);
    process.stderr.write(`[drift demo] ${printed.filter(Boolean).join(' | ')}\n`);
  });
});
