import { describe, expect, it } from '@jest/globals';

import type { KeyBinding } from '../../../shared/bindings/KeyBinding.ts';
import { ErrorCode } from '../../../shared/errors.ts';
import type { createMemoryKeyLedger } from '../../../shared/keys/KeyLedger.ts';
import type { LoadedCluster } from '../../../shared/reconcile/LoadedCluster.ts';
import { retryableFailures } from '../../../shared/reconcile/SyncReport.ts';
import type { ClusterSource } from '../../../shared/reconcile/syncClusters.ts';
import { loadedSource, syncClusters } from '../../../shared/reconcile/syncClusters.ts';
import { FakeClusterClient, kubeErrors, withHeldSecretReads } from '../../support/FakeClusterClient.ts';
import { binding, fakeStorageProvider, fakeSyncDeps } from '../../support/reconcileFixtures.ts';

function cluster(name: string, bindings: KeyBinding[]): LoadedCluster & { client: FakeClusterClient } {
  return {
    registration: { name, allow: [{ namespaces: '*', resourceIdPrefix: '/subscriptions/s' }] },
    client: new FakeClusterClient(name),
    bindings: bindings.map((b) => ({ ...b, cluster: name })),
    invalid: [],
  };
}

function deps(state = { key1: 'K1' }) {
  const provider = fakeStorageProvider(state);
  return { d: fakeSyncDeps(provider), provider, state };
}

const keyBinding = (name: string, ns = 'ns') =>
  binding(name, { primaryKey: { name: `${name}-s`, key: 'KEY' } }, { namespace: ns });

describe('syncClusters', () => {
  it('keeps one binding’s missing value to that binding: the other bindings of the resource are written', async () => {
    const { d, provider } = deps();
    const bad = binding('bad', { queueEndpoint: { name: 'q', key: 'Q' } }, { namespace: 'a' });
    const good = keyBinding('good', 'b');
    const c = cluster('c1', [bad, good]);
    const r = await syncClusters([loadedSource(c)], d, { dryRun: false });
    expect(r.bindings.find((x) => x.binding === 'bad')).toMatchObject({
      action: 'error',
      reason: ErrorCode.InvalidBinding,
      retryable: false,
    });
    expect(r.bindings.find((x) => x.binding === 'good')).toMatchObject({ action: 'created' });
    expect(c.client.secrets.get('b/good-s')?.data).toEqual({ KEY: 'K1' });
    expect(provider.fetches).toHaveLength(1);
  });

  it('applies each cluster as soon as it is loaded: a hanging cluster delays nobody', async () => {
    const { d } = deps();
    const fast = cluster('fast', [keyBinding('x')]);
    let releaseSlow = () => undefined as void;
    const slow: ClusterSource = {
      name: 'slow',
      load: () =>
        new Promise((_, reject) => {
          releaseSlow = () => reject(kubeErrors.unavailable('slow', 'list KeyBindings'));
        }),
    };
    const pass = syncClusters([slow, loadedSource(fast)], d, { dryRun: false });
    for (let i = 0; i < 50 && !fast.client.secrets.has('ns/x-s'); i++)
      await new Promise((r) => setImmediate(r));
    expect(fast.client.secrets.get('ns/x-s')?.data).toEqual({ KEY: 'K1' });
    releaseSlow();
    const r = await pass;
    expect(r.clusterFailures).toMatchObject([{ cluster: 'slow', retryable: true }]);
    expect(retryableFailures(r)).toHaveLength(1);
  });

  it('makes a failed Secret write a retryable failure of the pass, while the other cluster is written', async () => {
    const { d } = deps();
    const a = cluster('a', [keyBinding('x')]);
    const b = cluster('b', [keyBinding('x')]);
    a.client.fault = (op) =>
      op === 'createSecret' ? kubeErrors.unavailable('a', 'create Secret') : undefined;
    const r = await syncClusters([loadedSource(a), loadedSource(b)], d, { dryRun: false });
    expect(r.bindings.find((x) => x.cluster === 'a')).toMatchObject({ action: 'error', retryable: true });
    expect(b.client.secrets.get('ns/x-s')?.data).toEqual({ KEY: 'K1' });
    expect(retryableFailures(r).map((e) => e.details.cluster)).toEqual(['a']);
  });

  it('an older pass applied after a newer one leaves the newer keys in place, and its status says so', async () => {
    const { d, state } = deps();
    const c = cluster('c1', [keyBinding('x')]);
    await syncClusters([loadedSource(c)], d, { dryRun: false }); // K1 known and written
    // The older pass (a resync) has read K1 and is held before it applies (before it reads the Secrets).
    let release = () => undefined as void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const f = c.client;
    const heldClient = withHeldSecretReads(f, gate);
    const older = syncClusters([loadedSource({ ...c, client: heldClient })], d, { dryRun: false });
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    // The key is regenerated; a newer pass (the event) reads K2 and writes it.
    state.key1 = 'K2';
    await new Promise((r) => setTimeout(r, 5));
    await syncClusters([loadedSource(c)], d, { dryRun: false });
    expect(f.secrets.get('ns/x-s')?.data).toEqual({ KEY: 'K2' });
    release();
    const r = await older;
    expect(f.secrets.get('ns/x-s')?.data).toEqual({ KEY: 'K2' });
    expect(r.bindings[0]?.secrets[0]?.action).toBe('superseded');
    const status = f.statuses.get('ns/x') as { secrets: Array<{ dataHash: string }> };
    expect(status.secrets[0]?.dataHash).toBe(f.secrets.get('ns/x-s')?.annotations['keysync.dev/data-hash']);
  });

  it('a dry run writes nothing: no Secret, no status, no Event, no ledger entry', async () => {
    const { d } = deps();
    const c = cluster('c1', [keyBinding('x')]);
    const r = await syncClusters([loadedSource(c)], d, { dryRun: true });
    expect(r.bindings[0]).toMatchObject({ action: 'created' });
    expect(c.client.writes).toEqual([]);
    expect(c.client.statuses.size).toBe(0);
    expect(c.client.events).toEqual([]);
    expect((d.ledger as ReturnType<typeof createMemoryKeyLedger>).history('x')).toEqual([]);
  });
});
