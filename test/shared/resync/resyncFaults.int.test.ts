/**
 * Bad input and faults, each on the real parts: ownership conflicts, the allow-list, invalid bindings, ARM
 * errors (404, 403, 429, 5xx), data-plane-disabled resources, an unreachable cluster, a changed mapping.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';

import type { BindingReport, ResyncReport } from '../../../shared/reconcile/SyncReport.ts';
import { runResync } from '../../../shared/resync/runResync.ts';
import type { EngineHarness } from '../../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../../support/engineHarness.ts';

let h: EngineHarness;
let ns: string;
const rg = 'rg-faults';
const allowedPrefix = `/subscriptions/${subscriptionId}/resourceGroups/${rg}`;
const st = storageId(rg, 'stfaults');

const resync = (request: Parameters<typeof runResync>[1] = {}) =>
  runResync(h.services.engineDeps(h.logger), request);
const find = (r: ResyncReport, binding: string, cluster = 'cluster-a'): BindingReport | undefined =>
  r.bindings.find((b) => b.cluster === cluster && b.binding === binding && b.namespace === ns);
const callsFor = (id: string) =>
  h.sim.calls().filter((c) => c.resourceId?.toLowerCase() === id.toLowerCase());
const bindTo = (name: string, resourceId: string, secretName = name, value = 'primaryKey') =>
  h.createBinding('cluster-a', ns, name, {
    resourceId,
    secrets: { [value]: { name: secretName, key: 'VALUE' } },
  });

async function events(reason: string): Promise<string[]> {
  const list = await h.admin['cluster-a'].core.listNamespacedEvent({ namespace: ns });
  return list.items
    .filter((e) => e.reason === reason)
    .map((e) => `${e.involvedObject.name}: ${e.message ?? ''}`);
}

beforeAll(async () => {
  h = await startEngineHarness({ throttling: { writes: { burst: 3, refillPerSecond: 2 } } });
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stfaults' });
  ns = await h.namespace('faults');
  await h.registerClusters([{ namespaces: 'faults-*', resourceIdPrefix: allowedPrefix }]);
});

afterAll(async () => {
  await h?.stop();
});

describe('resync faults on real parts', () => {
  it('leaves a Secret it does not own untouched: conflict SecretNotOwned, Ready=False, a Warning Event', async () => {
    await h.admin['cluster-a'].core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'hand-made' }, stringData: { VALUE: 'mine' } },
    });
    await bindTo('wants-hand-made', st, 'hand-made');
    const r = await resync({ cluster: 'cluster-a', namespace: ns });
    expect(find(r, 'wants-hand-made')).toMatchObject({ action: 'conflict', reason: 'SecretNotOwned' });
    expect(find(r, 'wants-hand-made')?.message).toContain(`${ns}/hand-made`);
    expect(await h.readSecret('cluster-a', ns, 'hand-made')).toEqual({ VALUE: 'mine' });
    expect((await events('SecretNotOwned')).join()).toContain('wants-hand-made');
  });

  it('two bindings on one Secret: the first keeps working, the second fails naming the first', async () => {
    await bindTo('first', st, 'contested');
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has one-second resolution
    await bindTo('second', st, 'contested', 'secondaryKey');
    const r = await resync({ cluster: 'cluster-a', namespace: ns });
    expect(find(r, 'first')?.action).toBe('created');
    expect(find(r, 'second')).toMatchObject({ action: 'conflict', reason: 'SecretConflict' });
    expect(find(r, 'second')?.message).toContain('first');
    const again = await resync({ cluster: 'cluster-a', namespace: ns });
    expect(find(again, 'first')?.action).toBe('unchanged');
    expect(find(again, 'second')?.action).toBe('conflict');
  });

  it('a resource outside the allow-list gets NotAuthorized and no ARM call is made', async () => {
    const outside = storageId('rg-other', 'stoutside');
    h.sim.addStorageAccount({ subscriptionId, resourceGroup: 'rg-other', name: 'stoutside' });
    await bindTo('outside', outside);
    h.sim.resetCalls();
    const r = await resync({ cluster: 'cluster-a', namespace: ns });
    expect(find(r, 'outside')).toMatchObject({ action: 'error', reason: 'NotAuthorized' });
    expect(callsFor(outside)).toEqual([]);
  });

  it('an unknown resource type and an unknown value name are reported, naming what is valid', async () => {
    await bindTo('vault', `${allowedPrefix}/providers/Microsoft.KeyVault/vaults/kv1`);
    // A value name the type does not provide is refused at admission by the CRD (keybindingCrd.int.test.ts);
    // the engine's own check, for clusters without the CRD's schema, is covered by the providers' unit tests.
    await expect(
      h.createBinding('cluster-a', ns, 'typo', {
        resourceId: st,
        secrets: { primaryKee: { name: 'typo', key: 'K' } },
      }),
    ).rejects.toMatchObject({ code: 422, body: expect.stringContaining('primaryKey') });
    const r = await resync({ cluster: 'cluster-a', namespace: ns });
    expect(find(r, 'vault')).toMatchObject({ action: 'error', reason: 'UnsupportedResourceType' });
    expect(find(r, 'vault')?.message).toContain('microsoft.keyvault/vaults');
  });

  it('a resource that does not exist gets ResourceNotFound; a forbidden one ArmForbidden', async () => {
    await bindTo('missing', storageId(rg, 'stmissing'));
    h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stforbidden' });
    h.sim.denyActions('keysync-service', ['Microsoft.Storage/storageAccounts/listKeys/action']);
    await bindTo('forbidden', storageId(rg, 'stforbidden'));
    try {
      const r = await resync({ cluster: 'cluster-a', namespace: ns });
      expect(find(r, 'missing')).toMatchObject({
        action: 'error',
        reason: 'ResourceNotFound',
        retryable: false,
      });
      expect(find(r, 'forbidden')).toMatchObject({ action: 'error', reason: 'ArmForbidden' });
      expect(find(r, 'forbidden')?.message).toMatch(/listKeys/i);
    } finally {
      h.sim.clearDeniedActions();
    }
  });

  it('waits out ARM throttling (429 + Retry-After) and succeeds', async () => {
    const ids = ['stthrottle1', 'stthrottle2', 'stthrottle3', 'stthrottle4', 'stthrottle5'];
    for (const name of ids) {
      h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name });
      await bindTo(`b-${name}`, storageId(rg, name));
    }
    h.sim.resetCalls();
    const r = await resync({ cluster: 'cluster-a', namespace: ns });
    for (const name of ids) expect(find(r, `b-${name}`)?.action).toBe('created');
    const statuses = h.sim
      .calls()
      .filter((c) => /listkeys/i.test(c.operation ?? ''))
      .map((c) => c.status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(ids.length);
  });

  it('an ARM 5xx is a retryable error for that binding only', async () => {
    h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: stflaky });
    await bindTo('flaky', storageId(rg, stflaky));
    const fault = h.sim.injectFault({
      match: { resourceId: storageId(rg, stflaky) },
      status: 500,
      times: 100,
    });
    try {
      const r = await resync({ cluster: 'cluster-a', namespace: ns, resourceId: storageId(rg, stflaky) });
      expect(find(r, 'flaky')).toMatchObject({ action: 'error', reason: 'ArmUnavailable', retryable: true });
    } finally {
      fault.remove();
    }
  });

  it('a data-plane-disabled resource gets DataPlaneDisabled and no listKeys', async () => {
    h.sim.addStorageAccount({
      subscriptionId,
      resourceGroup: rg,
      name: 'stnoshared',
      allowSharedKeyAccess: false,
    });
    await bindTo('noshared', storageId(rg, 'stnoshared'));
    h.sim.resetCalls();
    const r = await resync({ cluster: 'cluster-a', namespace: ns, resourceId: storageId(rg, 'stnoshared') });
    expect(find(r, 'noshared')).toMatchObject({ action: 'error', reason: 'DataPlaneDisabled' });
    expect(find(r, 'noshared')?.message).toContain('allowSharedKeyAccess');
    expect(callsFor(storageId(rg, 'stnoshared')).filter((c) => /listkeys/i.test(c.operation ?? ''))).toEqual(
      [],
    );
  });

  it('an unreachable cluster is reported; the others still sync', async () => {
    await h.services.clusters.upsert({
      name: 'cluster-gone',
      kubeconfig: [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:1" } }]',
        'users: [{ name: u, user: { token: "t0k3n-not-real" } }]',
        'contexts: [{ name: gone, context: { cluster: gone, user: u } }]',
        'current-context: gone',
      ].join('\n'),
      allow: [{ namespaces: '*', resourceIdPrefix: allowedPrefix }],
    });
    try {
      const r = await resync({ namespace: ns });
      expect(r.clusterFailures).toEqual([
        expect.objectContaining({ cluster: 'cluster-gone', reason: 'ClusterUnreachable', retryable: true }),
      ]);
      expect(find(r, 'first')?.action).toBe('unchanged');
    } finally {
      await h.services.clusters.remove('cluster-gone');
    }
  });

  it('a changed mapping removes dropped keys and deletes Secrets no longer mapped', async () => {
    await h.createBinding('cluster-a', ns, 'remap', {
      resourceId: st,
      secrets: {
        primaryKey: { name: 'remap-a', key: 'KEY' },
        blobEndpoint: { name: 'remap-a', key: 'BLOB' },
        secondaryKey: { name: 'remap-b', key: 'KEY' },
      },
    });
    await resync({ cluster: 'cluster-a', namespace: ns });
    expect(Object.keys((await h.readSecret('cluster-a', ns, 'remap-a')) ?? {}).sort()).toEqual([
      'BLOB',
      'KEY',
    ]);
    await h.admin['cluster-a'].custom.patchNamespacedCustomObject({
      group: 'keysync.dev',
      version: 'v1alpha1',
      plural: 'keybindings',
      namespace: ns,
      name: 'remap',
      body: [
        { op: 'replace', path: '/spec/secrets', value: { primaryKey: { name: 'remap-a', key: 'KEY' } } },
      ],
    });
    const r = await resync({ cluster: 'cluster-a', namespace: ns });
    expect(find(r, 'remap')?.secrets).toEqual([
      expect.objectContaining({ name: 'remap-a', action: 'updated' }),
      expect.objectContaining({ name: 'remap-b', action: 'deleted' }),
    ]);
    expect(await h.readSecret('cluster-a', ns, 'remap-a')).toEqual({ KEY: h.sim.keysOf(st).key1 });
    expect(await h.readSecret('cluster-a', ns, 'remap-b')).toBeUndefined();
  });

  it('the engine identity cannot read Secrets cluster-wide (least privilege sanity check)', async () => {
    const svc = (await import('../../support/testStack.ts')).userKubeConfig('cluster-a', 'keysync-service');
    await expect(svc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns })).rejects.toMatchObject({
      code: 403,
    });
  });
});

const stflaky = 'stflaky';
