import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { KubernetesObjectApi, loadAllYaml, PatchStrategy } from '@kubernetes/client-node';

import { InvocationContext } from '../../functions/azureFunctions.ts';
import { createWatchEventHandler } from '../../functions/onClusterWatchEvent.ts';
import type { Services } from '../../shared/createServices.ts';
import { ClusterWatcher } from '../../watcher/ClusterWatcher.ts';
import { createKubeInformerFactory } from '../../watcher/kubeInformers.ts';
import { MemoryQueue } from '../../testkit/memoryQueue.ts';
import { applyManifests } from '../../testkit/applyManifests.ts';
import { bindLocalWatcherUser } from '../../testkit/bindLocalWatcherUser.ts';
import { repoRoot } from '../../testkit/repoRoot.ts';
import type { DemoCluster } from './DemoCluster.ts';

/** Options of {@link startWatchPath}. */
export interface WatchPathOptions {
  readonly cluster: DemoCluster;
  /**
   * The watcher's identity in that cluster, e.g. the local control plane's `keysync-watcher` token user: it is
   * bound to the watcher's ClusterRole (infra/k8s/watcher.yaml). The cluster admin when absent.
   */
  readonly watcherKubeConfig?: KubeConfig | undefined;
  /** The services the function handler uses (the engine acts as the service identity). */
  readonly services: Services;
  /** Watch one namespace only; all namespaces by default. */
  readonly namespace?: string;
  /** Receives every line the handler logs (no key material: see the demo's key-material check). */
  readonly log: (line: string) => void;
  /** Bound of the start-up waits. Default 30 s. */
  readonly timeoutInMs?: number;
}

/** A running cluster-change path: watcher -> queue -> `onClusterWatchEvent`. */
export interface WatchPath {
  /** The in-process stand-in for the Service Bus queue. */
  readonly queue: MemoryQueue;
  readonly watcher: ClusterWatcher;
  /** Name of the identity the watcher runs as. */
  readonly watcherUser: string;
  /** Waits until the watcher has nothing pending and the queue is drained, for 300 ms in a row. */
  settle(timeoutInMs?: number): Promise<void>;
  /** Stops the watcher (flushing for at most 1 s) and the consumer. */
  stop(): Promise<void>;
}

/**
 * Starts the cluster-change path of one cluster as it runs in Azure, with an in-process queue standing in for
 * Service Bus: a ClusterWatcher (metadata only, as the watcher identity) publishes versioned messages, and the
 * real `onClusterWatchEvent` handler (in @azure/functions test mode) consumes them, re-reads the cluster and
 * reconciles. Also installs the Secret ownership admission policy and the watcher's ClusterRole, so the path
 * runs under the shipped rules. Resolves once the informers have synced and the initial listing was handled.
 * @param options - cluster, identities, services, output
 * @throws Error when the watcher does not sync or settle within the bound
 */
export async function startWatchPath(options: WatchPathOptions): Promise<WatchPath> {
  const { cluster } = options;
  const timeout = options.timeoutInMs ?? 30_000;
  const watcherUser = options.watcherKubeConfig?.getCurrentUser()?.name;
  await installWatcherAccess(cluster.admin, watcherUser);
  const queue = new MemoryQueue();
  // The queue also takes the handler's delayed retries (Service Bus scheduled messages in Azure).
  const handler = createWatchEventHandler(() =>
    Promise.resolve({ ...options.services, watchRedelivery: queue }),
  );
  const consumer = queue.startConsumer((body, meta) =>
    handler(
      body,
      new InvocationContext({
        functionName: 'onClusterWatchEvent',
        invocationId: meta.messageId,
        triggerMetadata: { ...meta },
        logHandler: (_level, ...args) => options.log(args.map(String).join(' ')),
      }),
    ),
  );
  const watcher = new ClusterWatcher({
    cluster: cluster.name,
    namespace: options.namespace,
    informers: createKubeInformerFactory(options.watcherKubeConfig ?? cluster.admin),
    publisher: queue,
    coalesceMs: 100,
  });
  const path: WatchPath = {
    queue,
    watcher,
    watcherUser: watcherUser ?? 'admin',
    settle: (timeoutInMs = timeout) => settle(queue, watcher, timeoutInMs),
    async stop() {
      try {
        await watcher.stop({ flushTimeoutInMs: 1_000 });
      } finally {
        await consumer.stop();
      }
    },
  };
  try {
    await watcher.start();
    await watcher.waitUntilSynced(timeout);
    await path.settle();
    return path;
  } catch (err) {
    await path.stop();
    throw err;
  }
}

/** The Secret ownership policy, and the watcher's ClusterRole bound to `watcherUser` (when one is given). */
async function installWatcherAccess(admin: KubeConfig, watcherUser: string | undefined): Promise<void> {
  await applyManifests(admin, join(repoRoot, 'infra/k8s/secret-ownership-policy.yaml'));
  if (!watcherUser) return;
  const docs = loadAllYaml(
    await readFile(join(repoRoot, 'infra/k8s/watcher.yaml'), 'utf8'),
  ) as KubernetesObject[];
  const role = docs.find((d) => d.kind === 'ClusterRole');
  const client = KubernetesObjectApi.makeApiClient(admin);
  const apply = (o: KubernetesObject) =>
    client.patch(o, undefined, undefined, 'aks-keysync-demo', true, PatchStrategy.ServerSideApply);
  if (role) await apply(role);
  await bindLocalWatcherUser(admin, watcherUser);
}

/** Waits until the watcher has nothing pending and the queue is drained, for 300 ms in a row (bounded). */
async function settle(queue: MemoryQueue, watcher: ClusterWatcher, timeoutInMs: number): Promise<void> {
  const deadline = performance.now() + timeoutInMs;
  let quietSince: number | undefined;
  for (;;) {
    const busy = !queue.idle || watcher.counters().pending > 0;
    if (busy) quietSince = undefined;
    else quietSince ??= performance.now();
    if (quietSince !== undefined && performance.now() - quietSince > 300) return;
    if (performance.now() > deadline) throw new Error(`watch path not settled after ${timeoutInMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
