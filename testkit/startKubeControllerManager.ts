import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OwnedWorkDir } from './ownedWorkDir.ts';
import { startComponent } from './startComponent.ts';
import type { StartedComponent } from './startComponent.ts';

/** Options of {@link startKubeControllerManager}. */
export interface StartKubeControllerManagerOptions {
  /** Label prefix, the control plane's name. */
  readonly name: string;
  /** Path of the kube-controller-manager binary. */
  readonly kubeControllerManager: string;
  /** Instance directory; the log goes to `<dir>/logs/kube-controller-manager.log`. */
  readonly workDir: OwnedWorkDir;
  /** A kubeconfig with `system:masters` rights (file mode 0600). */
  readonly kubeconfigPath: string;
  /** Bound of the readiness wait. */
  readonly timeoutMs: number;
}

/** Log line the garbage collector prints once its informers are synced and it starts collecting. */
const GC_SYNCED = /resource monitors have synced|Proceeding to collect garbage/;

/**
 * Starts kube-controller-manager with only the garbage collector (ownerReference clean-up) and the
 * namespace controller (so deleted namespaces go away), no leader election and no serving port, and waits
 * until the garbage collector reports its resource monitors synced.
 */
export async function startKubeControllerManager(
  options: StartKubeControllerManagerOptions,
): Promise<StartedComponent> {
  const logFile = join(options.workDir.path, 'logs', 'kube-controller-manager.log');
  return startComponent({
    label: `${options.name}/kube-controller-manager`,
    command: options.kubeControllerManager,
    args: [
      `--kubeconfig=${options.kubeconfigPath}`,
      '--controllers=garbagecollector,namespace',
      '--leader-elect=false',
      '--secure-port=0',
    ],
    logFile,
    workDir: options.workDir,
    timeoutMs: options.timeoutMs,
    intervalMs: 200,
    isReady: async () => GC_SYNCED.test(await readFile(logFile, 'utf8')),
  });
}
