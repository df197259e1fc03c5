/** One access key with the time it was issued. */
export interface SimKey {
  value: string;
  creationTime: string;
}

/** Fields every simulated resource has. */
export interface SimResourceBase {
  /** Resource ID in the casing it was created with. */
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
}

/** The `primaryEndpoints` of a storage account. */
export interface StorageEndpoints {
  blob?: string;
  queue?: string;
  table?: string;
  file?: string;
  web?: string;
  dfs?: string;
}

/** A simulated `Microsoft.Storage/storageAccounts`. */
export interface SimStorageAccount extends SimResourceBase {
  readonly kind: 'storage';
  /** Undefined = not set (ARM omits it; shared keys are allowed). */
  allowSharedKeyAccess: boolean | undefined;
  primaryEndpoints: StorageEndpoints;
  keys: { key1: SimKey; key2: SimKey };
}

/** Key names of a Cosmos DB account. */
export type CosmosKeyName =
  'primaryMasterKey' | 'secondaryMasterKey' | 'primaryReadonlyMasterKey' | 'secondaryReadonlyMasterKey';

/** A simulated `Microsoft.DocumentDB/databaseAccounts`. */
export interface SimCosmosAccount extends SimResourceBase {
  readonly kind: 'cosmos';
  documentEndpoint: string;
  disableLocalAuth: boolean | undefined;
  keys: Record<CosmosKeyName, string>;
}

/** A simulated `Microsoft.Cache/redis`. */
export interface SimRedisCache extends SimResourceBase {
  readonly kind: 'redis';
  hostName: string;
  port: number;
  sslPort: number;
  enableNonSslPort: boolean;
  disableAccessKeyAuthentication: boolean | undefined;
  keys: { primaryKey: string; secondaryKey: string };
}

/** A simulated `Microsoft.ContainerService/managedClusters` pointing at a local control plane. */
export interface SimManagedCluster extends SimResourceBase {
  readonly kind: 'managedCluster';
  /** API server URL of the local control plane. */
  server: string;
  /** PEM of the CA that signed the control plane's serving certificate. */
  caPem: string;
}

/** Any simulated resource. */
export type SimResource = SimStorageAccount | SimCosmosAccount | SimRedisCache | SimManagedCluster;
