/**
 * Rotation pickup on real parts: the ARM simulator delivers Event Grid deliveries (JSON arrays, retries,
 * duplicates, reordering) to a local stand-in of the Functions host's Event Grid webhook, which invokes the
 * real `onArmEvent` handler; Secrets in two real clusters follow.
 */
import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createArmEventHandler } from '../../functions/onArmEvent.ts';
import type { EventGridEndpoint } from '../../testkit/eventGridEndpoint.ts';
import { startEventGridEndpoint } from '../../testkit/eventGridEndpoint.ts';
import { createServices } from '../../shared/createServices.ts';
import { runResync } from '../../shared/resync/runResync.ts';
import type { EngineHarness } from '../support/engineHarness.ts';
import { readReferenceEvents } from '../support/referenceEvents.ts';
import { startEngineHarness, storageId, subscriptionId } from '../support/engineHarness.ts';

let h: EngineHarness;
let endpoint: EventGridEndpoint;
let ns: string;
const handlerLogs: string[] = [];
const rg = 'rg-events';
const st = storageId(rg, 'stevents');
const cosmos = `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-events`;
const listKeys = (id: string) =>
  h.sim
    .calls()
    .filter((c) => /listkeys/i.test(c.operation ?? '') && c.resourceId?.toLowerCase() === id.toLowerCase());
const resourceVersion = async (cluster: 'cluster-a' | 'cluster-b', name: string) =>
  (await h.admin[cluster].core.readNamespacedSecret({ namespace: ns, name })).metadata?.resourceVersion;
const ready = async (cluster: 'cluster-a' | 'cluster-b', name: string) => {
  const kb = (await h.admin[cluster].custom.getNamespacedCustomObject({
    group: 'keysync.dev',
    version: 'v1alpha1',
    plural: 'keybindings',
    namespace: ns,
    name,
  })) as {
    status?: { conditions?: Array<{ status: string; reason: string }> };
  };
  return kb.status?.conditions?.[0];
};

const engineOverrides = { staleRetryDelaysInMs: [250, 500, 1000], clockSkewInMs: 0 };

beforeAll(async () => {
  h = await startEngineHarness({ lroDurationInMs: 1500 }, engineOverrides);
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stevents' });
  h.sim.addCosmosAccount({ subscriptionId, resourceGroup: rg, name: 'cosmos-events' });
  ns = await h.namespace('events');
  await h.registerClusters([
    { namespaces: 'events-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/${rg}` },
  ]);
  for (const cluster of ['cluster-a', 'cluster-b'] as const) {
    await h.createBinding(cluster, ns, 'app', {
      resourceId: st,
      secrets: { primaryKey: { name: 'app-storage', key: 'KEY' } },
    });
    await h.createBinding(cluster, ns, 'db', {
      resourceId: cosmos,
      secrets: { primaryMasterKey: { name: 'app-cosmos', key: 'KEY' } },
    });
  }
  // The first resync writes the Secrets and builds the binding index.
  await runResync(h.services.engineDeps(h.logger), { namespace: ns });
  endpoint = await startEventGridEndpoint(
    createArmEventHandler(() => Promise.resolve(h.services)),
    (l) => handlerLogs.push(l),
  );
});

afterAll(async () => {
  await endpoint?.stop();
  await h?.stop();
});

describe('onArmEvent on real parts', () => {
  it('a storage key regeneration reaches every bound Secret in every cluster, with one listKeys', async () => {
    const sub = h.sim.subscribeEvents({ url: endpoint.url });
    try {
      h.sim.resetCalls();
      await h.sim.regenerateKey(st, 'key1');
      await h.sim.waitForDeliveries(20_000);
      for (const cluster of ['cluster-a', 'cluster-b'] as const) {
        expect(await h.readSecret(cluster, ns, 'app-storage')).toEqual({ KEY: h.sim.keysOf(st).key1 });
      }
      // One fetch for the regenerate event; our own listKeys echo is delivered too and ignored.
      expect(listKeys(st)).toHaveLength(1);
      expect(h.sim.publishedEvents().some((e) => /listkeys/i.test(e.data.operationName))).toBe(true);
    } finally {
      sub.unsubscribe();
    }
  });

  it('duplicate and reordered deliveries converge with no extra writes', async () => {
    const sub = h.sim.subscribeEvents({ url: endpoint.url, duplicates: 2, reorder: true });
    try {
      await h.sim.regenerateKey(st, 'key1');
      await h.sim.waitForDeliveries(20_000);
      const rv = await resourceVersion('cluster-a', 'app-storage');
      expect(await h.readSecret('cluster-a', ns, 'app-storage')).toEqual({ KEY: h.sim.keysOf(st).key1 });
      // Deliver the same regenerate event again, late: nothing is written.
      const late = h.sim
        .publishedEvents()
        .filter((e) => /regeneratekey/i.test(e.data.operationName))
        .at(-1);
      await createArmEventHandler(() => Promise.resolve(h.services))(
        late,
        new (await import('../../functions/azureFunctions.ts')).InvocationContext({}),
      );
      expect(await resourceVersion('cluster-a', 'app-storage')).toBe(rv);
    } finally {
      sub.unsubscribe();
    }
  });

  it('a Cosmos DB regenerate (long-running; the event comes before the key changes) is picked up after stale reads', async () => {
    const sub = h.sim.subscribeEvents({ url: endpoint.url, retryScheduleInMs: [500, 1000, 2000, 4000] });
    try {
      const before = h.sim.keysOf(cosmos).primaryMasterKey;
      h.sim.resetCalls();
      await h.sim.regenerateKey(cosmos, 'primary');
      await h.sim.waitForDeliveries(30_000);
      const after = h.sim.keysOf(cosmos).primaryMasterKey;
      expect(after).not.toBe(before);
      for (const cluster of ['cluster-a', 'cluster-b'] as const) {
        expect(await h.readSecret(cluster, ns, 'app-cosmos')).toEqual({ KEY: after });
      }
      expect(sub.deadLetters()).toEqual([]);
      // The first reads returned the old keys (the event precedes the end of the operation) and were retried.
      expect(listKeys(cosmos).length).toBeGreaterThan(1);
    } finally {
      sub.unsubscribe();
    }
  });

  it('a deleted resource: bindings go Ready=False ResourceDeleted, Secrets stay', async () => {
    h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stdoomed' });
    await h.createBinding('cluster-a', ns, 'doomed', {
      resourceId: storageId(rg, 'stdoomed'),
      secrets: { primaryKey: { name: 'doomed', key: 'KEY' } },
    });
    await runResync(h.services.engineDeps(h.logger), { namespace: ns, cluster: 'cluster-a' });
    const sub = h.sim.subscribeEvents({ url: endpoint.url });
    try {
      h.sim.deleteResource(storageId(rg, 'stdoomed'));
      await h.sim.waitForDeliveries(20_000);
      expect(await ready('cluster-a', 'doomed')).toMatchObject({
        status: 'False',
        reason: 'ResourceDeleted',
      });
      expect(await h.readSecret('cluster-a', ns, 'doomed')).toBeDefined();
    } finally {
      sub.unsubscribe();
    }
  });

  it('an unreachable cluster: the others are updated, the delivery fails so Event Grid retries', async () => {
    await h.services.index.upsert({
      cluster: 'cluster-gone',
      namespace: ns,
      name: 'app',
      resourceKey: st.toLowerCase(),
    });
    await h.services.clusters.upsert({
      name: 'cluster-gone',
      kubeconfig:
        'apiVersion: v1\nkind: Config\nclusters: [{name: g, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x1234567}}]\ncontexts: [{name: g, context: {cluster: g, user: u}}]\ncurrent-context: g\n',
      allow: [{ namespaces: '*', resourceIdPrefix: `/subscriptions/${subscriptionId}` }],
    });
    const sub = h.sim.subscribeEvents({
      url: endpoint.url,
      maxDeliveryAttempts: 2,
      retryScheduleInMs: [200],
    });
    try {
      await h.sim.regenerateKey(st, 'key2');
      await h.sim.regenerateKey(st, 'key1');
      await h.sim.waitForDeliveries(20_000);
      expect(await h.readSecret('cluster-b', ns, 'app-storage')).toEqual({ KEY: h.sim.keysOf(st).key1 });
      expect(sub.deadLetters().length).toBeGreaterThan(0);
    } finally {
      sub.unsubscribe();
      await h.services.clusters.remove('cluster-gone');
      await h.services.index.remove({ cluster: 'cluster-gone', namespace: ns, name: 'app' });
    }
  });

  it('drops every malformed delivery with a clear log line, makes no ARM call and writes nothing', async () => {
    const cases = readReferenceEvents('malformed.json') as Array<{
      case: string;
      body?: unknown;
      raw?: string;
    }>;
    h.sim.resetCalls();
    const rv = await resourceVersion('cluster-a', 'app-storage');
    const before = handlerLogs.length;
    for (const c of cases) {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        body: c.raw ?? JSON.stringify(c.body),
        headers: { 'content-type': 'application/json' },
      });
      // Not JSON is refused by the host (400, not retried); valid JSON with a bad event is accepted and dropped.
      expect(res.status).toBe(c.raw !== undefined ? 400 : 200);
    }
    const dropped = handlerLogs.slice(before).filter((l) => l.includes('poison event dropped'));
    expect(dropped.length).toBe(
      cases.filter((c) => c.raw === undefined && !c.case.startsWith('not an array')).length,
    );
    expect(dropped.every((l) => l.includes('Event Grid event'))).toBe(true);
    expect(h.sim.calls().filter((c) => /listkeys/i.test(c.operation ?? ''))).toEqual([]);
    expect(await resourceVersion('cluster-a', 'app-storage')).toBe(rv);
  });

  it('a regeneration delivered in the CloudEvents 1.0 schema reaches every bound Secret, with one listKeys', async () => {
    const schemas: string[] = [];
    const handler = createArmEventHandler(() => Promise.resolve(h.services));
    const cloudEndpoint = await startEventGridEndpoint(async (event, context) => {
      schemas.push('specversion' in (event as object) ? 'cloud' : 'eventgrid');
      await handler(event, context);
    });
    const sub = h.sim.subscribeEvents({
      url: cloudEndpoint.url,
      eventDeliverySchema: 'CloudEventSchemaV1_0',
    });
    try {
      h.sim.resetCalls();
      await h.sim.regenerateKey(st, 'key1');
      await h.sim.waitForDeliveries(20_000);
      for (const cluster of ['cluster-a', 'cluster-b'] as const) {
        expect(await h.readSecret(cluster, ns, 'app-storage')).toEqual({ KEY: h.sim.keysOf(st).key1 });
      }
      expect(listKeys(st)).toHaveLength(1);
      expect(schemas.length).toBeGreaterThan(0);
      expect(new Set(schemas)).toEqual(new Set(['cloud']));
      expect(cloudEndpoint.invocations.every((i) => i.ok)).toBe(true);
    } finally {
      sub.unsubscribe();
      await cloudEndpoint.stop();
    }
  });

  it('an event naming the resource with a trailing slash, in other casing, is the same resource', async () => {
    await h.sim.regenerateKey(st, 'key1'); // no subscription: published, not delivered
    const published = h.sim
      .publishedEvents()
      .filter((e) => /regeneratekey/i.test(e.data.operationName))
      .at(-1);
    if (!published) throw new Error('no regenerate event published');
    const event = structuredClone(published);
    event.id = randomUUID();
    event.subject = `${event.subject.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/')}/`;
    event.data.resourceUri = `${event.data.resourceUri}/`;
    h.sim.resetCalls();
    const before = handlerLogs.length;
    const res = await fetch(endpoint.url, {
      method: 'POST',
      body: JSON.stringify([event]),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(handlerLogs.slice(before).some((l) => l.includes('poison event dropped'))).toBe(false);
    for (const cluster of ['cluster-a', 'cluster-b'] as const) {
      expect(await h.readSecret(cluster, ns, 'app-storage')).toEqual({ KEY: h.sim.keysOf(st).key1 });
    }
    expect(listKeys(st)).toHaveLength(1);
  });

  it('duplicates handled at once by two engine processes cost one listKeys', async () => {
    // A second "host": its own services (ARM clients, Table clients), sharing the tables, as on Azure.
    const other = createServices(h.services.config, engineOverrides);
    const otherEndpoint = await startEventGridEndpoint(createArmEventHandler(() => Promise.resolve(other)));
    const subs = [
      h.sim.subscribeEvents({ url: endpoint.url, duplicates: 1 }),
      h.sim.subscribeEvents({ url: otherEndpoint.url, duplicates: 1 }),
    ];
    try {
      h.sim.resetCalls();
      await h.sim.regenerateKey(st, 'key1');
      await h.sim.waitForDeliveries(30_000);
      for (const cluster of ['cluster-a', 'cluster-b'] as const) {
        expect(await h.readSecret(cluster, ns, 'app-storage')).toEqual({ KEY: h.sim.keysOf(st).key1 });
      }
      // Four deliveries of the regenerate event (two per host), one key fetch in all.
      const regenerateId = h.sim
        .publishedEvents()
        .filter((e) => /regeneratekey/i.test(e.data.operationName))
        .at(-1)?.id;
      const delivered = subs.flatMap((s) => s.delivered()).filter((e) => e.id === regenerateId);
      expect(delivered).toHaveLength(4);
      expect(listKeys(st)).toHaveLength(1);
      expect(subs.flatMap((s) => s.deadLetters())).toEqual([]);
    } finally {
      for (const s of subs) s.unsubscribe();
      await otherEndpoint.stop();
    }
  });

  it('logs no key value', () => {
    const text = [...handlerLogs, ...h.logLines].join('\n');
    expect(handlerLogs.length).toBeGreaterThan(0);
    for (const v of h.sim.keyValues()) expect(text).not.toContain(v);
  });
});
