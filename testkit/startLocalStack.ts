/**
 * The whole local stack in one call: N independent control planes (started in parallel) and one Azurite,
 * as the integration tests' global set-up and the demo use it, plus a JSON-serialisable description that
 * hands servers, CA data and tokens to other processes (jest workers).
 */
import { performance } from 'node:perf_hooks';
import { startAzurite } from './Azurite.ts';
import type { Azurite } from './Azurite.ts';
import { ADMIN_USER, startControlPlane } from './ControlPlane.ts';
import type { ControlPlane, ControlPlanePids, ControlPlaneTimings } from './ControlPlane.ts';
import { ensureKubeBinaries } from './kubeBinaries.ts';
import type { KubeBinaries } from './kubeBinaries.ts';
import { defaultTestUsers } from './TokenUser.ts';
import type { TokenUser } from './TokenUser.ts';

/** One cluster to start. */
export interface LocalClusterSpec {
  /** Cluster name, such as `cluster-a`. */
  readonly name: string;
  /** Run kube-controller-manager (garbage collection, namespace deletion). Ignored without the binary. */
  readonly controllerManager?: boolean;
  /** An audit policy for its kube-apiserver (see `ControlPlaneOptions.auditPolicy`). */
  readonly auditPolicy?: string;
}

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Clusters to start; none is allowed (Azurite only). */
  readonly clusters: readonly LocalClusterSpec[];
  /** Token users of every cluster besides the admin; {@link defaultTestUsers} by default. */
  readonly users?: readonly TokenUser[];
  /** Start Azurite too; `true` by default. */
  readonly azurite?: boolean;
  /** Root of the instance directories (see `startControlPlane`). */
  readonly workDir?: string;
  /** Already provisioned binaries; `ensureKubeBinaries()` is called when clusters are wanted and this is absent. */
  readonly binaries?: KubeBinaries;
  /** Progress lines (no secrets); silent by default. Also passed to `ensureKubeBinaries`. */
  readonly onProgress?: (line: string) => void;
}

/** What another process needs to reach one cluster. Holds tokens: write it with mode 0600, never log it. */
export interface ClusterDescription {
  /** Cluster name. */
  readonly name: string;
  /** `https://127.0.0.1:<port>`, or absent for an external cluster. */
  readonly server?: string;
  /** Base64 PEM to trust for `server`. */
  readonly caData?: string;
  /** Name of the `system:masters` user in `tokens`. */
  readonly adminUser?: string;
  /** User name -> bearer token, admin included. Empty for an external cluster. */
  readonly tokens: Readonly<Record<string, string>>;
  /** Whether kube-controller-manager runs (ownerReference garbage collection works). */
  readonly controllerManager: boolean;
  /** Pids of the local components. */
  readonly pids?: ControlPlanePids;
  /** Start-up timings of the local components. */
  readonly timings?: ControlPlaneTimings;
  /** Set for a cluster reached through a kubeconfig file instead of a local control plane. */
  readonly external?: { readonly kubeconfigPath: string; readonly context: string | undefined };
}

/** A JSON-serialisable description of a running local stack. Holds tokens: mode 0600, never log it. */
export interface LocalStackDescription {
  /** Format version of this description. */
  readonly version: 1;
  /** ISO time of creation. */
  readonly createdAt: string;
  /** Pid of the process that owns the stack. */
  readonly ownerPid: number;
  /** Clusters by name. */
  readonly clusters: Readonly<Record<string, ClusterDescription>>;
  /** The Azurite Table service, if started. */
  readonly azurite?: {
    readonly tableEndpoint: string;
    readonly connectionString: string;
    readonly pid: number;
  };
  /** Where the Kubernetes binaries are (for kubectl in tests), if clusters were started locally. */
  readonly binariesDir?: string;
}

/** A running local stack. */
export interface LocalStack {
  /** Control planes by name. */
  readonly clusters: ReadonlyMap<string, ControlPlane>;
  /** Azurite, if started. */
  readonly azurite: Azurite | undefined;
  /** The binaries used, if clusters were started. */
  readonly binaries: KubeBinaries | undefined;
  /** The description to hand to other processes. */
  describe(): LocalStackDescription;
  /** Stops everything (clusters and Azurite in parallel). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the clusters (in parallel) and Azurite. If any part fails, the parts already started are stopped
 * and the first error is thrown.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const progress = options.onProgress ?? (() => undefined);
  const t0 = performance.now();
  const binaries =
    options.binaries ??
    (options.clusters.length > 0 ? await ensureKubeBinaries({ onProgress: progress }) : undefined);
  const users = options.users ?? defaultTestUsers;
  const clustersDone = Promise.allSettled(
    options.clusters.map(async (spec) => {
      if (!binaries) throw new Error('unreachable: no binaries');
      return startControlPlane({
        name: spec.name,
        binaries,
        users,
        controllerManager: (spec.controllerManager ?? false) && binaries.controllerManagerAvailable,
        workDir: options.workDir,
        onProgress: progress,
        ...(spec.auditPolicy ? { auditPolicy: spec.auditPolicy } : {}),
      });
    }),
  );
  const azuriteDone = Promise.allSettled([
    options.azurite === false ? undefined : startAzurite({ workDir: options.workDir, onProgress: progress }),
  ]);
  const [clusterResults, [azuriteResult]] = await Promise.all([clustersDone, azuriteDone]);
  const planes = clusterResults.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const azurite = azuriteResult?.status === 'fulfilled' ? azuriteResult.value : undefined;
  const failure = [...clusterResults, azuriteResult].find((r) => r?.status === 'rejected');
  if (failure?.status === 'rejected') {
    await Promise.allSettled([...planes, ...(azurite ? [azurite] : [])].map(async (p) => p.stop()));
    throw failure.reason;
  }
  const clusters = new Map(planes.map((cp) => [cp.name, cp]));
  progress(`local stack ready in ${Math.round(performance.now() - t0)} ms`);
  return new RunningLocalStack(clusters, azurite, binaries);
}

class RunningLocalStack implements LocalStack {
  readonly clusters: ReadonlyMap<string, ControlPlane>;
  readonly azurite: Azurite | undefined;
  readonly binaries: KubeBinaries | undefined;
  #stopping: Promise<void> | undefined;

  constructor(
    clusters: ReadonlyMap<string, ControlPlane>,
    azurite: Azurite | undefined,
    binaries?: KubeBinaries,
  ) {
    this.clusters = clusters;
    this.azurite = azurite;
    this.binaries = binaries;
  }

  describe(): LocalStackDescription {
    const clusters: Record<string, ClusterDescription> = {};
    for (const cp of this.clusters.values()) clusters[cp.name] = describeControlPlane(cp);
    return {
      version: 1,
      createdAt: new Date().toISOString(),
      ownerPid: process.pid,
      clusters,
      azurite: this.azurite && {
        tableEndpoint: this.azurite.tableEndpoint,
        connectionString: this.azurite.connectionString,
        pid: this.azurite.pid,
      },
      binariesDir: this.binaries?.dir,
    };
  }

  async stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const parts = [...this.clusters.values(), ...(this.azurite ? [this.azurite] : [])];
      const results = await Promise.allSettled(parts.map(async (p) => p.stop()));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (errors.length > 0) throw new AggregateError(errors, 'local stack: some parts did not stop');
    })();
    return this.#stopping;
  }
}

/** The {@link ClusterDescription} of a running control plane. */
export function describeControlPlane(cp: ControlPlane): ClusterDescription {
  return {
    name: cp.name,
    server: cp.server,
    caData: cp.caData,
    adminUser: ADMIN_USER,
    tokens: Object.fromEntries(cp.userNames.map((u) => [u, cp.tokenFor(u)])),
    controllerManager: cp.pids().kubeControllerManager !== undefined,
    pids: cp.pids(),
    timings: cp.timings,
  };
}
