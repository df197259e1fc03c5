/**
 * A third-party admission webhook that refuses our Secret write and echoes what looks like key material in its
 * message, on the real kube-apiserver: neither the report, nor the KeyBinding's status, nor its Events, nor the
 * logs carry that text (only the Status reason and code).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { FailingWebhook } from '../../../testkit/FailingWebhook.ts';
import { startFailingWebhook } from '../../../testkit/FailingWebhook.ts';
import { runResync } from '../../../shared/resync/runResync.ts';
import type { EngineHarness } from '../../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../../support/engineHarness.ts';

let h: EngineHarness;
let webhook: FailingWebhook;
const rg = 'rg-scrub';
const fake = 'AccountKey=ZmFrZS1rZXktZWNob2VkLWJ5LWEtd2ViaG9vaw==';

beforeAll(async () => {
  h = await startEngineHarness();
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stscrub' });
  await h.registerClusters([
    { namespaces: 'scrub-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/${rg}` },
  ]);
  webhook = await startFailingWebhook(h.admin['cluster-a'].kc, `scrub-${Date.now()}`);
});

afterAll(async () => {
  await webhook?.stop();
  await h?.stop();
});

describe('messages from the cluster are not copied', () => {
  it('a webhook denial echoing a key reaches no report, status, Event or log line', async () => {
    const ns = await h.namespace('scrub');
    await webhook.cover(ns, true);
    webhook.mode = 'deny';
    webhook.denyMessage = `refused: the Secret holds ${fake}`;
    await h.createBinding('cluster-a', ns, 'app', {
      resourceId: storageId(rg, 'stscrub'),
      secrets: { primaryKey: { name: 'app', key: 'KEY' } },
    });
    const report = await runResync(h.services.engineDeps(h.logger), { cluster: 'cluster-a', namespace: ns });
    expect(webhook.seen.deny).toBeGreaterThan(0);
    const [binding] = report.bindings;
    expect(binding).toMatchObject({ action: 'error' });
    expect(binding?.message).toContain('admission webhook');
    const kb: unknown = await h.admin['cluster-a'].custom.getNamespacedCustomObject({
      group: 'keysync.dev',
      version: 'v1alpha1',
      plural: 'keybindings',
      namespace: ns,
      name: 'app',
    });
    const events = await h.admin['cluster-a'].core.listNamespacedEvent({ namespace: ns });
    for (const text of [
      JSON.stringify(report),
      JSON.stringify(kb),
      JSON.stringify(events.items),
      h.logLines.join('\n'),
    ]) {
      expect(text).not.toContain(fake);
      expect(text).not.toContain('ZmFrZS1rZXk');
    }
  });
});
