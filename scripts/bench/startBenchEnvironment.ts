/**
 * The benchmark's world on real parts: the ARM simulator (HTTPS, in-process, ARM's default throttling), the
 * given kube-apiservers with the KeyBinding CRD and the service's RBAC applied by admin, and Azurite tables
 * for the cluster registry and binding index. The engine runs as the `keysync-service` token user exactly as
 * in the integration tests; every cluster is registered by kubeconfig.
 */

import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import type { Services } from '../../shared/createServices.ts';
import { createJsonLogger } from '../../shared/logging.ts';
import type { Logger } from '../../shared/logging.ts';
import type { ArmSimulator } from '../../testkit/armSimulator/ArmSimulator.ts';
import { installEngineManifests, startEngine } from '../../testkit/startEngine.ts';
import type { ClusterDescription } from '../../testkit/startLocalStack.ts';
import { renderKubeconfig } from '../../testkit/renderKubeconfig.ts';
import { CpuMeter } from './CpuMeter.ts';

/** Subscription of every simulated resource. */
export const benchSubscriptionId = '0b0b0b0b-1111-2222-3333-444444444444';
/** Token user the engine runs as. */
export const serviceUser = 'keysync-service';

/** One cluster: admin clients (arranging and observing only) and what the engine is registered with. */
export interface BenchCluster {
  readonly name: string;
  readonly server: string;
  /** PEM of the apiserver's CA. */
  readonly caPem: string;
  /** Bearer token of the admin (metrics, watches). A secret: never print it. */
  readonly adminToken: string;
  readonly admin: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  /** The engine's kubeconfig (`keysync-service`). A secret: never print it. */
  readonly serviceKubeconfig: string;
}

/** Options of {@link startBenchEnvironment}. */
export interface BenchEnvironmentOptions {
  /** Clusters to use: local control planes' descriptions (admin and `keysync-service` tokens needed). */
  readonly clusters: readonly ClusterDescription[];
  readonly azuriteConnectionString: string;
  /** Latency the simulator adds to every ARM request. */
  readonly armLatencyInMs: number;
  /** Prefix of every namespace the benchmark creates; the clusters' allow-lists admit `<prefix>*`. */
  readonly namespacePrefix: string;
  /** Azurite's pid, to meter its CPU time. */
  readonly azuritePid?: number | undefined;
}

/** The running environment. */
export interface BenchEnvironment {
  readonly sim: ArmSimulator;
  readonly clusters: readonly BenchCluster[];
  readonly namespacePrefix: string;
  /** Meters CPU time of this process, the kube-apiservers, etcd and Azurite. */
  readonly cpu: CpuMeter;
  /** Warnings the engine logged (identifiers and counts only). */
  readonly warnings: string[];
  readonly logger: Logger;
  /**
   * Fresh services (a fresh client-side ARM write budget) over the same tables.
   * @param armWritesBurst - the client-side bucket size (default 200, ARM's)
   */
  services(armWritesBurst?: number): Services;
  /** Stops the simulator and removes temporary files (the clusters and Azurite belong to the caller). */
  stop(): Promise<void>;
}

/**
 * Starts the simulator, prepares every cluster and registers it.
 * @param o - clusters, Azurite, ARM latency, namespace prefix
 * @throws Error when a cluster lacks the admin or service token, or set-up fails (the simulator is stopped)
 */
export async function startBenchEnvironment(o: BenchEnvironmentOptions): Promise<BenchEnvironment> {
  const first = o.clusters[0];
  const serviceToken = first?.tokens[serviceUser];
  if (!serviceToken) throw new Error(`cluster ${first?.name ?? '(none)'} has no ${serviceUser} token`);
  const engine = await startEngine({
    serviceToken,
    servicePrincipal: serviceUser,
    sim: { latencyInMs: o.armLatencyInMs },
    azuriteConnectionString: o.azuriteConnectionString,
    uniqueTablesPrefix: 'bench',
  });
  try {
    const clusters = await Promise.all(o.clusters.map(prepareCluster));
    const warnings: string[] = [];
    const logger = createJsonLogger((_level, line) => warnings.push(line), 'warn');
    const services = (armWritesBurst = 200) =>
      engine.createServices({ KEYSYNC_ARM_WRITES_BURST: String(armWritesBurst) });
    const registry = engine.services.clusters;
    for (const c of clusters) {
      await registry.upsert({
        name: c.name,
        kubeconfig: c.serviceKubeconfig,
        allow: [
          { namespaces: `${o.namespacePrefix}*`, resourceIdPrefix: `/subscriptions/${benchSubscriptionId}` },
        ],
      });
    }
    const cpu = new CpuMeter([
      ...o.clusters.flatMap((d) =>
        d.pids
          ? [
              { label: 'kube-apiserver', pid: d.pids.kubeApiserver },
              { label: 'etcd', pid: d.pids.etcd },
            ]
          : [],
      ),
      ...(o.azuritePid ? [{ label: 'azurite', pid: o.azuritePid }] : []),
    ]);
    return {
      sim: engine.sim,
      clusters,
      namespacePrefix: o.namespacePrefix,
      cpu,
      warnings,
      logger,
      services,
      stop: () => engine.stop(),
    };
  } catch (err) {
    await engine.stop();
    throw err;
  }
}

async function prepareCluster(d: ClusterDescription): Promise<BenchCluster> {
  const adminUser = d.adminUser ?? 'admin';
  const adminToken = d.tokens[adminUser];
  const token = d.tokens[serviceUser];
  if (!d.server || !d.caData || !adminToken || !token)
    throw new Error(`cluster ${d.name}: server, CA, ${adminUser} and ${serviceUser} tokens are needed`);
  const render = (userName: string, t: string) =>
    renderKubeconfig({
      clusterName: d.name,
      server: d.server ?? '',
      caData: d.caData ?? '',
      userName,
      token: t,
    });
  const admin = new KubeConfig();
  admin.loadFromString(render(adminUser, adminToken));
  await installEngineManifests(admin);
  return {
    name: d.name,
    server: d.server,
    caPem: Buffer.from(d.caData, 'base64').toString('utf8'),
    adminToken,
    admin,
    core: admin.makeApiClient(CoreV1Api),
    custom: admin.makeApiClient(CustomObjectsApi),
    serviceKubeconfig: render(serviceUser, token),
  };
}
