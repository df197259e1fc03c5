import { readFileSync } from 'node:fs';

import type { TokenCredential } from '@azure/core-auth';
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

import { armClientOptions } from './arm/armClientOptions.ts';
import type { ArmConnection } from './arm/armClientOptions.ts';
import { mapArmError } from './arm/mapArmError.ts';
import { SubscriptionRateLimiter } from './arm/SubscriptionRateLimiter.ts';
import { createAksEndpointResolver } from './clusters/createAksEndpointResolver.ts';
import { createClusterConnector } from './clusters/ClusterConnector.ts';
import type { BindingIndex } from './bindings/BindingIndex.ts';
import { createTableBindingIndex } from './bindings/createTableBindingIndex.ts';
import type { ClusterConnector } from './clusters/ClusterConnector.ts';
import type { ClusterStore } from './clusters/ClusterStore.ts';
import { createTableClusterStore } from './clusters/createTableClusterStore.ts';
import type { Config } from './config.ts';
import { createDefaultKeyProviderRegistry } from './keys/registry.ts';
import type { KeyProviderRegistry } from './keys/registry.ts';
import type { Logger } from './logging.ts';
import type { ResyncDeps } from './resync/runResync.ts';

/** Everything the use-cases need, built once per process from the configuration. */
export interface Services {
  readonly config: Config;
  readonly credential: TokenCredential;
  readonly clusters: ClusterStore;
  readonly index: BindingIndex;
  readonly connect: ClusterConnector;
  readonly providers: KeyProviderRegistry;
  /** Dependencies of a resync, logging to `logger`. */
  resyncDeps(logger: Logger): ResyncDeps;
}

/** Parts a caller may supply instead of building them from the configuration (tests, the demo). */
export interface ServiceOverrides {
  readonly credential?: TokenCredential;
  readonly clusters?: ClusterStore;
  readonly index?: BindingIndex;
  readonly now?: () => Date;
}

/**
 * The composition root's engine half: builds credentials and clients once from the configuration.
 * @param config - from `loadConfig()`
 * @param overrides - parts to use instead
 */
export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
  const credential = overrides.credential ?? credentialFor(config);
  const connection: ArmConnection = {
    endpoint: config.armEndpoint,
    credential,
    ...(config.armCaFile ? { caPem: readFileSync(config.armCaFile, 'utf8') } : {}),
  };
  const rateLimiter = new SubscriptionRateLimiter({
    burst: config.armWritesBurst,
    refillPerSecond: config.armWritesPerSecond,
  });
  const providers = createDefaultKeyProviderRegistry({ connection, rateLimiter });
  const clusters =
    overrides.clusters ?? createTableClusterStore(tableClient(config, config.clustersTable, credential));
  const index =
    overrides.index ?? createTableBindingIndex(tableClient(config, config.bindingsTable, credential));
  const connect = createClusterConnector({
    credential,
    requestTimeoutInMs: config.kubeRequestTimeoutInMs,
    resolveAksEndpoint: createAksEndpointResolver({
      credential,
      clientOptions: armClientOptions(connection),
      mapError: (err, resourceId, action) => mapArmError(err, { resourceId, action }),
    }),
  });
  const now = overrides.now ?? (() => new Date());
  return {
    config,
    credential,
    clusters,
    index,
    connect,
    providers,
    resyncDeps: (logger) => ({
      clusters,
      index,
      connect,
      providers,
      logger,
      clusterConcurrency: config.clusterConcurrency,
      resourceConcurrency: config.resourceConcurrency,
      now,
    }),
  };
}

/** A credential that always returns one fixed token (local development against the simulator only). */
export function staticTokenCredential(token: string): TokenCredential {
  return { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

function credentialFor(config: Config): TokenCredential {
  if (config.devBearerToken) return staticTokenCredential(config.devBearerToken);
  if (config.managedIdentityClientId)
    return new ManagedIdentityCredential({ clientId: config.managedIdentityClientId });
  return new DefaultAzureCredential();
}

/**
 * A Table storage client for one table, identity-based in Azure or by connection string for Azurite.
 * @param config - the configuration
 * @param table - table name
 * @param credential - the service identity
 */
export function tableClient(config: Config, table: string, credential: TokenCredential): TableClient {
  if ('connectionString' in config.tables) {
    const insecure =
      /TableEndpoint=http:\/\//i.test(config.tables.connectionString) ||
      /UseDevelopmentStorage/i.test(config.tables.connectionString);
    return TableClient.fromConnectionString(config.tables.connectionString, table, {
      allowInsecureConnection: insecure,
    });
  }
  return new TableClient(config.tables.endpoint, table, credential);
}
