import { createArmEventHandler } from '../../functions/onArmEvent.ts';
import { resourceTypeInfo } from '../../testkit/armSimulator/resourceTypes.ts';
import { startEventGridEndpoint } from '../../testkit/eventGridEndpoint.ts';
import { installWatcherManifests, startWatchPath, type WatchPath } from '../../testkit/startWatchPath.ts';
import type { DemoEnvironment } from './DemoCluster.ts';
import type { LiveDemo } from './runDemo.ts';
import { demo, demoIds } from './seedDemo.ts';

import { readyLine, tryItCommands } from './tryItCommands.ts';

/** Options of {@link keepRunning}. */
export interface KeepRunningOptions {
  readonly live: LiveDemo;
  readonly env: DemoEnvironment;
  readonly print: (line: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  readonly stopRequested: Promise<unknown>;
}

/**
 * `npm run demo -- --keep`, after the demo: both paths of the service keep running as in Azure, so a user can
 * try it by hand. ARM events go from the simulator's system topic to the local Event Grid endpoint and
 * `onArmEvent`; in every cluster a watcher (all namespaces) feeds `onClusterWatchEvent` through an in-process
 * queue. Prints the admin kubeconfigs and commands to try, then the handlers' log lines (IDs and counts, no
 * key material: see the demo's key-material check) as they come, until `stopRequested` resolves; then stops
 * what it started.
 * @param options - the live demo, its clusters, output, and the stop request
 */
export async function keepRunning(options: KeepRunningOptions): Promise<void> {
  const { live, env, print } = options;
  const provider = () => Promise.resolve(live.services);
  // The handlers' activity from the ready line on (the watchers' initial listing is only noise here).
  let ready = false;
  const log = (source: string) => (line: string) => {
    if (ready) print(`  [${source}] ${compactLogLine(line)}`);
  };
  const endpoint = await startEventGridEndpoint(createArmEventHandler(provider), log('onArmEvent'));
  const subscription = live.sim.subscribeEvents({ url: endpoint.url });
  const paths: WatchPath[] = [];
  try {
    for (const cluster of env.clusters) {
      const watcherUser = cluster.watcher?.getCurrentUser()?.name;
      await installWatcherManifests(cluster.admin, { objects: 'role', watcherUser: watcherUser ?? null });
      paths.push(
        await startWatchPath({
          watcherKubeConfigs: new Map([[cluster.name, cluster.watcher ?? cluster.admin]]),
          services: live.services,
          log: log(`onClusterWatchEvent ${cluster.name}`),
          timeoutInMs: 30_000,
          settleOnStart: true,
        }),
      );
    }
    print('');
    print(
      `Still running: ${env.clusters.length === 1 ? 'the cluster' : `${env.clusters.length} clusters`}, Azurite, ` +
        `the ARM simulator (${live.sim.url}) -> Event Grid -> onArmEvent, and in every cluster ` +
        'a watcher -> queue -> onClusterWatchEvent.',
    );
    const storage = resourceTypeInfo('Microsoft.Storage', 'storageAccounts');
    const lines = tryItCommands({
      kubectl: env.kubectl ?? 'kubectl',
      clusters: env.clusters.flatMap((c) =>
        c.adminKubeconfigPath ? [{ name: c.name, kubeconfig: c.adminKubeconfigPath }] : [],
      ),
      namespace: demo.namespace,
      arm: { url: live.sim.url, caFile: live.armCaFile, token: live.userToken },
      storage: { id: demoIds.storage, apiVersion: storage?.apiVersion ?? '', secret: 'orders-storage' },
      redisId: demoIds.redis,
    });
    for (const line of lines) print(line);
    print('');
    print(readyLine);
    ready = true;
    await options.stopRequested;
    ready = false;
    print('');
    print('Stopping the handlers, the watchers, the simulator, Azurite and the clusters...');
  } finally {
    subscription.unsubscribe();
    await Promise.allSettled([endpoint.stop(), ...paths.map(async (p) => p.stop())]);
  }
}

/** A handler's JSON log line as `msg: key=value, ...`, without the invocation and message IDs. */
function compactLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return line;
  const fields = Object.entries(entry as Record<string, unknown>)
    .filter(([k]) => !['msg', 'invocationId', 'messageId'].includes(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const msg = (entry as { msg?: unknown }).msg;
  return `${typeof msg === 'string' ? msg : 'log'}${fields.length > 0 ? `: ${fields.join(', ')}` : ''}`;
}
