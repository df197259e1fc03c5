/**
 * How long the clusters need to take `count` Secret writes at once, through the engine's cluster client with
 * the engine's per-cluster concurrency: what this machine allows for the write phase of an event, next to the
 * one-write round trip of the floor.
 */
import { performance } from 'node:perf_hooks';

import { KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';

import type { SecretWrite } from '../../shared/kube/ClusterClient.ts';
import { createKubeClusterClient } from '../../shared/kube/createKubeClusterClient.ts';
import { defaultApplyConcurrency } from '../../shared/reconcile/applyToCluster.ts';
import { median } from './measureRoundTrips.ts';
import type { BenchEnvironment } from './startBenchEnvironment.ts';

/**
 * Writes `count` scratch Secrets (`bench-burst-<i>`, not owned by aks-keysync) spread round-robin over the
 * clusters, `repetitions` times after one unmeasured round that creates them.
 * @param env - the environment
 * @param namespace - where the scratch Secrets go
 * @param count - Secrets per round
 * @param repetitions - measured rounds
 * @returns the median time of a round, milliseconds
 */
export async function measureWriteBurst(
  env: BenchEnvironment,
  namespace: string,
  count: number,
  repetitions = 3,
): Promise<number> {
  const clients = env.clusters.map((c) => {
    const kc = new KubeConfig();
    kc.loadFromString(c.serviceKubeconfig);
    return { client: createKubeClusterClient(c.name, kc), limit: pLimit(defaultApplyConcurrency) };
  });
  const secret = (i: number, round: number): SecretWrite => ({
    namespace,
    name: `bench-burst-${i}`,
    // The admission policy refuses the service identity's writes to Secrets without our label.
    labels: { 'app.kubernetes.io/managed-by': 'aks-keysync' },
    annotations: {},
    ownerReferences: [],
    data: { round: String(round) },
  });
  const times: number[] = [];
  for (let round = 0; round <= repetitions; round++) {
    const t = performance.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const c = clients[i % clients.length];
        if (!c) throw new Error('no cluster');
        return c.limit(() =>
          round === 0 ? upsert(c.client, secret(i, round)) : c.client.replaceSecret(secret(i, round)),
        );
      }),
    );
    if (round > 0) times.push(performance.now() - t);
  }
  return median(times);
}

async function upsert(
  client: ReturnType<typeof createKubeClusterClient>,
  secret: SecretWrite,
): Promise<void> {
  if (await client.getSecret(secret.namespace, secret.name)) await client.replaceSecret(secret);
  else await client.createSecret(secret);
}
