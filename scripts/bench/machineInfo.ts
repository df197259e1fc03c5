import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type as osType } from 'node:os';

import { VersionApi } from '@kubernetes/client-node';

import { repoRoot } from '../../testkit/repoRoot.ts';
import type { BenchCluster } from './startBenchEnvironment.ts';

/** What the numbers were measured on. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly kubeApiserver: string;
  readonly azurite: string;
  /** 1-minute load average when the run started (other work on a shared machine shows here). */
  readonly loadAverage: number;
}

/**
 * Describes this machine and the server versions.
 * @param cluster - a cluster to ask for its version (none: `n/a`)
 */
export async function machineInfo(cluster: BenchCluster | undefined): Promise<MachineInfo> {
  let kubeApiserver = 'n/a';
  if (cluster) {
    const v = await cluster.admin.makeApiClient(VersionApi).getCode();
    kubeApiserver = v.gitVersion;
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    kubeApiserver,
    azurite: packageVersion('azurite'),
    loadAverage: loadAverageNow(),
  };
}

/** The 1-minute load average now, rounded to two decimals. */
export function loadAverageNow(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(`${repoRoot}node_modules/${name}/package.json`, 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * One line per fact.
 * @param m - the machine
 * @param clusters - local control planes running on it
 */
export function formatMachine(m: MachineInfo, clusters: number): string[] {
  return [
    `CPU:            ${m.cpuModel}, ${m.cores} cores`,
    `Memory:         ${m.memoryGiB} GiB`,
    `OS:             ${m.os}`,
    `Node.js:        ${m.node}`,
    `kube-apiserver: ${m.kubeApiserver} (+ etcd, RBAC on; ${clusters} local control planes share these cores)`,
    `Azurite:        ${m.azurite}`,
    `Load average:   ${m.loadAverage} (1 min, at the start; ${m.cores} cores)`,
  ];
}
