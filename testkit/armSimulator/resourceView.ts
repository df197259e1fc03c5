import { typeInfoOfKind } from './resourceTypes.ts';
import type {
  SimCosmosAccount,
  SimManagedCluster,
  SimRedisCache,
  SimResource,
  SimStorageAccount,
} from './simResources.ts';

/**
 * The body ARM returns for `GET <resourceId>`: the resource's envelope and the properties the engine reads
 * (endpoints, host names, the flags that disable key authentication), never keys.
 * @param resource - the resource
 */
export function resourceView(resource: SimResource): Record<string, unknown> {
  const envelope = {
    id: resource.id,
    name: resource.name,
    type: typeInfoOfKind(resource.kind).armType,
    location: resource.location,
    tags: {},
  };
  switch (resource.kind) {
    case 'storage':
      return { ...envelope, ...storageView(resource) };
    case 'cosmos':
      return { ...envelope, ...cosmosView(resource) };
    case 'redis':
      return { ...envelope, ...redisView(resource) };
    case 'managedCluster':
      return { ...envelope, ...managedClusterView(resource) };
  }
}

function storageView(r: SimStorageAccount): Record<string, unknown> {
  return {
    kind: 'StorageV2',
    sku: { name: 'Standard_LRS', tier: 'Standard' },
    properties: {
      provisioningState: 'Succeeded',
      primaryEndpoints: r.primaryEndpoints,
      primaryLocation: r.location,
      statusOfPrimary: 'available',
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
      // ARM omits the flag when it was never set (null means allowed).
      ...(r.allowSharedKeyAccess === undefined ? {} : { allowSharedKeyAccess: r.allowSharedKeyAccess }),
    },
  };
}

function cosmosView(r: SimCosmosAccount): Record<string, unknown> {
  return {
    kind: 'GlobalDocumentDB',
    properties: {
      provisioningState: 'Succeeded',
      documentEndpoint: r.documentEndpoint,
      databaseAccountOfferType: 'Standard',
      disableLocalAuth: r.disableLocalAuth ?? false,
    },
  };
}

function redisView(r: SimRedisCache): Record<string, unknown> {
  return {
    properties: {
      provisioningState: 'Succeeded',
      sku: { name: 'Standard', family: 'C', capacity: 1 },
      redisVersion: '6.0',
      hostName: r.hostName,
      port: r.port,
      sslPort: r.sslPort,
      enableNonSslPort: r.enableNonSslPort,
      minimumTlsVersion: '1.2',
      ...(r.disableAccessKeyAuthentication === undefined
        ? {}
        : { disableAccessKeyAuthentication: r.disableAccessKeyAuthentication }),
      redisConfiguration: { 'aad-enabled': String(r.disableAccessKeyAuthentication === true) },
    },
  };
}

function managedClusterView(r: SimManagedCluster): Record<string, unknown> {
  return {
    properties: {
      provisioningState: 'Succeeded',
      kubernetesVersion: '1.33.0',
      fqdn: new URL(r.server).hostname,
      aadProfile: { managed: true, enableAzureRBAC: true },
      disableLocalAccounts: true,
    },
  };
}
