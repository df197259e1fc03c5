/**
 * The cluster-change use-case on real parts (kube-apiserver as `keysync-service`, ARM simulator, Azurite):
 * messages are hints re-checked against the cluster; bad input is poison; failures that may pass are thrown
 * as retryable.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { isKeySyncError } from '../../../shared/errors.ts';
import type { KeySyncError } from '../../../shared/errors.ts';
import { runResync } from '../../../shared/resync/runResync.ts';
import { handleWatchMessage } from '../../../shared/watch/handleWatchMessage.ts';
import type { WatchMessage } from '../../../shared/watch/WatchMessage.ts';
import type { EngineHarness } from '../../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../../support/engineHarness.ts';

let h: EngineHarness;
let ns: string;
const rg = 'rg-watch';
const st = storageId(rg, 'stwatch');
const kb = { group: 'keysync.dev', version: 'v1alpha1', plural: 'keybindings' };

const msg = (over: Partial<WatchMessage>): WatchMessage => ({
  version: 1,
  cluster: 'cluster-b',
  kind: 'KeyBinding',
  eventType: 'modified',
  namespace: ns,
  name: 'web',
  resourceVersion: '1',
  observedAt: new Date().toISOString(),
  ...over,
});
const handle = (body: unknown) =>
  handleWatchMessage(h.services.engineDeps(h.logger), body, { messageId: 'm-1' });
const listKeys = () => h.sim.calls().filter((c) => /listkeys/i.test(c.operation ?? ''));
async function failure(p: Promise<unknown>): Promise<KeySyncError> {
  try {
    await p;
  } catch (err) {
    if (isKeySyncError(err)) return err;
    throw err;
  }
  throw new Error('resolved');
}

beforeAll(async () => {
  h = await startEngineHarness();
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stwatch' });
  ns = await h.namespace('watch');
  await h.registerClusters([
    { namespaces: 'watch-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/${rg}` },
  ]);
  await h.createBinding('cluster-b', ns, 'web', {
    resourceId: st,
    secrets: {
      primaryKey: { name: 'web-storage', key: 'KEY' },
      blobEndpoint: { name: 'web-storage', key: 'BLOB' },
    },
  });
});

afterAll(async () => {
  await h?.stop();
});

describe('handleWatchMessage', () => {
  it('reconciles a new binding it is told about and indexes it', async () => {
    const r = await handle(msg({ eventType: 'added' }));
    expect(r.bindings).toEqual([expect.objectContaining({ binding: 'web', action: 'reconciled' })]);
    expect(r.bindings[0]?.report?.action).toBe('created');
    expect((await h.readSecret('cluster-b', ns, 'web-storage'))?.KEY).toBe(h.sim.keysOf(st).key1);
    const indexed = await h.services.index.lookup(st.toLowerCase());
    expect(indexed.filter((e) => e.namespace === ns).map((e) => e.name)).toEqual(['web']);
  });

  it('finds nothing drifted for a hint about our own write: no ARM call, nothing written', async () => {
    h.sim.resetCalls();
    const before = await h.admin['cluster-b'].core.readNamespacedSecret({
      namespace: ns,
      name: 'web-storage',
    });
    const r = await handle(msg({ kind: 'Secret', name: 'web-storage', owner: 'web' }));
    expect(r.bindings).toEqual([{ binding: 'web', action: 'in-sync' }]);
    expect(listKeys()).toEqual([]);
    const after = await h.admin['cluster-b'].core.readNamespacedSecret({
      namespace: ns,
      name: 'web-storage',
    });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('restores a hand-edited Secret named only by its namespace and name (no owner in the message)', async () => {
    await h.admin['cluster-b'].core.patchNamespacedSecret({
      namespace: ns,
      name: 'web-storage',
      body: [{ op: 'replace', path: '/data/KEY', value: Buffer.from('edited').toString('base64') }],
    });
    const r = await handle(msg({ kind: 'Secret', name: 'web-storage' }));
    expect(r.bindings[0]).toMatchObject({
      binding: 'web',
      action: 'reconciled',
      report: { action: 'updated' },
    });
    expect((await h.readSecret('cluster-b', ns, 'web-storage'))?.KEY).toBe(h.sim.keysOf(st).key1);
  });

  it('removes a binding deleted between the message and its handling from the index', async () => {
    await h.createBinding('cluster-b', ns, 'short-lived', {
      resourceId: st,
      secrets: { secondaryKey: { name: 'short-lived', key: 'KEY' } },
    });
    await runResync(h.services.engineDeps(h.logger), { cluster: 'cluster-b', namespace: ns });
    expect((await h.services.index.lookup(st.toLowerCase())).map((e) => e.name)).toContain('short-lived');
    await h.admin['cluster-b'].custom.deleteNamespacedCustomObject({
      ...kb,
      namespace: ns,
      name: 'short-lived',
    });
    const r = await handle(msg({ name: 'short-lived', eventType: 'modified' }));
    expect(r.bindings).toEqual([{ binding: 'short-lived', action: 'removed' }]);
    expect((await h.services.index.lookup(st.toLowerCase())).map((e) => e.name)).not.toContain('short-lived');
  });

  it('does nothing for a Secret no binding owns or maps any more', async () => {
    const r = await handle(msg({ kind: 'Secret', name: 'orphan', owner: 'gone', eventType: 'deleted' }));
    expect(r.bindings).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"version":1,"cluster":', 'InvalidInput', 'not valid JSON'],
    [
      'an unknown version',
      { ...{ version: 7 }, cluster: 'cluster-b' },
      'InvalidInput',
      'unsupported watch message version 7',
    ],
    [
      'a missing field',
      { version: 1, cluster: 'cluster-b', kind: 'KeyBinding' },
      'InvalidInput',
      'namespace',
    ],
  ])('rejects %s as poison before touching any cluster', async (_label, body, code, text) => {
    const err = await failure(handle(body));
    expect(err).toMatchObject({ code, retryable: false });
    expect(err.message).toContain(text);
  });

  it('rejects a message for an unregistered cluster as poison, naming the cluster', async () => {
    const err = await failure(handle(msg({ cluster: 'nowhere' })));
    expect(err).toMatchObject({ code: 'ClusterNotRegistered', retryable: false });
    expect(err.message).toContain("cluster 'nowhere' is not registered");
  });

  it('throws a retryable error when the cluster cannot be reached', async () => {
    await h.services.clusters.upsert({
      name: 'cluster-down',
      kubeconfig: [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: down, cluster: { server: "https://127.0.0.1:1" } }]',
        'users: [{ name: u, user: { token: "t0k3n-not-real" } }]',
        'contexts: [{ name: down, context: { cluster: down, user: u } }]',
        'current-context: down',
      ].join('\n'),
      allow: [],
    });
    const err = await failure(handle(msg({ cluster: 'cluster-down' })));
    expect(err).toMatchObject({ code: 'ClusterUnreachable', retryable: true });
  });

  it('throws a retryable error when ARM keeps failing, after recording it on the binding', async () => {
    await h.admin['cluster-b'].core.deleteNamespacedSecret({ namespace: ns, name: 'web-storage' });
    const fault = h.sim.injectFault({
      match: { resourceId: st, operation: 'listKeys/action' },
      status: 500,
      times: 100,
    });
    try {
      const err = await failure(
        handle(msg({ kind: 'Secret', name: 'web-storage', owner: 'web', eventType: 'deleted' })),
      );
      expect(err).toMatchObject({ code: 'ArmUnavailable', retryable: true });
    } finally {
      fault.remove();
    }
    const status = (await h.admin['cluster-b'].custom.getNamespacedCustomObject({
      ...kb,
      namespace: ns,
      name: 'web',
    })) as {
      status?: { conditions?: Array<{ reason: string }> };
    };
    expect(status.status?.conditions?.[0]?.reason).toBe('ArmUnavailable');
    // The redelivered message succeeds once ARM is back.
    const r = await handle(msg({ kind: 'Secret', name: 'web-storage', owner: 'web', eventType: 'deleted' }));
    expect(r.bindings[0]).toMatchObject({ action: 'reconciled', report: { action: 'created' } });
  }, 60_000);
});
