/**
 * Arranges a benchmark's data: storage accounts in the ARM simulator (fixtures, no events), namespaces and
 * KeyBindings in the clusters (created as admin, concurrently with a bound). Each binding maps a key, a
 * connection string and an endpoint of its resource into one Secret named after the binding.
 */
import pLimit from 'p-limit';

import { keyBindingApi } from '../../shared/bindings/KeyBinding.ts';
import type { BenchCluster, BenchEnvironment } from './startBenchEnvironment.ts';
import { benchSubscriptionId } from './startBenchEnvironment.ts';

/** One KeyBinding to create. Its Secret has the binding's name. */
export interface PlannedBinding {
  readonly cluster: BenchCluster;
  readonly namespace: string;
  readonly name: string;
  readonly resourceId: string;
}

/**
 * The cluster a round-robin placement puts item `i` in.
 * @param env - the environment
 * @param i - item index
 * @throws Error when the environment has no cluster
 */
export function clusterAt(env: BenchEnvironment, i: number): BenchCluster {
  const c = env.clusters[i % env.clusters.length];
  if (!c) throw new Error('the benchmark needs at least one cluster');
  return c;
}

/**
 * Adds storage accounts to the simulator.
 * @param env - the environment
 * @param prefix - account name prefix (lower-case letters and digits; the index is appended)
 * @param count - how many
 * @returns their resource IDs
 */
export function addStorageAccounts(env: BenchEnvironment, prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    env.sim.addStorageAccount({
      subscriptionId: benchSubscriptionId,
      resourceGroup: 'rg-bench',
      name: `${prefix}${String(i).padStart(4, '0')}`,
    }),
  );
}

/**
 * Creates namespaces in every cluster (existing ones are kept).
 * @param env - the environment
 * @param names - namespace names
 */
export async function createNamespaces(env: BenchEnvironment, names: readonly string[]): Promise<void> {
  for (const c of env.clusters) {
    for (const name of names) {
      await c.core.createNamespace({ body: { metadata: { name } } }).catch((err: unknown) => {
        if ((err as { code?: number }).code !== 409) throw err;
      });
    }
  }
}

/**
 * Creates KeyBindings as admin, `concurrency` at a time.
 * @param bindings - what to create
 * @param concurrency - requests in flight
 */
export async function createKeyBindings(
  bindings: readonly PlannedBinding[],
  concurrency = 24,
): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(
    bindings.map((b) =>
      limit(() =>
        b.cluster.custom.createNamespacedCustomObject({
          group: keyBindingApi.group,
          version: keyBindingApi.version,
          plural: keyBindingApi.plural,
          namespace: b.namespace,
          body: {
            apiVersion: keyBindingApi.apiVersion,
            kind: keyBindingApi.kind,
            metadata: { name: b.name, namespace: b.namespace },
            spec: {
              resourceId: b.resourceId,
              secrets: {
                primaryKey: { name: b.name, key: 'AZURE_STORAGE_KEY' },
                primaryConnectionString: { name: b.name, key: 'AZURE_STORAGE_CONNECTION_STRING' },
                blobEndpoint: { name: b.name, key: 'BLOB_ENDPOINT' },
              },
            },
          },
        }),
      ),
    ),
  );
}
