/**
 * Least privilege, proven on the real apiserver. The product runs as two token users bound to exactly the
 * shipped roles (`keysync-service`: infra/k8s/service-rbac.yaml; `keysync-watcher`: infra/k8s/watcher.yaml),
 * with the shipped ValidatingAdmissionPolicy (infra/k8s/secret-ownership-policy.yaml) in force. It shows
 * (a) that everything works with these rights, and (b) that the apiserver refuses everything else: cluster-wide
 * changes, writes where no role was granted, and (RBAC cannot tell our Secrets from others) any write by the
 * service to a Secret without our ownership label.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  ApiextensionsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig as KubeConfigClass,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';

import { metadataAccept, openKubeGet } from '../../../watcher/kubeGet.ts';
import type { EngineHarness } from '../../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../../support/engineHarness.ts';
import { hasTokenUsers, testCluster, userKubeConfig } from '../../support/testStack.ts';
import { installWatcherManifests, startWatchPath, type WatchPath } from '../../../testkit/startWatchPath.ts';
import { eventually } from '../../support/eventually.ts';
import { setBindingSpec } from '../../support/setBindingSpec.ts';

const run = hasTokenUsers('cluster-a') ? describe : describe.skip;
const rg = 'rg-leastpriv';
const st = storageId(rg, 'stleastpriv');
const kb = { group: 'keysync.dev', version: 'v1alpha1', plural: 'keybindings' };
const owned = { 'app.kubernetes.io/managed-by': 'aks-keysync' };
let h: EngineHarness;
let ns: string;
let service: KubeConfig;
let watcher: KubeConfig;
let admin: CoreV1Api;

/** The HTTP status a call ended with (2xx collapses to 200), and the apiserver's message. */
async function outcome(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
    return { code: 200, message: '' };
  } catch (err) {
    const e = err as { code?: number; body?: string };
    let message = '';
    try {
      message = (JSON.parse(e.body ?? '{}') as { message?: string }).message ?? '';
    } catch {
      message = '';
    }
    return { code: e.code ?? -1, message };
  }
}
const code = async (call: Promise<unknown>) => (await outcome(call)).code;

/** Rules an identity holds in `namespace`, without the self-review rules every authenticated user has. */
async function rulesOf(kc: KubeConfig, namespace: string): Promise<string[]> {
  const review = await kc
    .makeApiClient(AuthorizationV1Api)
    .createSelfSubjectRulesReview({ body: { spec: { namespace } } });
  return (review.status?.resourceRules ?? [])
    .filter(
      (r) => !(r.apiGroups ?? []).some((g) => g === 'authorization.k8s.io' || g === 'authentication.k8s.io'),
    )
    .flatMap((r) =>
      (r.resources ?? []).map(
        (res) => `${(r.apiGroups ?? []).join(',') || 'core'}/${res}: ${[...r.verbs].sort().join(',')}`,
      ),
    )
    .sort();
}

beforeAll(async () => {
  if (!hasTokenUsers('cluster-a')) return;
  h = await startEngineHarness();
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stleastpriv' });
  ns = await h.namespace('leastpriv');
  await h.registerClusters([
    { namespaces: 'leastpriv-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/${rg}` },
  ]);
  await installWatcherManifests(h.admin['cluster-a'].kc);
  service = userKubeConfig(testCluster('cluster-a'), 'keysync-service');
  watcher = userKubeConfig(testCluster('cluster-a'), 'keysync-watcher');
  admin = h.admin['cluster-a'].core;
  await admin.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'foreign' }, stringData: { A: 'b' } },
  });
  // The policy takes effect a moment after it is created: wait (bounded) until a dry-run delete is refused.
  await eventually(
    () =>
      code(
        service
          .makeApiClient(CoreV1Api)
          .deleteNamespacedSecret({ namespace: ns, name: 'foreign', dryRun: 'All' }),
      ),
    (c) => c === 403,
    'the Secret ownership policy to take effect',
    30_000,
  );
});

afterAll(async () => {
  await h?.stop();
});

run('least privilege on the real apiserver', () => {
  it('gives each identity exactly the rules of its shipped role, and nothing else', async () => {
    expect(await rulesOf(service, ns)).toEqual([
      'core/events: create',
      'core/secrets: create,delete,get,update',
      'keysync.dev/keybindings/status: get,patch,update',
      'keysync.dev/keybindings: get,list,watch',
    ]);
    expect(await rulesOf(watcher, ns)).toEqual([
      'core/secrets: list,watch',
      'keysync.dev/keybindings: list,watch',
    ]);
  });

  it("binds the same rules to the watcher's ServiceAccount as shipped (token from the TokenRequest API)", async () => {
    const token = await admin.createNamespacedServiceAccountToken({
      namespace: 'aks-keysync',
      name: 'keysync-watcher',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const c = testCluster('cluster-a');
    const sa = new KubeConfigClass();
    sa.loadFromOptions({
      clusters: [{ name: 'a', server: c.server, caData: c.caData, skipTLSVerify: false }],
      users: [{ name: 'sa', token: token.status?.token }],
      contexts: [{ name: 'sa', cluster: 'a', user: 'sa' }],
      currentContext: 'sa',
    });
    expect(await rulesOf(sa, ns)).toEqual(await rulesOf(watcher, ns));
  });

  describe('(a) the product works with exactly these rights, the admission policy in force', () => {
    let path: WatchPath;
    beforeAll(async () => {
      path = await startWatchPath({
        services: h.services,
        namespace: ns,
        watcherKubeConfigs: new Map([['cluster-a', watcher]]),
      });
    });
    afterAll(async () => {
      await path?.stop();
    });

    it('creates, restores, updates and deletes its own Secrets, writes status and Events', async () => {
      const key1 = h.sim.keysOf(st).key1;
      await h.createBinding('cluster-a', ns, 'app', {
        resourceId: st,
        secrets: {
          primaryKey: { name: 'app', key: 'KEY' },
          secondaryKey: { name: 'app-fallback', key: 'KEY' },
        },
      });
      await eventually(
        () => h.readSecret('cluster-a', ns, 'app'),
        (s) => s?.KEY === key1,
        'created',
      );
      await admin.patchNamespacedSecret({
        namespace: ns,
        name: 'app',
        body: [{ op: 'replace', path: '/data/KEY', value: Buffer.from('x').toString('base64') }],
      });
      await eventually(
        () => h.readSecret('cluster-a', ns, 'app'),
        (s) => s?.KEY === key1,
        'restored (update)',
      );
      await setBindingSpec(h.admin['cluster-a'].custom, ns, 'app', {
        resourceId: st,
        secrets: { primaryKey: { name: 'app', key: 'KEY' } },
      });
      await eventually(
        () => h.readSecret('cluster-a', ns, 'app-fallback'),
        (s) => s === undefined,
        'unmapped Secret deleted',
      );
      await path.settle();
      const ready = (await h.admin['cluster-a'].custom.getNamespacedCustomObject({
        ...kb,
        namespace: ns,
        name: 'app',
      })) as {
        status?: { conditions?: Array<{ reason: string }> };
      };
      expect(ready.status?.conditions?.[0]?.reason).toBe('Synced');
      const events = await admin.listNamespacedEvent({ namespace: ns });
      expect(new Set(events.items.map((e) => e.reason))).toEqual(
        new Set(['SecretCreated', 'SecretUpdated', 'SecretDeleted']),
      );
      expect(path.logLines.join('\n')).not.toMatch(/forbidden|ClusterForbidden/i);
    });
  });

  describe('(b) the apiserver refuses the service', () => {
    const core = () => service.makeApiClient(CoreV1Api);
    const custom = () => service.makeApiClient(CustomObjectsApi);

    it('any cluster-wide change', async () => {
      const rbac = service.makeApiClient(RbacAuthorizationV1Api);
      const results = {
        namespace: await code(
          core().createNamespace({ body: { metadata: { name: `x-${randomBytes(3).toString('hex')}` } } }),
        ),
        clusterRole: await code(
          rbac.createClusterRole({ body: { metadata: { name: 'keysync-escalate' }, rules: [] } }),
        ),
        bindSelfToAdmin: await code(
          rbac.createClusterRoleBinding({
            body: {
              metadata: { name: 'keysync-escalate' },
              roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
              subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'keysync-service' }],
            },
          }),
        ),
        crd: await code(
          service
            .makeApiClient(ApiextensionsV1Api)
            .deleteCustomResourceDefinition({ name: 'keybindings.keysync.dev' }),
        ),
        listNamespaces: await code(core().listNamespace()),
        nodes: await code(core().listNode()),
      };
      expect(results).toEqual({
        namespace: 403,
        clusterRole: 403,
        bindSelfToAdmin: 403,
        crd: 403,
        listNamespaces: 403,
        nodes: 403,
      });
    });

    it('writes and reads where no role was granted', async () => {
      const spec = { resourceId: st, secrets: { primaryKey: { name: 'y', key: 'K' } } };
      const results = {
        createKeyBinding: await code(
          custom().createNamespacedCustomObject({
            ...kb,
            namespace: ns,
            body: { apiVersion: 'keysync.dev/v1alpha1', kind: 'KeyBinding', metadata: { name: 'y' }, spec },
          }),
        ),
        deleteKeyBinding: await code(
          custom().deleteNamespacedCustomObject({ ...kb, namespace: ns, name: 'app' }),
        ),
        listSecrets: await code(core().listNamespacedSecret({ namespace: ns })),
        watchSecrets: (
          await openKubeGet(service, `/api/v1/namespaces/${ns}/secrets`, {
            query: { watch: true },
            accept: metadataAccept.watch,
          })
        ).statusCode,
        configMaps: await code(
          core().createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' } } }),
        ),
        pods: await code(core().listNamespacedPod({ namespace: ns })),
      };
      expect(results).toEqual({
        createKeyBinding: 403,
        deleteKeyBinding: 403,
        listSecrets: 403,
        watchSecrets: 403,
        configMaps: 403,
        pods: 403,
      });
    });

    it('any write to a Secret without our ownership label (admission policy), although RBAC allows it', async () => {
      const foreign = await admin.readNamespacedSecret({ namespace: ns, name: 'foreign' });
      const update = await outcome(
        core().replaceNamespacedSecret({
          namespace: ns,
          name: 'foreign',
          body: { ...foreign, data: { A: 'eA==' } },
        }),
      );
      const del = await outcome(core().deleteNamespacedSecret({ namespace: ns, name: 'foreign' }));
      const create = await outcome(
        core().createNamespacedSecret({
          namespace: ns,
          body: { metadata: { name: 'unlabelled' }, stringData: { A: 'b' } },
        }),
      );
      for (const r of [update, del, create]) {
        expect(r.code).toBe(403);
        expect(r.message).toContain('ValidatingAdmissionPolicy');
        expect(r.message).toContain('aks-keysync may only');
      }
      // An owned Secret may not be released by dropping the label either.
      const mine = await admin.readNamespacedSecret({ namespace: ns, name: 'app' });
      const strip = await outcome(
        core().replaceNamespacedSecret({
          namespace: ns,
          name: 'app',
          body: { ...mine, metadata: { ...mine.metadata, labels: { 'keysync.dev/binding-uid': 'x' } } },
        }),
      );
      expect(strip.code).toBe(403);
      // The Secret is untouched, and the policy binds only the service: an admin may still edit it.
      expect((await admin.readNamespacedSecret({ namespace: ns, name: 'foreign' })).data).toEqual(
        foreign.data,
      );
      expect(
        await code(admin.replaceNamespacedSecret({ namespace: ns, name: 'foreign', body: foreign })),
      ).toBe(200);
      // Control: a labelled Secret that is not even the engine's is allowed by the policy (RBAC + label).
      expect(
        await code(
          core().createNamespacedSecret({
            namespace: ns,
            body: { metadata: { name: 'labelled', labels: owned }, stringData: { A: 'b' } },
          }),
        ),
      ).toBe(200);
    });
  });

  describe('(b) the apiserver refuses the watcher', () => {
    it('anything but listing and watching KeyBindings and Secrets', async () => {
      const core = watcher.makeApiClient(CoreV1Api);
      const custom = watcher.makeApiClient(CustomObjectsApi);
      const results = {
        getSecret: await code(core.readNamespacedSecret({ namespace: ns, name: 'app' })),
        createSecret: await code(
          core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'w', labels: owned } } }),
        ),
        deleteSecret: await code(core.deleteNamespacedSecret({ namespace: ns, name: 'app' })),
        getKeyBinding: await code(custom.getNamespacedCustomObject({ ...kb, namespace: ns, name: 'app' })),
        patchStatus: await code(
          custom.patchNamespacedCustomObjectStatus({
            ...kb,
            namespace: ns,
            name: 'app',
            body: [{ op: 'add', path: '/status', value: {} }],
          }),
        ),
        createEvent: await code(
          core.createNamespacedEvent({
            namespace: ns,
            body: { metadata: { name: 'e' }, involvedObject: {} },
          }),
        ),
        configMaps: await code(core.listNamespacedConfigMap({ namespace: ns })),
        namespace: await code(core.createNamespace({ body: { metadata: { name: 'w-nope' } } })),
      };
      expect(results).toEqual({
        getSecret: 403,
        createSecret: 403,
        deleteSecret: 403,
        getKeyBinding: 403,
        patchStatus: 403,
        createEvent: 403,
        configMaps: 403,
        namespace: 403,
      });
    });
  });
});
