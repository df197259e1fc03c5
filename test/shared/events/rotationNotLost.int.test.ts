/**
 * Issue "no rotation is ever lost", on real parts (two kube-apiservers, Azurite, the HTTPS ARM simulator with
 * its Event Grid delivery and retries, the real onArmEvent handler behind the local Event Grid endpoint):
 * - a Secret write that fails with a 500 from an admission webhook makes the event invocation fail, Event Grid
 *   delivers again, and once the webhook is healthy the revoked key is replaced;
 * - a resync that read keys before a regeneration, and applies after the event wrote the new keys, never puts
 *   the old keys back (nor their hash into the binding's status);
 * - one binding asking for a value the resource lacks fails alone: another namespace's binding of the same
 *   resource is written;
 * - a black-holed cluster (connections accepted, never answered) delays no other cluster.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createArmEventHandler } from '../../../functions/onArmEvent.ts';
import type { EventGridEndpoint } from '../../../testkit/eventGridEndpoint.ts';
import { startEventGridEndpoint } from '../../../testkit/eventGridEndpoint.ts';
import type { FailingWebhook } from '../../../testkit/FailingWebhook.ts';
import { startFailingWebhook } from '../../../testkit/FailingWebhook.ts';
import { renderKubeconfig } from '../../../testkit/renderKubeconfig.ts';
import type { ClusterConnector } from '../../../shared/clusters/ClusterConnector.ts';
import { handleArmChanges } from '../../../shared/events/handleArmChanges.ts';
import { parseResourceId } from '../../../shared/arm/parseResourceId.ts';
import { runResync } from '../../../shared/resync/runResync.ts';
import type { EngineHarness } from '../../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../../support/engineHarness.ts';
import { withHeldSecretReads } from '../../support/FakeClusterClient.ts';

let h: EngineHarness;
let endpoint: EventGridEndpoint;
let webhook: FailingWebhook;
const rg = 'rg-notlost';
const st = storageId(rg, 'stnotlost');
const handlerLogs: string[] = [];

const keyBinding = (secret: string) => ({
  resourceId: st,
  secrets: { primaryKey: { name: secret, key: 'KEY' } },
});
const statusHash = async (cluster: 'cluster-a' | 'cluster-b', ns: string, name: string) => {
  const kb = (await h.admin[cluster].custom.getNamespacedCustomObject({
    group: 'keysync.dev',
    version: 'v1alpha1',
    plural: 'keybindings',
    namespace: ns,
    name,
  })) as { status?: { secrets?: Array<{ dataHash?: string }> } };
  return kb.status?.secrets?.[0]?.dataHash;
};
const annotation = async (cluster: 'cluster-a' | 'cluster-b', ns: string, name: string, key: string) =>
  (await h.admin[cluster].core.readNamespacedSecret({ namespace: ns, name })).metadata?.annotations?.[key];

beforeAll(async () => {
  h = await startEngineHarness({}, { staleRetryDelaysInMs: [200, 400] });
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stnotlost' });
  await h.registerClusters([
    { namespaces: 'notlost-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/${rg}` },
  ]);
  endpoint = await startEventGridEndpoint(
    createArmEventHandler(() => Promise.resolve(h.services)),
    (l) => handlerLogs.push(l),
  );
  webhook = await startFailingWebhook(h.admin['cluster-a'].kc, `notlost-${Date.now()}`);
});

afterAll(async () => {
  await webhook?.stop();
  await endpoint?.stop();
  await h?.stop();
});

describe('no rotation is lost', () => {
  it('a Secret write failing with 500 fails the event; the redelivery replaces the revoked key', async () => {
    const ns = await h.namespace('notlost');
    for (const c of ['cluster-a', 'cluster-b'] as const)
      await h.createBinding(c, ns, 'app', keyBinding('app'));
    await runResync(h.services.engineDeps(h.logger), { namespace: ns });
    const revoked = h.sim.keysOf(st).key1;
    expect(await h.readSecret('cluster-a', ns, 'app')).toEqual({ KEY: revoked });

    await webhook.cover(ns, true);
    webhook.mode = 'fail';
    const sub = h.sim.subscribeEvents({ url: endpoint.url, retryScheduleInMs: [300, 600, 1200, 2400] });
    try {
      await h.sim.regenerateKey(st, 'key1');
      const fresh = h.sim.keysOf(st).key1;
      // The healthy cluster is written at once; the failing one keeps the old key and the delivery fails.
      for (let i = 0; i < 100 && (await h.readSecret('cluster-b', ns, 'app'))?.KEY !== fresh; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await h.readSecret('cluster-b', ns, 'app')).toEqual({ KEY: fresh });
      for (let i = 0; i < 100 && webhook.seen.fail === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(webhook.seen.fail).toBeGreaterThan(0);
      expect(await h.readSecret('cluster-a', ns, 'app')).toEqual({ KEY: revoked });
      // The webhook heals; Event Grid's next attempt writes the fresh key.
      webhook.mode = 'allow';
      await h.sim.waitForDeliveries(20_000);
      expect(await h.readSecret('cluster-a', ns, 'app')).toEqual({ KEY: fresh });
      const attempts = sub.attempts().filter((a) => a.status !== 200);
      expect(attempts.length).toBeGreaterThan(0);
      expect(sub.deadLetters()).toEqual([]);
    } finally {
      sub.unsubscribe();
      webhook.mode = 'allow';
      await webhook.cover(ns, false);
    }
  });

  it('a resync that read the keys before a regeneration never writes them after the event wrote new ones', async () => {
    const ns = await h.namespace('notlost');
    await h.createBinding('cluster-a', ns, 'app', keyBinding('app'));
    await runResync(h.services.engineDeps(h.logger), { namespace: ns });
    const old = h.sim.keysOf(st).key1;

    // A resync whose cluster is slow to answer: it has fetched the keys and waits before reading the Secrets.
    let release = () => undefined as void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let fetched = () => undefined as void;
    const keysRead = new Promise<void>((r) => {
      fetched = r;
    });
    const deps = h.services.engineDeps(h.logger);
    const slowConnect: ClusterConnector = async (registration) =>
      withHeldSecretReads(await deps.connect(registration), gate, fetched);
    const resync = runResync({ ...deps, connect: slowConnect }, { cluster: 'cluster-a', namespace: ns });
    await keysRead;

    // Meanwhile the key is regenerated and the event writes the new key.
    const sub = h.sim.subscribeEvents({ url: endpoint.url });
    try {
      await h.sim.regenerateKey(st, 'key1');
      await h.sim.waitForDeliveries(20_000);
    } finally {
      sub.unsubscribe();
    }
    const fresh = h.sim.keysOf(st).key1;
    expect(fresh).not.toBe(old);
    expect(await h.readSecret('cluster-a', ns, 'app')).toEqual({ KEY: fresh });
    const freshHash = await annotation('cluster-a', ns, 'app', 'keysync.dev/data-hash');

    release();
    const report = await resync;
    expect(report.bindings[0]?.secrets[0]?.action).toBe('superseded');
    expect(await h.readSecret('cluster-a', ns, 'app')).toEqual({ KEY: fresh });
    expect(await statusHash('cluster-a', ns, 'app')).toBe(freshHash);
  });

  it('one binding asking for a value the account lacks does not stop another binding of the same account', async () => {
    const blobOnly = storageId(rg, 'stblobonly');
    h.sim.addStorageAccount({
      subscriptionId,
      resourceGroup: rg,
      name: 'stblobonly',
      primaryEndpoints: { blob: 'https://stblobonly.blob.core.windows.net/' },
    });
    const nsBad = await h.namespace('notlost');
    const nsGood = await h.namespace('notlost');
    await h.createBinding('cluster-a', nsBad, 'wants-queue', {
      resourceId: blobOnly,
      secrets: { queueEndpoint: { name: 'queue', key: 'URL' } },
    });
    await h.createBinding('cluster-a', nsGood, 'wants-key', {
      resourceId: blobOnly,
      secrets: { primaryKey: { name: 'key', key: 'KEY' } },
    });
    const r = await runResync(h.services.engineDeps(h.logger), { cluster: 'cluster-a' });
    const bad = r.bindings.find((b) => b.namespace === nsBad);
    expect(bad).toMatchObject({ action: 'error', reason: 'InvalidBinding', retryable: false });
    expect(bad?.message).toContain('queueEndpoint');
    expect(r.bindings.find((b) => b.namespace === nsGood)).toMatchObject({ action: 'created' });
    expect(await h.readSecret('cluster-a', nsGood, 'key')).toEqual({ KEY: h.sim.keysOf(blobOnly).key1 });
  });

  it('a black-holed cluster delays no other cluster: the healthy one is written long before its timeout', async () => {
    const sockets: Socket[] = [];
    const hole: Server = createServer((sock) => {
      sockets.push(sock); // accept, never answer
    });
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
    try {
      const ns = await h.namespace('notlost');
      await h.createBinding('cluster-a', ns, 'app', keyBinding('app'));
      await runResync(h.services.engineDeps(h.logger), { cluster: 'cluster-a', namespace: ns });
      const kubeconfig = renderKubeconfig({
        clusterName: 'blackhole',
        server: `https://127.0.0.1:${(hole.address() as AddressInfo).port}`,
        caData: Buffer.from('not a CA').toString('base64'),
        userName: 'keysync-service',
        token: 'x',
      });
      const allow = [{ namespaces: '*', resourceIdPrefix: `/subscriptions/${subscriptionId}` }];
      await h.services.clusters.upsert({ name: 'blackhole', kubeconfig, allow });
      const resource = parseResourceId(st);
      await h.services.index.upsert({
        cluster: 'blackhole',
        namespace: ns,
        name: 'app',
        resourceKey: resource.key,
      });

      await h.sim.regenerateKey(st, 'key1');
      const fresh = h.sim.keysOf(st).key1;
      const started = Date.now();
      const change = {
        kind: 'keys' as const,
        resource,
        eventId: 'blackhole-test',
        eventTime: new Date(),
        operationName: 'Microsoft.Storage/storageAccounts/regenerateKey/action',
      };
      const handling = handleArmChanges(h.services.armEventDeps(h.logger), [change]);
      let writtenAfter: number | undefined;
      while (writtenAfter === undefined && Date.now() - started < 15_000) {
        if ((await h.readSecret('cluster-a', ns, 'app'))?.KEY === fresh) writtenAfter = Date.now() - started;
        else await new Promise((r) => setTimeout(r, 50));
      }
      const outcome = await handling;
      const total = Date.now() - started;
      // The harness's Kubernetes timeout is 5 s: the black hole costs the handler that much, not cluster-a.
      expect(writtenAfter).toBeDefined();
      expect(writtenAfter).toBeLessThan(2_500);
      expect(total).toBeGreaterThanOrEqual(4_500);
      expect(outcome.clusterFailures).toMatchObject([{ cluster: 'blackhole', retryable: true }]);
      expect(outcome.retryable.length).toBeGreaterThan(0);
    } finally {
      await h.services.clusters.remove('blackhole');
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => hole.close(() => r()));
    }
  });
});
