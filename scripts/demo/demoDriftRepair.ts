import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';

import type { Services } from '../../shared/createServices.ts';
import type { DemoCluster } from './DemoCluster.ts';
import { installWatcherManifests, startWatchPath } from '../../testkit/startWatchPath.ts';

/** Options of {@link demoDriftRepair}. */
export interface DriftRepairOptions {
  /** The cluster to show it in (its Secret must already have been synced, e.g. by the first resync). */
  readonly cluster: DemoCluster;
  /**
   * The watcher's identity in that cluster, e.g. the local control plane's `keysync-watcher` token user: it is
   * bound to the watcher's ClusterRole (infra/k8s/watcher.yaml). The cluster admin when absent.
   */
  readonly watcherKubeConfig?: KubeConfig;
  /** The services the demo's function handlers use (the engine acts as the service identity). */
  readonly services: Services;
  readonly namespace: string;
  /** An owned Secret in `namespace`, e.g. `orders-storage`. */
  readonly secretName: string;
  readonly print: (line: string) => void;
  /** Receives every line the handler logs (for the demo's key-material check). */
  readonly logLines: string[];
  /** Bound of each wait. Default 30 s. */
  readonly timeoutInMs?: number;
}

/** What {@link demoDriftRepair} measured. */
export interface DriftRepairResult {
  /** From the hand edit to the Secret holding the current keys again. */
  readonly restoredInMs: number;
  /** From the hand deletion to the Secret being back. */
  readonly recreatedInMs: number;
  /** Watch messages the watcher published during the demo. */
  readonly messages: number;
}

/**
 * Demo step: a hand-edited Secret is restored, and a deleted one recreated, through the cluster-change path
 * with nobody calling the resync: a ClusterWatcher (metadata only, as the watcher identity) publishes to an
 * in-process queue standing in for Service Bus, and `onClusterWatchEvent` (the real handler, in
 * @azure/functions test mode) re-reads the cluster and repairs the Secret from the current keys. Also installs
 * the Secret ownership admission policy, so the repair runs under it. Prints no value, only names and timings.
 * @param options - cluster, identities, services, the Secret to tamper with, output
 * @returns the timings
 * @throws Error when a step does not complete within the bound
 */
export async function demoDriftRepair(options: DriftRepairOptions): Promise<DriftRepairResult> {
  const { cluster, namespace, secretName, print } = options;
  const timeout = options.timeoutInMs ?? 30_000;
  const core = cluster.admin.makeApiClient(CoreV1Api);
  const watcherUser = options.watcherKubeConfig?.getCurrentUser()?.name;
  await installWatcherManifests(cluster.admin, { objects: 'role', watcherUser: watcherUser ?? null });
  const path = await startWatchPath({
    watcherKubeConfigs: new Map([[cluster.name, options.watcherKubeConfig ?? cluster.admin]]),
    services: options.services,
    namespace,
    log: (line) => options.logLines.push(line),
    timeoutInMs: timeout,
    settleOnStart: true,
  });
  try {
    print('');
    print(
      `Drift repair: watcher (metadata only, as ${watcherUser ?? 'admin'}) -> ` +
        `queue (in-process stand-in for Service Bus) -> onClusterWatchEvent; nobody calls the resync`,
    );
    const original = await core.readNamespacedSecret({ namespace, name: secretName });
    const want = JSON.stringify(original.data ?? {});
    const [firstKey] = Object.keys(original.data ?? {}).sort();
    if (!firstKey) throw new Error(`Secret ${namespace}/${secretName} has no data to tamper with`);

    const t0 = performance.now();
    await core.replaceNamespacedSecret({
      namespace,
      name: secretName,
      body: {
        ...original,
        data: { ...original.data, [firstKey]: Buffer.from('edited-by-hand').toString('base64') },
      },
    });
    print(
      `$ kubectl -n ${namespace} edit secret ${secretName}   # ${cluster.name}: ${firstKey} overwritten by hand`,
    );
    const restoredInMs = await until(
      async () => JSON.stringify((await read(core, namespace, secretName))?.data ?? {}) === want,
      t0,
      timeout,
      `${secretName} to be restored`,
    );
    print(`  restored from the current keys in ${restoredInMs} ms`);

    const t1 = performance.now();
    await core.deleteNamespacedSecret({ namespace, name: secretName });
    print(`$ kubectl -n ${namespace} delete secret ${secretName}   # ${cluster.name}`);
    const recreatedInMs = await until(
      async () => JSON.stringify((await read(core, namespace, secretName))?.data ?? {}) === want,
      t1,
      timeout,
      `${secretName} to be recreated`,
    );
    print(`  recreated in ${recreatedInMs} ms`);
    await path.settle();
    return { restoredInMs, recreatedInMs, messages: path.queue.accepted.length };
  } finally {
    await path.stop();
  }
}

async function read(core: CoreV1Api, namespace: string, name: string) {
  try {
    return await core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

async function until(
  check: () => Promise<boolean>,
  since: number,
  timeoutInMs: number,
  what: string,
): Promise<number> {
  while (!(await check())) {
    if (performance.now() - since > timeoutInMs)
      throw new Error(`timed out after ${timeoutInMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Math.round(performance.now() - since);
}
