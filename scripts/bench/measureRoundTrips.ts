/**
 * The round trips the event path's floor is made of, measured in the same run against the same servers and
 * through the same client code the engine uses: one ARM call (the storage SDK client over HTTPS to the
 * simulator, with its set latency) and one Secret write (the engine's own cluster client, as the
 * `keysync-service` user, against each kube-apiserver).
 */
import { performance } from 'node:perf_hooks';

import { StorageManagementClient } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/core-auth';
import { KubeConfig } from '@kubernetes/client-node';

import { armClientOptions } from '../../shared/arm/armClientOptions.ts';
import { parseResourceId } from '../../shared/arm/parseResourceId.ts';
import { createKubeClusterClient } from '../../shared/kube/createKubeClusterClient.ts';
import type { BenchEnvironment } from './startBenchEnvironment.ts';

/** Medians of the measured round trips, milliseconds. */
export interface RoundTrips {
  /** One ARM GET of the storage account (the simulator's latency included). */
  readonly armMs: number;
  /** One Secret PUT through the engine's cluster client (median over all clusters). */
  readonly k8sWriteMs: number;
  /** One Secret GET through the same client. */
  readonly k8sReadMs: number;
  readonly samples: number;
}

/** What {@link measureRoundTrips} reads and writes. */
export interface RoundTripTargets {
  /** The service's ARM credential. */
  readonly credential: TokenCredential;
  /** A storage account to read. */
  readonly resourceId: string;
  /** Where a scratch Secret `bench-rtt` (labelled as aks-keysync's, owned by no binding) is written in every cluster. */
  readonly namespace: string;
  /** Measured calls per kind and cluster (default 9). */
  readonly samples?: number;
}

/**
 * Measures the round trips (after one unmeasured warm-up call each).
 * @param env - the environment
 * @param targets - credential, resource, namespace, samples
 */
export async function measureRoundTrips(
  env: BenchEnvironment,
  targets: RoundTripTargets,
): Promise<RoundTrips> {
  const { credential, resourceId, namespace, samples = 9 } = targets;
  const id = parseResourceId(resourceId);
  const arm = new StorageManagementClient(
    credential,
    id.subscriptionId,
    armClientOptions({ endpoint: env.sim.url, credential, caPem: env.sim.caPem }),
  );
  const armTimes: number[] = [];
  for (let i = -1; i < samples; i++) {
    const t = performance.now();
    await arm.storageAccounts.getProperties(id.resourceGroup, id.name);
    if (i >= 0) armTimes.push(performance.now() - t);
  }
  const writes: number[] = [];
  const reads: number[] = [];
  for (const c of env.clusters) {
    const kc = new KubeConfig();
    kc.loadFromString(c.serviceKubeconfig);
    const client = createKubeClusterClient(c.name, kc);
    const secret = (n: number) => ({
      namespace,
      name: 'bench-rtt',
      // The admission policy refuses the service identity's writes to Secrets without our label.
      labels: { 'app.kubernetes.io/managed-by': 'aks-keysync' },
      annotations: {},
      ownerReferences: [],
      data: { n: String(n) },
    });
    if (!(await client.getSecret(namespace, 'bench-rtt'))) await client.createSecret(secret(-1));
    for (let i = -1; i < samples; i++) {
      let t = performance.now();
      await client.replaceSecret(secret(i));
      if (i >= 0) writes.push(performance.now() - t);
      t = performance.now();
      await client.getSecret(namespace, 'bench-rtt');
      if (i >= 0) reads.push(performance.now() - t);
    }
  }
  return { armMs: median(armTimes), k8sWriteMs: median(writes), k8sReadMs: median(reads), samples };
}

/**
 * The median of some numbers (NaN for none).
 * @param values - the numbers
 */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return NaN;
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}
