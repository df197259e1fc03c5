import { join } from 'node:path';
import { freePort } from './freePort.ts';
import { httpStatus } from './httpStatus.ts';
import type { OwnedWorkDir } from './ownedWorkDir.ts';
import { retryOnPortClash, startComponent } from './startComponent.ts';
import type { StartedComponent } from './startComponent.ts';

/** Options of {@link startEtcd}. */
export interface StartEtcdOptions {
  /** Label prefix, the control plane's name. */
  readonly name: string;
  /** Path of the etcd binary. */
  readonly etcd: string;
  /** Instance directory: data goes to `<dir>/etcd`, the log to `<dir>/logs/etcd.log`. */
  readonly workDir: OwnedWorkDir;
  /** Bound of the readiness wait. */
  readonly timeoutMs: number;
}

/** A running single-member etcd. */
export interface StartedEtcd extends StartedComponent {
  /** Client URL, `http://127.0.0.1:<port>`. */
  readonly clientUrl: string;
}

/**
 * Starts a single-member etcd on free loopback ports with `--unsafe-no-fsync` (test data only) and waits
 * for `/health` to answer 200.
 */
export async function startEtcd(options: StartEtcdOptions): Promise<StartedEtcd> {
  return retryOnPortClash(async () => {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const started = await startComponent({
      label: `${options.name}/etcd`,
      command: options.etcd,
      args: [
        `--name=${options.name}`,
        `--data-dir=${join(options.workDir.path, 'etcd')}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=${options.name}=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      logFile: join(options.workDir.path, 'logs', 'etcd.log'),
      workDir: options.workDir,
      timeoutMs: options.timeoutMs,
      isReady: async () => (await httpStatus(`${clientUrl}/health`)) === 200,
    });
    return { ...started, clientUrl };
  });
}
