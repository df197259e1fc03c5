import { keyBytes, type ResourceStore } from './ResourceStore.ts';
import type {
  SimCosmosAccount,
  SimManagedCluster,
  SimRedisCache,
  SimStorageAccount,
  StorageEndpoints,
} from './simResources.ts';

/** Where a new resource lives. */
export interface ResourcePlacement {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** Azure region; default `westeurope`. */
  location?: string;
}

/** A new storage account. */
export interface StorageAccountSpec extends ResourcePlacement {
  /** Omit to leave it unset (ARM then omits it and shared keys are allowed). */
  allowSharedKeyAccess?: boolean;
  /** Override endpoints (e.g. Azurite's); default `https://<name>.<service>.core.windows.net/`. */
  primaryEndpoints?: StorageEndpoints;
}

/** A new Cosmos DB account. */
export interface CosmosAccountSpec extends ResourcePlacement {
  disableLocalAuth?: boolean;
  /** Default `https://<name>.documents.azure.com:443/`. */
  documentEndpoint?: string;
}

/** A new Azure Cache for Redis. */
export interface RedisCacheSpec extends ResourcePlacement {
  disableAccessKeyAuthentication?: boolean;
  enableNonSslPort?: boolean;
  /** Default `<name>.redis.cache.windows.net`. */
  hostName?: string;
}

/** A new AKS cluster backed by a local control plane. */
export interface ManagedClusterSpec {
  /** ARM ID of the cluster (`.../providers/Microsoft.ContainerService/managedClusters/<name>`). */
  id: string;
  /** API server URL of the local control plane. */
  server: string;
  /** PEM of the CA that signed the control plane's serving certificate. */
  caPem: string;
  location?: string;
}

function idOf(p: ResourcePlacement, namespaceAndType: string): string {
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/${namespaceAndType}/${p.name}`;
}

function placement(p: ResourcePlacement, namespaceAndType: string) {
  return {
    id: idOf(p, namespaceAndType),
    subscriptionId: p.subscriptionId,
    resourceGroup: p.resourceGroup,
    name: p.name,
    location: p.location ?? 'westeurope',
  };
}

/** A storage account with fresh keys. */
export function newStorageAccount(store: ResourceStore, spec: StorageAccountSpec): SimStorageAccount {
  const n = spec.name;
  return {
    kind: 'storage',
    ...placement(spec, 'Microsoft.Storage/storageAccounts'),
    allowSharedKeyAccess: spec.allowSharedKeyAccess,
    primaryEndpoints: spec.primaryEndpoints ?? {
      blob: `https://${n}.blob.core.windows.net/`,
      queue: `https://${n}.queue.core.windows.net/`,
      table: `https://${n}.table.core.windows.net/`,
      file: `https://${n}.file.core.windows.net/`,
      web: `https://${n}.z6.web.core.windows.net/`,
      dfs: `https://${n}.dfs.core.windows.net/`,
    },
    keys: { key1: store.newStorageKey(), key2: store.newStorageKey() },
  };
}

/** A Cosmos DB account with fresh keys. */
export function newCosmosAccount(store: ResourceStore, spec: CosmosAccountSpec): SimCosmosAccount {
  return {
    kind: 'cosmos',
    ...placement(spec, 'Microsoft.DocumentDB/databaseAccounts'),
    documentEndpoint: spec.documentEndpoint ?? `https://${spec.name}.documents.azure.com:443/`,
    disableLocalAuth: spec.disableLocalAuth,
    keys: {
      primaryMasterKey: store.newKey(keyBytes.cosmos),
      secondaryMasterKey: store.newKey(keyBytes.cosmos),
      primaryReadonlyMasterKey: store.newKey(keyBytes.cosmos),
      secondaryReadonlyMasterKey: store.newKey(keyBytes.cosmos),
    },
  };
}

/** A Redis cache with fresh keys. */
export function newRedisCache(store: ResourceStore, spec: RedisCacheSpec): SimRedisCache {
  return {
    kind: 'redis',
    ...placement(spec, 'Microsoft.Cache/redis'),
    hostName: spec.hostName ?? `${spec.name}.redis.cache.windows.net`,
    port: 6379,
    sslPort: 6380,
    enableNonSslPort: spec.enableNonSslPort ?? false,
    disableAccessKeyAuthentication: spec.disableAccessKeyAuthentication,
    keys: { primaryKey: store.newKey(keyBytes.redis), secondaryKey: store.newKey(keyBytes.redis) },
  };
}

const clusterIdPattern =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)$/i;

/**
 * An AKS cluster record.
 * @throws Error when `spec.id` is not a managed-cluster ID
 */
export function newManagedCluster(spec: ManagedClusterSpec): SimManagedCluster {
  const m = clusterIdPattern.exec(spec.id);
  if (!m) throw new Error(`'${spec.id}' is not a Microsoft.ContainerService/managedClusters resource ID`);
  const [, subscriptionId, resourceGroup, name] = m as unknown as [string, string, string, string];
  return {
    kind: 'managedCluster',
    id: spec.id,
    subscriptionId,
    resourceGroup,
    name,
    location: spec.location ?? 'westeurope',
    server: spec.server,
    caPem: spec.caPem,
  };
}
