/**
 * The watcher across an apiserver restart, on a throwaway control plane of its own (the shared stack is not
 * disturbed): the watch breaks, the informers come back (resume from their resourceVersion, or relist when
 * it is too old) and every change made around the restart is published: nothing is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi, KubeConfig as KubeConfigClass } from '@kubernetes/client-node';

import { applyManifests, waitForCrd } from '../../testkit/applyManifests.ts';
import type { ControlPlane } from '../../testkit/ControlPlane.ts';
import { startControlPlane } from '../../testkit/ControlPlane.ts';
import { ensureKubeBinaries } from '../../testkit/kubeBinaries.ts';
import { defaultTestUsers } from '../../testkit/TokenUser.ts';
import type { WatchMessage } from '../../shared/watch/WatchMessage.ts';
import { ClusterWatcher } from '../../watcher/ClusterWatcher.ts';
import { createKubeInformerFactory } from '../../watcher/kubeInformers.ts';
import { MemoryQueue } from '../../testkit/memoryQueue.ts';
import { loadTestStack } from '../support/testStack.ts';
import { installWatcherManifests } from '../../testkit/startWatchPath.ts';
import { until } from './fakeInformers.ts';

const repo = new URL('../../', import.meta.url).pathname;
const local = Object.values(loadTestStack().clusters).every((c) => c.external === undefined);
const run = local ? describe : describe.skip;
const ns = 'restart';
const kb = { group: 'keysync.dev', version: 'v1alpha1', plural: 'keybindings', namespace: ns };
const label = { 'app.kubernetes.io/managed-by': 'aks-keysync' };
let root: string;
let cp: ControlPlane | undefined;
let admin: KubeConfig;

const kcFor = (user: string) => {
  const kc = new KubeConfigClass();
  kc.loadFromString(cp?.kubeconfigYaml(user) ?? '');
  return kc;
};
const binding = (name: string) => ({
  apiVersion: 'keysync.dev/v1alpha1',
  kind: 'KeyBinding',
  metadata: { name },
  spec: {
    resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st',
    secrets: { primaryKey: { name, key: 'KEY' } },
  },
});

beforeAll(async () => {
  if (!local) return;
  root = mkdtempSync(join(tmpdir(), 'aks-keysync-restart-'));
  cp = await startControlPlane({
    name: 'watcher-restart',
    binaries: await ensureKubeBinaries({ onProgress: () => undefined }),
    users: defaultTestUsers,
    workDir: root,
  });
  admin = kcFor('admin');
  await applyManifests(admin, join(repo, 'infra/k8s/keybinding-crd.yaml'));
  await waitForCrd(admin, 'keybindings.keysync.dev');
  await installWatcherManifests(admin);
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await cp?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

run('ClusterWatcher across an apiserver restart', () => {
  it('resumes after the restart and publishes every change made around it', async () => {
    const core = admin.makeApiClient(CoreV1Api);
    const custom = admin.makeApiClient(CustomObjectsApi);
    const queue = new MemoryQueue();
    const watcher = new ClusterWatcher({
      cluster: 'restart-test',
      informers: createKubeInformerFactory(kcFor('keysync-watcher')),
      publisher: queue,
      coalesceMs: 50,
      restartBackoff: { initialMs: 250, maxMs: 1_000 },
    });
    const seen = (kind: string, name: string, type?: string) =>
      queue.accepted.some((m) => {
        const b = m.body as WatchMessage;
        return b.kind === kind && b.name === name && (!type || b.eventType === type);
      });
    try {
      await watcher.start();
      await watcher.waitUntilSynced(20_000);
      await custom.createNamespacedCustomObject({ ...kb, body: binding('before') });
      await core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name: 'before', labels: label }, stringData: { KEY: 'v' } },
      });
      await until(
        () => seen('KeyBinding', 'before') && seen('Secret', 'before'),
        'events before the restart',
        10_000,
      );
      // Unrelated writes move the cluster's resourceVersion past the watcher's last one, so after the restart
      // its resume point is older than the new watch cache: the apiserver may answer 410 and it must relist.
      for (let i = 0; i < 5; i++) {
        await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `noise-${i}` } } });
      }

      const errorsBefore = watcher.counters().watchErrors;
      const listsBefore = watcher.counters().lists;
      await cp?.restart();
      // Changes right after the restart, while the watcher is still reconnecting.
      await custom.createNamespacedCustomObject({ ...kb, body: binding('after') });
      await custom.deleteNamespacedCustomObject({ ...kb, name: 'before' });
      await core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name: 'after', labels: label }, stringData: { KEY: 'v' } },
      });
      await core.deleteNamespacedSecret({ namespace: ns, name: 'before' });

      await until(
        () =>
          seen('KeyBinding', 'after', 'added') &&
          seen('KeyBinding', 'before', 'deleted') &&
          seen('Secret', 'after', 'added') &&
          seen('Secret', 'before', 'deleted'),
        'every change around the restart',
        30_000,
      );
      const c = watcher.counters();
      expect(c.watchErrors).toBeGreaterThan(errorsBefore); // the restart was noticed, not slept through
      expect(watcher.health().healthy).toBe(true);
      process.stderr.write(
        `[watcher restart] apiserver back in ${cp?.timings.lastRestartReadyMs} ms; watch errors ${c.watchErrors - errorsBefore}, ` +
          `relists ${c.lists - listsBefore}, watch connects ${c.watchConnects}\n`,
      );
    } finally {
      await watcher.stop({ flushTimeoutInMs: 500 });
    }
  });
});
