/**
 * The cluster-change path on real parts for integration tests: the watcher manifests (RBAC, admission policy)
 * installed in a cluster, ClusterWatchers running as the low-privilege `keysync-watcher` user, an in-process
 * queue standing in for Service Bus (delayed retries are scheduled on it too), and the real
 * `onClusterWatchEvent` handler (through @azure/functions test mode) consuming it with the engine acting as
 * `keysync-service`.
 */
import { join } from 'node:path';

import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import { InvocationContext } from '../../functions/azureFunctions.ts';
import { createWatchEventHandler } from '../../functions/onClusterWatchEvent.ts';
import { applyManifests } from '../../testkit/applyManifests.ts';
import type { Services } from '../../shared/createServices.ts';
import type { WatchRetryPolicy } from '../../shared/watch/watchRetryPolicy.ts';
import { ClusterWatcher } from '../../watcher/ClusterWatcher.ts';
import { createKubeInformerFactory } from '../../watcher/kubeInformers.ts';
import type { QueueConsumer } from '../../testkit/memoryQueue.ts';
import { MemoryQueue } from '../../testkit/memoryQueue.ts';
import { bindLocalWatcherUser } from '../../testkit/bindLocalWatcherUser.ts';

const repo = new URL('../../', import.meta.url).pathname;

/**
 * Installs the watcher's manifests (namespace, ServiceAccount, ClusterRole + binding, Deployment) and the
 * Secret ownership admission policy, and binds the token user `keysync-watcher` to the watcher's ClusterRole
 * (in AKS its ServiceAccount is bound instead). Idempotent (server-side apply).
 * @param admin - admin KubeConfig of the cluster
 */
export async function installWatcherManifests(admin: KubeConfig): Promise<void> {
  await applyManifests(admin, join(repo, 'infra/k8s/watcher.yaml'));
  await applyManifests(admin, join(repo, 'infra/k8s/secret-ownership-policy.yaml'));
  await bindLocalWatcherUser(admin, 'keysync-watcher');
}

/** A running watch path. */
export interface WatchPath {
  readonly queue: MemoryQueue;
  readonly watchers: ReadonlyMap<string, ClusterWatcher>;
  /** Every line the handler logged. */
  readonly logLines: string[];
  /** Waits (bounded) until the watchers have nothing pending and the queue is drained. */
  settle(timeoutInMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startWatchPath}. */
export interface WatchPathOptions {
  /** cluster name -> KubeConfig of the watcher identity in that cluster. */
  readonly watcherKubeConfigs: ReadonlyMap<string, KubeConfig>;
  readonly services: Services;
  /** The one namespace the watchers watch (tests share the clusters). */
  readonly namespace: string;
  readonly coalesceMs?: number;
  readonly maxDeliveryCount?: number;
  /** Backoff of the handler's delayed retries (the configuration's by default). */
  readonly watchRetry?: WatchRetryPolicy;
}

/**
 * Starts watchers for every given cluster and the consumer, and waits until the watchers have synced.
 * @param options - clusters, services, namespace
 */
export async function startWatchPath(options: WatchPathOptions): Promise<WatchPath> {
  const queue = new MemoryQueue({ maxDeliveryCount: options.maxDeliveryCount ?? 5 });
  const logLines: string[] = [];
  const services: Services = {
    ...options.services,
    config: {
      ...options.services.config,
      watchRetry: options.watchRetry ?? options.services.config.watchRetry,
    },
    watchRedelivery: queue,
  };
  const handler = createWatchEventHandler(() => Promise.resolve(services));
  const consumer: QueueConsumer = queue.startConsumer((body, meta) =>
    handler(
      body,
      new InvocationContext({
        functionName: 'onClusterWatchEvent',
        invocationId: meta.messageId,
        triggerMetadata: { ...meta },
        logHandler: (_level, ...args) => logLines.push(args.map(String).join(' ')),
      }),
    ),
  );
  const watchers = new Map<string, ClusterWatcher>();
  for (const [cluster, kc] of options.watcherKubeConfigs) {
    const w = new ClusterWatcher({
      cluster,
      namespace: options.namespace,
      informers: createKubeInformerFactory(kc),
      publisher: queue,
      coalesceMs: options.coalesceMs ?? 100,
      publishRetry: { initialMs: 100, maxMs: 500 },
      restartBackoff: { initialMs: 200, maxMs: 1_000 },
    });
    watchers.set(cluster, w);
    await w.start();
  }
  const stop = async () => {
    await Promise.all([...watchers.values()].map((w) => w.stop({ flushTimeoutInMs: 500 })));
    await consumer.stop();
    queue.clearScheduled();
  };
  try {
    for (const w of watchers.values()) await w.waitUntilSynced(20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    queue,
    watchers,
    logLines,
    async settle(timeoutInMs = 20_000) {
      const deadline = Date.now() + timeoutInMs;
      let quietSince = 0;
      for (;;) {
        const busy = !queue.idle || [...watchers.values()].some((w) => w.counters().pending > 0);
        if (busy) quietSince = 0;
        else if (!quietSince) quietSince = Date.now();
        else if (Date.now() - quietSince > 300) return;
        if (Date.now() > deadline) throw new Error(`watch path not settled after ${timeoutInMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop,
  };
}

/**
 * Polls `read` until `check` accepts its result (bounded); returns the accepted value and the time taken.
 * @param read - reads the current state
 * @param check - the condition
 * @param what - for the error
 * @param timeoutInMs - bound
 */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
  timeoutInMs = 20_000,
): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const value = await read();
    if (check(value)) return { value, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutInMs)
      throw new Error(`timed out after ${timeoutInMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Replaces a KeyBinding's spec as a user editing it would (JSON patch of `/spec`: no resourceVersion, so a
 * concurrent status write by the engine cannot make it conflict).
 * @param custom - an admin client
 * @param namespace - the binding's namespace
 * @param name - the binding
 * @param spec - the new spec
 */
export async function setBindingSpec(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  spec: unknown,
): Promise<void> {
  await custom.patchNamespacedCustomObject(
    {
      group: 'keysync.dev',
      version: 'v1alpha1',
      plural: 'keybindings',
      namespace,
      name,
      body: [{ op: 'replace', path: '/spec', value: spec }],
    },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
}
