/**
 * The in-cluster watcher process: `node watcher/main.ts`. Reads its settings from the environment once
 * (`watcherConfig.ts`), talks to the apiserver as its ServiceAccount (in-cluster config, or `KUBECONFIG`
 * outside a cluster) and sends to Service Bus with workload identity (the webhook injects
 * `AZURE_CLIENT_ID`, `AZURE_TENANT_ID` and `AZURE_FEDERATED_TOKEN_FILE`; no stored credential). Serves
 * `/healthz` and `/metrics`; on SIGTERM it stops watching, flushes what is waiting (5 s) and exits.
 */
import { DefaultAzureCredential, WorkloadIdentityCredential } from '@azure/identity';
import { KubeConfig } from '@kubernetes/client-node';

import { createJsonLogger } from '../shared/logging.ts';
import { ClusterWatcher } from './ClusterWatcher.ts';
import { startHealthServer } from './health.ts';
import { createKubeInformerFactory } from './kubeInformers.ts';
import { connectServiceBusPublisher } from './serviceBusPublisher.ts';
import { loadWatcherConfig } from './watcherConfig.ts';

let config;
try {
  config = loadWatcherConfig();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
const logger = createJsonLogger((_level, line) => process.stdout.write(line + '\n'), config.logLevel);
const kc = new KubeConfig();
kc.loadFromDefault();
const publisher = connectServiceBusPublisher({
  fullyQualifiedNamespace: config.serviceBusNamespace,
  queueName: config.queueName,
  credential: process.env.AZURE_FEDERATED_TOKEN_FILE
    ? new WorkloadIdentityCredential()
    : new DefaultAzureCredential(),
});
const watcher = new ClusterWatcher({
  cluster: config.cluster,
  namespace: config.watchNamespace,
  informers: createKubeInformerFactory(kc),
  publisher,
  logger,
  coalesceMs: config.coalesceMs,
});
const health = await startHealthServer(watcher, config.healthPort);
logger.info(
  { cluster: config.cluster, queue: config.queueName, healthPort: health.port },
  'watcher started; health on /healthz, counters on /metrics',
);
await watcher.start();

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'watcher stopping');
  void (async () => {
    const flushed = await watcher.stop({ flushTimeoutInMs: 5_000 });
    await publisher.close().catch(() => undefined);
    await health.close();
    logger.info({ flushed }, 'watcher stopped');
    process.exit(0);
  })();
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
