import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';

import { keyBindingApi } from '../../shared/bindings/KeyBinding.ts';
import type { ArmSimulator } from '../../testkit/armSimulator/ArmSimulator.ts';
import { installEngineManifests } from '../../testkit/startEngine.ts';
import type { DemoCluster } from './DemoCluster.ts';

/** The demo's simulated subscription and resources. */
export const demo = {
  subscriptionId: '0b1d0000-0000-4000-8000-00000000de30',
  resourceGroup: 'rg-orders',
  namespace: 'orders',
  storage: 'stordersprod',
  cosmos: 'cosmos-orders',
  redis: 'redis-orders',
} as const;

const rgId = `/subscriptions/${demo.subscriptionId}/resourceGroups/${demo.resourceGroup}`;
/** ARM IDs of the demo resources. */
export const demoIds = {
  resourceGroup: rgId,
  storage: `${rgId}/providers/Microsoft.Storage/storageAccounts/${demo.storage}`,
  cosmos: `${rgId}/providers/Microsoft.DocumentDB/databaseAccounts/${demo.cosmos}`,
  redis: `${rgId}/providers/Microsoft.Cache/Redis/${demo.redis}`,
};

/** Creates the Storage account, Cosmos DB account and Redis cache on the simulator. */
export function seedResources(sim: ArmSimulator): void {
  const at = { subscriptionId: demo.subscriptionId, resourceGroup: demo.resourceGroup };
  sim.addStorageAccount({ ...at, name: demo.storage });
  sim.addCosmosAccount({ ...at, name: demo.cosmos });
  sim.addRedisCache({ ...at, name: demo.redis });
}

/** The sample bindings: the storage account in every cluster, Cosmos DB and Redis in one each. */
export function sampleBindings(clusterIndex: number): Array<{ name: string; spec: unknown }> {
  const storage = {
    name: 'orders-storage',
    spec: {
      resourceId: demoIds.storage,
      secrets: {
        primaryKey: { name: 'orders-storage', key: 'AZURE_STORAGE_KEY' },
        primaryConnectionString: { name: 'orders-storage', key: 'AZURE_STORAGE_CONNECTION_STRING' },
        blobEndpoint: { name: 'orders-storage', key: 'BLOB_ENDPOINT' },
        secondaryKey: { name: 'orders-storage-fallback', key: 'KEY' },
      },
    },
  };
  const cosmos = {
    name: 'orders-cosmos',
    spec: {
      resourceId: demoIds.cosmos,
      secrets: {
        primaryMasterKey: { name: 'orders-cosmos', key: 'COSMOS_KEY' },
        documentEndpoint: { name: 'orders-cosmos', key: 'COSMOS_ENDPOINT' },
        primaryReadonlyConnectionString: { name: 'orders-cosmos-readonly', key: 'COSMOS_CONNECTION_STRING' },
      },
    },
  };
  const redis = {
    name: 'orders-redis',
    spec: {
      resourceId: demoIds.redis,
      secrets: {
        primaryConnectionString: { name: 'orders-redis', key: 'REDIS_CONNECTION_STRING' },
        hostName: { name: 'orders-redis', key: 'REDIS_HOST' },
      },
    },
  };
  return clusterIndex === 0 ? [storage, cosmos] : [storage, redis];
}

/** Installs the CRD and the service's RBAC, creates the demo namespace and the sample bindings. */
export async function seedCluster(cluster: DemoCluster, index: number): Promise<void> {
  await installEngineManifests(cluster.admin);
  const core = cluster.admin.makeApiClient(CoreV1Api);
  const custom = cluster.admin.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: demo.namespace } } }).catch(ignoreConflict);
  for (const b of sampleBindings(index)) {
    const body = {
      apiVersion: keyBindingApi.apiVersion,
      kind: keyBindingApi.kind,
      metadata: { name: b.name },
      spec: b.spec,
    };
    const crd = {
      group: keyBindingApi.group,
      version: keyBindingApi.version,
      plural: keyBindingApi.plural,
      namespace: demo.namespace,
    };
    await custom.createNamespacedCustomObject({ ...crd, body }).catch(ignoreConflict);
  }
}

function ignoreConflict(err: unknown): void {
  if ((err as { code?: number }).code !== 409) throw err;
}
