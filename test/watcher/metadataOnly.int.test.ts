/**
 * The watcher never receives Secret data, proven on the real apiserver as the `keysync-watcher` user: it asks
 * the metadata-only API, whose answers (lists and watch events) carry PartialObjectMetadata only. The control
 * case shows why this matters: RBAC's list on Secrets would let the same user read the data.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';

import { applyManifests, waitForCrd } from '../../testkit/applyManifests.ts';
import { createKubeInformerFactory, watchedResources } from '../../watcher/kubeInformers.ts';
import { listMetadata } from '../../watcher/listMetadata.ts';
import { MetadataWatch } from '../../watcher/MetadataWatch.ts';
import type { WatchedObject } from '../../watcher/projectMetadata.ts';
import { adminKubeConfig, hasTokenUsers, testCluster, userKubeConfig } from '../support/testStack.ts';
import { installWatcherManifests } from '../../testkit/startWatchPath.ts';
import { until } from './fakeInformers.ts';

const repo = new URL('../../', import.meta.url).pathname;
const run = hasTokenUsers('cluster-a') ? describe : describe.skip;
const ns = `meta-${randomBytes(4).toString('hex')}`;
const value = `value-${randomBytes(16).toString('hex')}`;
const b64 = Buffer.from(value).toString('base64');
const label = { 'app.kubernetes.io/managed-by': 'aks-keysync' };
let admin: CoreV1Api;
let watcherKc: KubeConfig;
const cleanups: Array<() => Promise<void>> = [];

/** Raw JSON must hold neither a `data`/`stringData` field nor the value in any encoding. */
function expectNoData(raw: unknown): void {
  const text = JSON.stringify(raw);
  expect(text).not.toContain('"data"');
  expect(text).not.toContain('"stringData"');
  expect(text).not.toContain(value);
  expect(text).not.toContain(b64);
}

beforeAll(async () => {
  if (!hasTokenUsers('cluster-a')) return;
  const kc = adminKubeConfig('cluster-a');
  await applyManifests(kc, join(repo, 'infra/k8s/keybinding-crd.yaml'));
  await waitForCrd(kc, 'keybindings.keysync.dev');
  await installWatcherManifests(kc);
  admin = kc.makeApiClient(CoreV1Api);
  await admin.createNamespace({ body: { metadata: { name: ns } } });
  cleanups.push(async () => void (await admin.deleteNamespace({ name: ns })));
  await admin.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'owned', labels: label }, stringData: { KEY: value } },
  });
  await admin.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'foreign' }, stringData: { KEY: value } },
  });
  watcherKc = userKubeConfig(testCluster('cluster-a'), 'keysync-watcher');
});

afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

run('metadata only: Secret data never reaches the watcher', () => {
  const secrets = () => `/api/v1/namespaces/${ns}/secrets`;

  it('lists PartialObjectMetadata of our labelled Secrets only, without data', async () => {
    const raw = await listMetadata(watcherKc, secrets(), {
      labelSelector: 'app.kubernetes.io/managed-by=aks-keysync',
      project: (item) => item as WatchedObject, // look at exactly what the apiserver sent
    });
    expect(raw.kind).toBe('PartialObjectMetadataList');
    expect(raw.items.map((i) => [i.kind, i.metadata.name])).toEqual([['PartialObjectMetadata', 'owned']]);
    expectNoData(raw);
  });

  it('receives watch events as PartialObjectMetadata, without data', async () => {
    const events: unknown[] = [];
    const watch = new MetadataWatch(watcherKc, {
      project: (o) => o as WatchedObject,
      timeoutSeconds: () => 30,
    });
    let ended: unknown = 'open';
    const controller = await watch.watch(
      secrets(),
      { labelSelector: 'app.kubernetes.io/managed-by=aks-keysync' },
      (type, obj) => events.push({ type, obj }),
      (err) => (ended = err),
    );
    try {
      await until(() => events.length >= 1, 'the initial ADDED event');
      await admin.patchNamespacedSecret({
        namespace: ns,
        name: 'owned',
        body: [{ op: 'replace', path: '/data/KEY', value: Buffer.from(`${value}2`).toString('base64') }],
      });
      await until(() => events.some((e) => (e as { type: string }).type === 'MODIFIED'), 'a MODIFIED event');
    } finally {
      controller.abort();
    }
    expect((events[0] as { obj: { kind: string } }).obj.kind).toBe('PartialObjectMetadata');
    expectNoData(events);
    expect(JSON.stringify(events)).not.toContain(Buffer.from(`${value}2`).toString('base64'));
    expect(ended).toBeNull();
  });

  it('keeps only identity and ownership marks in its cache, even of a Secret created by `kubectl apply`', async () => {
    await admin.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: {
          name: 'applied',
          labels: label,
          annotations: {
            // what kubectl apply leaves on a Secret: the whole object, data included
            'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { KEY: b64 } }),
            'keysync.dev/binding': 'app',
          },
        },
        stringData: { KEY: value },
      },
    });
    const [, secretResource] = watchedResources(ns);
    const informer = createKubeInformerFactory(watcherKc)(secretResource!, {
      onListed: () => {},
      onConnected: () => {},
    });
    try {
      await informer.start();
      await until(() => informer.list().length >= 2, 'the informer cache');
      const cached = informer.get('applied', ns);
      expect(cached?.metadata.annotations).toEqual({ 'keysync.dev/binding': 'app' });
      expectNoData(informer.list());
    } finally {
      await informer.stop();
    }
  });

  it('control: RBAC alone would let the same identity read the data (hence the metadata-only API)', async () => {
    const plain = await watcherKc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns });
    expect(plain.items.find((s) => s.metadata?.name === 'owned')?.data?.KEY).toBeDefined();
  });
});
