/**
 * The cluster-change path on the local stack, in one piece for the integration tests and the demo: a
 * ClusterWatcher per cluster (metadata only, as the watcher identity) publishes versioned messages to an
 * in-process queue standing in for Service Bus (the handler's delayed retries are scheduled on it too), and
 * the real `onClusterWatchEvent` handler (in @azure/functions test mode) consumes them, re-reads the cluster
 * and reconciles, with the engine acting as the service identity.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { KubeConfig } from '@kubernetes/client-node';

import { InvocationContext } from '../functions/azureFunctions.ts';
import { createWatchEventHandler } from '../functions/onClusterWatchEvent.ts';
import type { Services } from '../shared/createServices.ts';
import type { WatchRetryPolicy } from '../shared/watch/watchRetryPolicy.ts';
import { ClusterWatcher } from '../watcher/ClusterWatcher.ts';
import { createKubeInformerFactory } from '../watcher/kubeInformers.ts';
import { applyManifests } from './applyManifests.ts';
import { bindLocalWatcherUser } from './bindLocalWatcherUser.ts';
import { MemoryQueue } from './memoryQueue.ts';
import { repoRoot } from './repoRoot.ts';

/** Options of {@link installWatcherManifests}. */
export interface WatcherManifestOptions {
  /**
   * The token user the watcher runs as locally (in AKS its ServiceAccount is bound instead), bound to the
   * watcher's ClusterRole. Default `keysync-watcher`; `null`: bind nobody (the watcher runs as admin).
   */
  readonly watcherUser?: string | null;
  /**
   * `all` (default): every object of infra/k8s/watcher.yaml (namespace, ServiceAccount, ClusterRole and
   * binding, Deployment), to test the shipped manifests; `role`: its ClusterRole only, enough for a watcher
   * run in-process and nothing that would start a pod (the demo), not even that without a watcher user (the
   * demo on a user's cluster, where the watcher runs as admin).
   */
  readonly objects?: 'all' | 'role';
}

/**
 * Installs the watcher's manifests and the Secret ownership admission policy
 * (infra/k8s/secret-ownership-policy.yaml), so the path runs under the shipped rules. Idempotent.
 * @param admin - admin KubeConfig of the cluster
 * @param options - which objects, and the local watcher user
 */
export async function installWatcherManifests(
  admin: KubeConfig,
  options: WatcherManifestOptions = {},
): Promise<void> {
  const user = options.watcherUser === undefined ? 'keysync-watcher' : options.watcherUser;
  await applyManifests(admin, join(repoRoot, 'infra/k8s/secret-ownership-policy.yaml'));
  if (options.objects === 'role' && user === null) return;
  await applyManifests(admin, join(repoRoot, 'infra/k8s/watcher.yaml'), {
    only: (o) => options.objects !== 'role' || o.kind === 'ClusterRole',
  });
  if (user !== null) await bindLocalWatcherUser(admin, user);
}

/** Options of {@link startWatchPath}. */
export interface WatchPathOptions {
  /** cluster name -> KubeConfig of the watcher identity in that cluster. */
  readonly watcherKubeConfigs: ReadonlyMap<string, KubeConfig>;
  /** The services the handler uses. */
  readonly services: Services;
  /** Watch one namespace only (tests share the clusters); all namespaces by default. */
  readonly namespace?: string | undefined;
  /** Receives every line the handler logs; they are kept in {@link WatchPath.logLines} in any case. */
  readonly log?: (line: string) => void;
  /** Coalescing delay of the watchers. Default 100 ms. */
  readonly coalesceMs?: number;
  /** Deliveries of a message before the queue dead-letters it. Default 5 (Service Bus's). */
  readonly maxDeliveryCount?: number;
  /** Backoff of the handler's delayed retries (the configuration's by default). */
  readonly watchRetry?: WatchRetryPolicy;
  /** Bound of the start-up waits. Default 20 s. */
  readonly timeoutInMs?: number;
  /**
   * Also wait at start until the initial listing was handled (the demo, which prints what happens next).
   * Default false: a test may arrange for the first messages to fail and be retried later.
   */
  readonly settleOnStart?: boolean;
}

/** A running watch path. */
export interface WatchPath {
  /** The in-process stand-in for the Service Bus queue. */
  readonly queue: MemoryQueue;
  readonly watchers: ReadonlyMap<string, ClusterWatcher>;
  /** Every line the handler logged. */
  readonly logLines: string[];
  /** Waits (bounded) until the watchers have nothing pending and the queue is drained, for 300 ms in a row. */
  settle(timeoutInMs?: number): Promise<void>;
  /** Stops the watchers (flushing for at most 1 s) and the consumer. */
  stop(): Promise<void>;
}

/**
 * Starts a watcher for every given cluster and the consumer, and resolves once the informers have synced (and,
 * with `settleOnStart`, the initial listing was handled).
 * @param options - clusters, services, namespace
 * @throws Error when a watcher does not sync or the path does not settle within the bound (all is stopped)
 */
export async function startWatchPath(options: WatchPathOptions): Promise<WatchPath> {
  const timeout = options.timeoutInMs ?? 20_000;
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
  const consumer = queue.startConsumer((body, meta) =>
    handler(
      body,
      new InvocationContext({
        functionName: 'onClusterWatchEvent',
        invocationId: meta.messageId,
        triggerMetadata: { ...meta },
        logHandler: (_level, ...args) => {
          const line = args.map(String).join(' ');
          logLines.push(line);
          options.log?.(line);
        },
      }),
    ),
  );
  const watchers = new Map<string, ClusterWatcher>();
  for (const [cluster, kc] of options.watcherKubeConfigs) {
    watchers.set(
      cluster,
      new ClusterWatcher({
        cluster,
        namespace: options.namespace,
        informers: createKubeInformerFactory(kc),
        publisher: queue,
        coalesceMs: options.coalesceMs ?? 100,
        // Quick recovery on the local stack (production defaults: 1 s to 30 s).
        publishRetry: { initialMs: 100, maxMs: 500 },
        restartBackoff: { initialMs: 200, maxMs: 1_000 },
      }),
    );
  }
  const path: WatchPath = {
    queue,
    watchers,
    logLines,
    settle: (timeoutInMs = timeout) => settle(queue, [...watchers.values()], timeoutInMs),
    async stop() {
      try {
        await Promise.all([...watchers.values()].map((w) => w.stop({ flushTimeoutInMs: 1_000 })));
      } finally {
        await consumer.stop();
        queue.clearScheduled();
      }
    },
  };
  try {
    for (const w of watchers.values()) await w.start();
    for (const w of watchers.values()) await w.waitUntilSynced(timeout);
    if (options.settleOnStart) await path.settle();
    return path;
  } catch (err) {
    await path.stop();
    throw err;
  }
}

/** Waits until no watcher has anything pending and the queue is drained, for 300 ms in a row (bounded). */
async function settle(queue: MemoryQueue, watchers: ClusterWatcher[], timeoutInMs: number): Promise<void> {
  const deadline = performance.now() + timeoutInMs;
  let quietSince: number | undefined;
  for (;;) {
    const busy = !queue.idle || watchers.some((w) => w.counters().pending > 0);
    if (busy) quietSince = undefined;
    else quietSince ??= performance.now();
    if (quietSince !== undefined && performance.now() - quietSince > 300) return;
    if (performance.now() > deadline) throw new Error(`watch path not settled after ${timeoutInMs} ms`);
    await sleep(25);
  }
}
