/**
 * KeyBinding lists on a real kube-apiserver are read page by page: with a small page size, many pages are
 * requested and every binding comes back exactly once (cluster-wide and in one namespace).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from '@jest/globals';
import type { RequestContext } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import { applyManifests, waitForCrd } from '../../../testkit/applyManifests.ts';
import { keyBindingApi } from '../../../shared/bindings/KeyBinding.ts';
import { createKubeClusterClient } from '../../../shared/kube/createKubeClusterClient.ts';
import { adminKubeConfig } from '../../support/testStack.ts';

const repo = new URL('../../../', import.meta.url).pathname;
const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st';

/** The admin's KubeConfig, recording the URL of every request made through it. */
class RecordingKubeConfig extends KubeConfig {
  readonly urls: string[] = [];

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    this.urls.push(context.getUrl());
    await super.applySecurityAuthentication(context);
  }

  /** KeyBinding list requests recorded so far, as URLs. */
  listRequests(): URL[] {
    return this.urls.map((u) => new URL(u)).filter((u) => u.pathname.endsWith(`/${keyBindingApi.plural}`));
  }
}

const admin = adminKubeConfig('cluster-a');
const namespaces = [`paged-a-${randomUUID().slice(0, 8)}`, `paged-b-${randomUUID().slice(0, 8)}`];
/** 7 + 4 bindings: more than three pages of 3 cluster-wide, three pages in the first namespace. */
const created = new Map<string, number>([
  [namespaces[0] ?? '', 7],
  [namespaces[1] ?? '', 4],
]);

const nameOf = (item: unknown) => {
  const m = (item as { metadata?: { namespace?: string; name?: string } }).metadata;
  return `${m?.namespace}/${m?.name}`;
};

beforeAll(async () => {
  await applyManifests(admin, join(repo, 'infra/k8s/keybinding-crd.yaml'));
  await waitForCrd(admin, `${keyBindingApi.plural}.${keyBindingApi.group}`);
  const core = admin.makeApiClient(CoreV1Api);
  const custom = admin.makeApiClient(CustomObjectsApi);
  for (const [namespace, count] of created) {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    for (let i = 0; i < count; i++) {
      await custom.createNamespacedCustomObject({
        group: keyBindingApi.group,
        version: keyBindingApi.version,
        plural: keyBindingApi.plural,
        namespace,
        body: {
          apiVersion: keyBindingApi.apiVersion,
          kind: keyBindingApi.kind,
          metadata: { name: `binding-${i}`, namespace },
          spec: { resourceId, secrets: { primaryKey: { name: `secret-${i}`, key: 'KEY' } } },
        },
      });
    }
  }
});

function recordingClient(pageSize: number) {
  const kc = new RecordingKubeConfig();
  kc.loadFromString(admin.exportConfig());
  return { kc, client: createKubeClusterClient('cluster-a', kc, { listPageSize: pageSize }) };
}

describe('createKubeClusterClient listKeyBindings', () => {
  it('lists one namespace page by page, each binding exactly once', async () => {
    const { kc, client } = recordingClient(3);
    const names = (await client.listKeyBindings(namespaces[0])).map(nameOf);
    expect(names.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `${namespaces[0]}/binding-${i}`).sort());
    const requests = kc.listRequests();
    expect(requests).toHaveLength(3);
    expect(requests.map((u) => u.searchParams.get('limit'))).toEqual(['3', '3', '3']);
    expect(requests.map((u) => u.searchParams.has('continue'))).toEqual([false, true, true]);
  });

  it('lists every namespace page by page, each binding exactly once', async () => {
    const { kc, client } = recordingClient(3);
    const mine = (await client.listKeyBindings())
      .map(nameOf)
      .filter((n) => namespaces.some((ns) => n.startsWith(`${ns}/`)));
    const expected = [...created].flatMap(([ns, count]) =>
      Array.from({ length: count }, (_, i) => `${ns}/binding-${i}`),
    );
    expect(mine.sort()).toEqual(expected.sort());
    // Other test files may have bindings in the cluster: at least our 11 need 4 pages of 3.
    expect(kc.listRequests().length).toBeGreaterThanOrEqual(4);
    expect(kc.listRequests().every((u) => u.searchParams.get('limit') === '3')).toBe(true);
  });

  it('asks for pages of 500 by default', async () => {
    const kc = new RecordingKubeConfig();
    kc.loadFromString(admin.exportConfig());
    await createKubeClusterClient('cluster-a', kc).listKeyBindings(namespaces[1]);
    expect(kc.listRequests().map((u) => u.searchParams.get('limit'))).toEqual(['500']);
  });
});
