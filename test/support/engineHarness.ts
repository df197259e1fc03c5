/**
 * Brings the engine up on real parts for an integration test file: the ARM simulator (HTTPS, in-process), the
 * stack's two kube-apiservers with the KeyBinding CRD and the service's RBAC applied, Azurite for the cluster
 * registry (a table per harness), and `createServices()` configured exactly as the function app would be.
 * The engine talks to Kubernetes as the low-privilege `keysync-service` user, never as admin.
 */
import { randomUUID } from 'node:crypto';

import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';

import type { ArmSimulator, ArmSimulatorOptions } from '../../testkit/armSimulator/ArmSimulator.ts';
import { installEngineManifests, startEngine } from '../../testkit/startEngine.ts';
import { renderKubeconfig } from '../../testkit/renderKubeconfig.ts';
import { keyBindingApi } from '../../shared/bindings/KeyBinding.ts';
import type { AllowRule } from '../../shared/clusters/ClusterRegistration.ts';
import type { ServiceOverrides, Services } from '../../shared/createServices.ts';
import { createJsonLogger } from '../../shared/logging.ts';
import type { Logger } from '../../shared/logging.ts';
import { adminKubeConfig, loadTestStack, testCluster } from './testStack.ts';

/** Subscription used by the simulated resources. */
export const subscriptionId = '11111111-2222-3333-4444-555555555555';

/** The running harness. */
export interface EngineHarness {
  readonly sim: ArmSimulator;
  readonly services: Services;
  /** Every line any logger of this harness wrote (the leak test scans them). */
  readonly logLines: string[];
  readonly logger: Logger;
  /** Admin clients per cluster (for arranging and asserting, never for the engine). */
  readonly admin: Readonly<
    Record<'cluster-a' | 'cluster-b', { kc: KubeConfig; core: CoreV1Api; custom: CustomObjectsApi }>
  >;
  /** A fresh namespace in both clusters, unique to this call. */
  namespace(prefix: string): Promise<string>;
  /** Registers both clusters (cluster-a as AKS through the simulator, cluster-b by kubeconfig). */
  registerClusters(allow: AllowRule[]): Promise<void>;
  createBinding(
    cluster: 'cluster-a' | 'cluster-b',
    namespace: string,
    name: string,
    spec: unknown,
  ): Promise<void>;
  readSecret(
    cluster: 'cluster-a' | 'cluster-b',
    namespace: string,
    name: string,
  ): Promise<Record<string, string> | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts a harness.
 * @param simOptions - ARM simulator options (throttling, latency, LRO duration)
 * @param overrides - service parts to replace (e.g. shorter stale-read waits)
 */
export async function startEngineHarness(
  simOptions: Omit<ArmSimulatorOptions, 'tokens'> = {},
  overrides: ServiceOverrides = {},
): Promise<EngineHarness> {
  const stack = loadTestStack();
  const engine = await startEngine({
    serviceToken: testCluster('cluster-a').tokens['keysync-service'] ?? '',
    sim: { lroDurationInMs: 200, ...simOptions },
    azuriteConnectionString: stack.azurite?.connectionString ?? '',
    uniqueTablesPrefix: '',
    settings: { KEYSYNC_KUBE_TIMEOUT_MS: '5000' },
    overrides,
  });
  const admin = {} as Record<
    'cluster-a' | 'cluster-b',
    { kc: KubeConfig; core: CoreV1Api; custom: CustomObjectsApi }
  >;
  try {
    for (const name of ['cluster-a', 'cluster-b'] as const) {
      const kc = adminKubeConfig(name);
      await installEngineManifests(kc);
      admin[name] = { kc, core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
    }
  } catch (err) {
    await engine.stop();
    throw err;
  }
  const { sim: simulator, services } = engine;
  const logLines: string[] = [];
  const logger = createJsonLogger((_level, line) => logLines.push(line), 'debug');

  return {
    sim: simulator,
    services,
    logLines,
    logger,
    admin,
    async namespace(prefix) {
      const ns = `${prefix}-${randomUUID().slice(0, 8)}`;
      for (const c of Object.values(admin))
        await c.core.createNamespace({ body: { metadata: { name: ns } } });
      return ns;
    },
    async registerClusters(allow) {
      const a = testCluster('cluster-a');
      const b = testCluster('cluster-b');
      const aksId = `/subscriptions/${subscriptionId}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-a`;
      simulator.addManagedCluster({
        id: aksId,
        server: a.server ?? '',
        caPem: Buffer.from(a.caData ?? '', 'base64').toString('utf8'),
      });
      await services.clusters.upsert({ name: 'cluster-a', aksResourceId: aksId, allow });
      const kubeconfig = renderKubeconfig({
        clusterName: 'cluster-b',
        server: b.server ?? '',
        caData: b.caData ?? '',
        userName: 'keysync-service',
        token: b.tokens['keysync-service'] ?? '',
      });
      await services.clusters.upsert({ name: 'cluster-b', kubeconfig, allow });
    },
    async createBinding(cluster, namespace, name, spec) {
      await admin[cluster].custom.createNamespacedCustomObject({
        group: keyBindingApi.group,
        version: keyBindingApi.version,
        plural: keyBindingApi.plural,
        namespace,
        body: {
          apiVersion: keyBindingApi.apiVersion,
          kind: keyBindingApi.kind,
          metadata: { name, namespace },
          spec,
        },
      });
    },
    async readSecret(cluster, namespace, name) {
      try {
        const s = await admin[cluster].core.readNamespacedSecret({ namespace, name });
        return Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      } catch (err) {
        if ((err as { code?: number }).code === 404) return undefined;
        throw err;
      }
    },
    stop: () => engine.stop(),
  };
}

/** Builds a storage-account resource ID in the test subscription. */
export function storageId(rg: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${name}`;
}
