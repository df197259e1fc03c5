/** The safety-net timer through @azure/functions test mode, on real parts. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { InvocationContext } from '../../functions/azureFunctions.ts';
import { createScheduledResyncHandler } from '../../functions/scheduledResync.ts';
import type { EngineHarness } from '../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../support/engineHarness.ts';

let h: EngineHarness;
let ns: string;
const st = storageId('rg-timer', 'sttimer');

beforeAll(async () => {
  h = await startEngineHarness();
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: 'rg-timer', name: 'sttimer' });
  ns = await h.namespace('timer');
  await h.registerClusters([
    { namespaces: 'timer-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/rg-timer` },
  ]);
  for (const cluster of ['cluster-a', 'cluster-b'] as const) {
    await h.createBinding(cluster, ns, 'app', {
      resourceId: st,
      secrets: { primaryKey: { name: 'app', key: 'KEY' } },
    });
  }
});

afterAll(async () => {
  await h?.stop();
});

describe('scheduledResync', () => {
  it('syncs every cluster, rebuilds the index and fetches the shared resource once', async () => {
    await h.services.index.upsert({
      cluster: 'cluster-a',
      namespace: ns,
      name: 'long-gone',
      resourceKey: st.toLowerCase(),
    });
    h.sim.resetCalls();
    const logs: string[] = [];
    await createScheduledResyncHandler(() => Promise.resolve(h.services), 0)(
      {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: '', next: '', lastUpdated: '' },
      },
      new InvocationContext({
        functionName: 'scheduledResync',
        logHandler: (_l, ...a) => logs.push(a.join(' ')),
      }),
    );
    for (const cluster of ['cluster-a', 'cluster-b'] as const)
      expect(await h.readSecret(cluster, ns, 'app')).toBeDefined();
    expect(
      h.sim
        .calls()
        .filter(
          (c) => /listkeys/i.test(c.operation ?? '') && c.resourceId?.toLowerCase() === st.toLowerCase(),
        ),
    ).toHaveLength(1);
    const indexed = (await h.services.index.lookup(st.toLowerCase()))
      .filter((e) => e.namespace === ns)
      .map((e) => `${e.cluster}/${e.name}`);
    expect(indexed).toEqual(['cluster-a/app', 'cluster-b/app']);
    expect(logs.join('\n')).toContain('scheduled resync done');
  });
});
