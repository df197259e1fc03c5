import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  adminKubeConfig,
  hasCluster,
  hasTokenUsers,
  loadTestStack,
  testCluster,
  userKubeConfig,
} from '../support/testStack.ts';

const namespace = `cp-int-${randomBytes(3).toString('hex')}`;
const stack = loadTestStack();
const twoLocalClusters = hasCluster('cluster-b') && hasTokenUsers('cluster-a');
const core = (kc: KubeConfig): CoreV1Api => kc.makeApiClient(CoreV1Api);
const statusOf = (err: unknown): number | undefined => (err as { code?: number }).code;

/** The HTTP status a call failed with, or 'ok'. */
async function outcome(call: () => Promise<unknown>): Promise<number | 'ok' | undefined> {
  try {
    await call();
    return 'ok';
  } catch (err) {
    return statusOf(err);
  }
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return condition();
}

describe('local control planes started by the integration global set-up', () => {
  const admin = core(adminKubeConfig('cluster-a'));

  afterAll(async () => {
    await admin.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('lets the admin create a namespace and a Secret over verified TLS', async () => {
    await admin.createNamespace({ body: { metadata: { name: namespace } } });
    await admin.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'plain' }, type: 'Opaque', stringData: { hello: 'world' } },
    });
    const read = await admin.readNamespacedSecret({ name: 'plain', namespace });
    expect(read.metadata?.name).toBe('plain');
    expect(Buffer.from(read.data?.hello ?? '', 'base64').toString()).toBe('world');
    expect(stack.clusters['cluster-a']?.server ?? 'external').toMatch(
      /^https:\/\/127\.0\.0\.1:\d+$|^external$/,
    );
  });

  (hasTokenUsers('cluster-a') ? it : it.skip)(
    'answers 403 to a user without RBAC rights and 401 to a bad token',
    async () => {
      const nobody = core(userKubeConfig('cluster-a', 'nobody'));
      expect(await outcome(() => nobody.readNamespacedSecret({ name: 'plain', namespace }))).toBe(403);
      expect(await outcome(() => nobody.listNamespace())).toBe(403);
      const forged = { ...testCluster('cluster-a'), tokens: { nobody: 'not-a-valid-token' } };
      expect(await outcome(() => core(userKubeConfig(forged, 'nobody')).listNamespace())).toBe(401);
    },
  );

  (twoLocalClusters ? it : it.skip)('keeps the two clusters independent', async () => {
    const a = testCluster('cluster-a');
    const b = testCluster('cluster-b');
    expect(a.server).not.toBe(b.server);
    expect(a.caData).not.toBe(b.caData);
    const adminB = core(adminKubeConfig('cluster-b'));
    expect(await outcome(() => adminB.readNamespace({ name: namespace }))).toBe(404);
    expect(await outcome(() => adminB.readNamespacedSecret({ name: 'plain', namespace }))).toBe(404);
    // cluster-a's admin token means nothing to cluster-b.
    const crossed = { ...b, tokens: { admin: a.tokens.admin ?? '' } };
    expect(await outcome(() => core(userKubeConfig(crossed, 'admin')).listNamespace())).toBe(401);
  });

  (testCluster('cluster-a').controllerManager ? it : it.skip)(
    'garbage-collects a Secret whose owner ConfigMap was deleted (kube-controller-manager)',
    async () => {
      const owner = await admin.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'owner' }, data: { role: 'owner' } },
      });
      const uid = owner.metadata?.uid;
      expect(uid).toBeDefined();
      await admin.createNamespacedSecret({
        namespace,
        body: {
          metadata: {
            name: 'owned',
            ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: uid ?? '' }],
          },
          stringData: { k: 'v' },
        },
      });
      await admin.deleteNamespacedConfigMap({ name: 'owner', namespace });
      const gone = await waitUntil(
        async () => (await outcome(() => admin.readNamespacedSecret({ name: 'owned', namespace }))) === 404,
        30_000,
      );
      expect(gone).toBe(true);
      // The unowned Secret is untouched.
      expect(await outcome(() => admin.readNamespacedSecret({ name: 'plain', namespace }))).toBe('ok');
    },
  );
});
