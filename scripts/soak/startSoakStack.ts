/**
 * The soak's world, on real parts and its own: N local control planes (kube-apiserver + etcd +
 * kube-controller-manager, with an audit log of the service's Secret writes), Azurite, the ARM simulator, a
 * black-hole proxy in front of every apiserver (the service reaches the clusters only through it), a validating
 * admission webhook on the service's Secret writes, the KeyBinding CRD, the service RBAC, the watcher RBAC and
 * the Secret ownership admission policy as the demo applies them, and the real function handlers: onArmEvent
 * behind the local Event Grid endpoint (subscribed to the simulator's system topic), onClusterWatchEvent fed
 * by real ClusterWatchers through an in-process queue, resync over HTTP and on a timer, and the cluster
 * registration endpoint. The engine acts as the low-privilege `keysync-service` user throughout.
 *
 * It starts its own control planes rather than sharing the integration tests' global stack: it restarts
 * apiservers and Azurite, black-holes clusters and registers an admission webhook, none of which other test
 * files running at the same time could tolerate, and it needs an audit policy set at apiserver start.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { InvocationContext as InvocationContextType, Timer } from '@azure/functions';
import { AdmissionregistrationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import { HttpRequest, InvocationContext } from '../../functions/azureFunctions.ts';
import { createClustersHandler } from '../../functions/clusters.ts';
import { createArmEventHandler } from '../../functions/onArmEvent.ts';
import { createWatchEventHandler } from '../../functions/onClusterWatchEvent.ts';
import { createResyncHandler } from '../../functions/resync.ts';
import { createScheduledResyncHandler } from '../../functions/scheduledResync.ts';
import { keyBindingApi } from '../../shared/bindings/KeyBinding.ts';
import { loadConfig } from '../../shared/config.ts';
import { createServices } from '../../shared/createServices.ts';
import type { Services } from '../../shared/createServices.ts';
import type { ResyncReport } from '../../shared/reconcile/SyncReport.ts';
import { createJsonLogger } from '../../shared/logging.ts';
import type { LogSink } from '../../shared/logging.ts';
import { ClusterWatcher } from '../../watcher/ClusterWatcher.ts';
import { createKubeInformerFactory } from '../../watcher/kubeInformers.ts';
import type { QueueConsumer } from '../../testkit/memoryQueue.ts';
import { MemoryQueue } from '../../testkit/memoryQueue.ts';
import { applyManifests, waitForCrd } from '../../testkit/applyManifests.ts';
import { ArmSimulator } from '../../testkit/armSimulator/ArmSimulator.ts';
import type { EventSubscriptionHandle } from '../../testkit/armSimulator/EventBus.ts';
import type { Azurite } from '../../testkit/Azurite.ts';
import { bindLocalWatcherUser } from '../../testkit/bindLocalWatcherUser.ts';
import type { ControlPlane } from '../../testkit/ControlPlane.ts';
import { ADMIN_USER } from '../../testkit/ControlPlane.ts';
import { startEventGridEndpoint } from '../../testkit/eventGridEndpoint.ts';
import type { EventGridEndpoint } from '../../testkit/eventGridEndpoint.ts';
import { renderKubeconfig } from '../../testkit/renderKubeconfig.ts';
import { repoRoot } from '../../testkit/repoRoot.ts';
import { startLocalStack } from '../../testkit/startLocalStack.ts';
import type { LocalStack } from '../../testkit/startLocalStack.ts';
import { AuditLogReader, secretWriteAuditPolicy } from '../../testkit/AuditLogReader.ts';
import { BlackholeProxy } from './BlackholeProxy.ts';
import { SecretWriteWebhook } from './SecretWriteWebhook.ts';

/** The service identity's user name in the clusters and principal name in the simulator. */
export const serviceUser = 'keysync-service';
/** Subscription of every simulated resource. */
export const soakSubscriptionId = '50a50a50-1111-4222-8333-444444444444';
/** Label that puts a namespace in the soak's scope (webhook namespaceSelector). */
export const soakNamespaceLabel = { key: 'keysync.dev/soak', value: 'true' } as const;
/** How long the apiserver waits for the webhook before failing the write (its hang fault sleeps longer). */
export const webhookTimeoutSeconds = 2;

/** One cluster of the soak. */
export interface SoakCluster {
  readonly name: string;
  readonly controlPlane: ControlPlane;
  /** Admin access: arranging, observing and hand edits only, never the engine. */
  readonly admin: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  /** The only way the service reaches this cluster. */
  readonly proxy: BlackholeProxy;
  readonly audit: AuditLogReader;
  /** How the cluster is registered. */
  readonly registration: 'aks' | 'kubeconfig';
}

/** The running world. */
export interface SoakStack {
  readonly clusters: readonly SoakCluster[];
  readonly namespaces: readonly string[];
  readonly azurite: Azurite;
  readonly sim: ArmSimulator;
  readonly webhook: SecretWriteWebhook;
  readonly services: Services;
  readonly subscription: EventSubscriptionHandle;
  readonly endpoint: EventGridEndpoint;
  readonly queue: MemoryQueue;
  readonly watchers: readonly ClusterWatcher[];
  /** Every line any handler, the endpoint or a watcher logged. */
  readonly logLines: string[];
  /** Every HTTP answer body of the run (resync reports, registration summaries). */
  readonly httpBodies: string[];
  /** Stops (true) or restarts (false) the watch queue's consumer: messages wait, as in a Functions outage. */
  setWatchConsumerPaused(paused: boolean): Promise<void>;
  /** `POST /api/resync` through the real HTTP handler. */
  resync(body: Record<string, unknown>): Promise<{ status: number; report: ResyncReport | undefined }>;
  /** The timer-triggered full resync, through the real handler (no jitter). */
  scheduledResync(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startSoakStack}. */
export interface SoakStackOptions {
  readonly clusters: number;
  readonly namespaces: number;
  readonly progress: (line: string) => void;
}

/**
 * Starts everything and registers every cluster (the first as an AKS cluster through the simulator, the others
 * by kubeconfig), all pointing at their proxies.
 * @param o - how many clusters and namespaces, progress output
 * @throws Error when a part does not start (what started is stopped)
 */
export async function startSoakStack(o: SoakStackOptions): Promise<SoakStack> {
  const names = ['cluster-a', 'cluster-b', 'cluster-c'].slice(0, o.clusters);
  const cleanups: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const local: LocalStack = await startLocalStack({
      clusters: names.map((name) => ({
        name,
        controllerManager: true,
        auditPolicy: secretWriteAuditPolicy(serviceUser),
      })),
      onProgress: o.progress,
    });
    cleanups.push(() => local.stop());
    const azurite = local.azurite;
    if (!azurite) throw new Error('Azurite did not start');
    const first = local.clusters.get(names[0] ?? '');
    if (!first) throw new Error('no control plane started');
    const serviceToken = first.tokenFor(serviceUser);

    const webhook = await SecretWriteWebhook.start({ serviceUser, timeoutSeconds: webhookTimeoutSeconds });
    cleanups.push(() => webhook.stop());
    const sim = await ArmSimulator.start({ tokens: { [serviceToken]: serviceUser }, lroDurationInMs: 1_000 });
    cleanups.push(() => sim.stop());
    const dir = await mkdtemp(join(tmpdir(), 'keysync-soak-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'arm-ca.pem'), sim.caPem, { mode: 0o600 });

    const namespaces = Array.from({ length: o.namespaces }, (_, i) => `soak-${i + 1}`);
    const clusters: SoakCluster[] = [];
    for (const [i, name] of names.entries()) {
      const cp = local.clusters.get(name);
      if (!cp) throw new Error(`control plane ${name} did not start`);
      const proxy = await BlackholeProxy.start(cp.server);
      cleanups.push(() => proxy.stop());
      const admin = new KubeConfig();
      admin.loadFromString(cp.kubeconfigYaml(ADMIN_USER));
      await prepareCluster(admin, namespaces, webhook, name);
      clusters.push({
        name,
        controlPlane: cp,
        admin,
        core: admin.makeApiClient(CoreV1Api),
        custom: admin.makeApiClient(CustomObjectsApi),
        proxy,
        audit: new AuditLogReader(name, cp.auditLogPath ?? join(cp.workDir, 'logs', 'audit.log')),
        registration: i === 0 ? 'aks' : 'kubeconfig',
      });
    }
    o.progress(
      `CRD, RBAC, ownership policy, webhook and namespaces ${namespaces.join(', ')} in ${names.join(', ')}`,
    );

    const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
    const services = createServices(
      loadConfig({
        KEYSYNC_ARM_ENDPOINT: sim.url,
        KEYSYNC_ARM_CA_FILE: join(dir, 'arm-ca.pem'),
        KEYSYNC_TABLES_CONNECTION_STRING: azurite.connectionString,
        KEYSYNC_CLUSTERS_TABLE: `soakclusters${suffix}`,
        KEYSYNC_BINDINGS_TABLE: `soakbindings${suffix}`,
        KEYSYNC_DEV_BEARER_TOKEN: serviceToken,
        KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS: 'true',
      }),
    );
    const provider = () => Promise.resolve(services);
    const logLines: string[] = [];
    const httpBodies: string[] = [];
    const context = (
      functionName: string,
      extra: Partial<ConstructorParameters<typeof InvocationContext>[0]> = {},
    ) =>
      new InvocationContext({
        functionName,
        logHandler: (_level, ...args) => logLines.push(args.map(String).join(' ')),
        ...extra,
      });
    const http = async (
      handler: (
        req: InstanceType<typeof HttpRequest>,
        ctx: InvocationContextType,
      ) => Promise<{ status?: number; jsonBody?: unknown }>,
      method: string,
      path: string,
      body: unknown,
    ) => {
      const res = await handler(
        new HttpRequest({ method, url: `http://localhost${path}`, body: { string: JSON.stringify(body) } }),
        context(path),
      );
      const text = JSON.stringify(res.jsonBody ?? null);
      httpBodies.push(text);
      return { status: res.status ?? 200, body: res.jsonBody };
    };

    const clustersHandler = createClustersHandler(provider);
    for (const c of clusters) {
      const body = registrationOf(c, sim);
      const res = await http(clustersHandler, 'PUT', '/api/clusters', body);
      if (res.status !== 200) throw new Error(`registering ${c.name} failed with HTTP ${res.status}`);
    }
    o.progress(
      `registered ${clusters.map((c) => `${c.name} (${c.registration}, via its proxy)`).join(', ')}`,
    );

    const endpoint = await startEventGridEndpoint(createArmEventHandler(provider), (l) => logLines.push(l));
    cleanups.push(() => endpoint.stop());
    const subscription = sim.subscribeEvents({ url: endpoint.url, name: 'keysync-soak' });
    cleanups.push(() => Promise.resolve(subscription.unsubscribe()));

    const queue = new MemoryQueue();
    // The queue also takes the handler's delayed retries (Service Bus scheduled messages in Azure).
    const watchHandler = createWatchEventHandler(() =>
      Promise.resolve({ ...services, watchRedelivery: queue }),
    );
    const consume = () =>
      queue.startConsumer((body, meta) =>
        watchHandler(
          body,
          context('onClusterWatchEvent', {
            invocationId: meta.messageId,
            triggerMetadata: { ...meta },
          }),
        ),
      );
    let consumer: QueueConsumer | undefined = consume();
    cleanups.push(async () => consumer?.stop());
    const watchers = await startWatchers(clusters, queue, (_l, line) => logLines.push(line));
    for (const w of watchers) cleanups.push(() => w.stop({ flushTimeoutInMs: 500 }));
    o.progress('watch path running: ClusterWatcher per cluster -> in-process queue -> onClusterWatchEvent');

    const resyncHandler = createResyncHandler(provider);
    const scheduled = createScheduledResyncHandler(provider, 0);
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: '', next: '', lastUpdated: '' },
    };
    return {
      clusters,
      namespaces,
      azurite,
      sim,
      webhook,
      services,
      subscription,
      endpoint,
      queue,
      watchers,
      logLines,
      httpBodies,
      async setWatchConsumerPaused(paused) {
        if (paused && consumer) {
          const c = consumer;
          consumer = undefined;
          await c.stop();
        } else if (!paused && !consumer) {
          consumer = consume();
        }
      },
      async resync(body) {
        const res = await http(resyncHandler, 'POST', '/api/resync', body);
        return { status: res.status, report: res.status === 200 ? (res.body as ResyncReport) : undefined };
      },
      async scheduledResync() {
        await scheduled(timer, context('scheduledResync'));
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * A ClusterWatcher per cluster (all namespaces, as `keysync-watcher`, straight to the apiserver: the watcher runs
 * in the cluster, the service's black hole does not concern it), publishing to the queue; waits until synced.
 */
async function startWatchers(
  clusters: readonly SoakCluster[],
  queue: MemoryQueue,
  sink: LogSink,
): Promise<ClusterWatcher[]> {
  const logger = createJsonLogger(sink, 'info');
  const watchers = clusters.map((c) => {
    const kc = new KubeConfig();
    kc.loadFromString(c.controlPlane.kubeconfigYaml('keysync-watcher'));
    return new ClusterWatcher({
      cluster: c.name,
      informers: createKubeInformerFactory(kc),
      publisher: queue,
      logger,
    });
  });
  try {
    for (const w of watchers) await w.start();
    for (const w of watchers) await w.waitUntilSynced(60_000);
  } catch (err) {
    await Promise.all(watchers.map((w) => w.stop({ flushTimeoutInMs: 0 })));
    throw err;
  }
  return watchers;
}

/**
 * The body of `PUT /api/clusters` for a soak cluster: the first as an AKS cluster (the simulator resolves its
 * server to the proxy), the others by a kubeconfig of `keysync-service` pointing at the proxy.
 */
function registrationOf(c: SoakCluster, sim: ArmSimulator): unknown {
  const allow = [{ namespaces: 'soak-*', resourceIdPrefix: `/subscriptions/${soakSubscriptionId}` }];
  if (c.registration === 'aks') {
    const aksId = `/subscriptions/${soakSubscriptionId}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/${c.name}`;
    sim.addManagedCluster({ id: aksId, server: c.proxy.url, caPem: c.controlPlane.caPem });
    return { name: c.name, aksResourceId: aksId, allow };
  }
  const kubeconfig = renderKubeconfig({
    clusterName: c.name,
    server: c.proxy.url,
    caData: c.controlPlane.caData,
    userName: serviceUser,
    token: c.controlPlane.tokenFor(serviceUser),
  });
  return { name: c.name, allow, kubeconfig };
}

/** CRD, RBAC (service and watcher), the ownership policy, the webhook and the soak's namespaces, as admin. */
async function prepareCluster(
  admin: KubeConfig,
  namespaces: readonly string[],
  webhook: SecretWriteWebhook,
  cluster: string,
): Promise<void> {
  await applyManifests(admin, join(repoRoot, 'infra/k8s/keybinding-crd.yaml'));
  await applyManifests(admin, join(repoRoot, 'infra/k8s/service-rbac.yaml'));
  await applyManifests(admin, join(repoRoot, 'infra/k8s/watcher.yaml'));
  await applyManifests(admin, join(repoRoot, 'infra/k8s/secret-ownership-policy.yaml'));
  await bindLocalWatcherUser(admin, 'keysync-watcher');
  await waitForCrd(admin, `${keyBindingApi.plural}.${keyBindingApi.group}`);
  await admin
    .makeApiClient(AdmissionregistrationV1Api)
    .createValidatingWebhookConfiguration({ body: webhook.configurationFor(cluster, soakNamespaceLabel) });
  const core = admin.makeApiClient(CoreV1Api);
  for (const name of namespaces) {
    await core.createNamespace({
      body: { metadata: { name, labels: { [soakNamespaceLabel.key]: soakNamespaceLabel.value } } },
    });
  }
}
