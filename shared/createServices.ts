import { readFileSync } from 'node:fs';

import type { TokenCredential } from '@azure/core-auth';
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

import { armClientOptions } from './arm/armClientOptions.ts';
import type { ArmConnection } from './arm/armClientOptions.ts';
import { mapArmError } from './arm/mapArmError.ts';
import { staticTokenCredential } from './arm/staticTokenCredential.ts';
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
import type { KeyLedger } from './keys/KeyLedger.ts';
import { createTableKeyLedger } from './keys/createTableKeyLedger.ts';
import { boundedCredential } from './timeouts/boundedCredential.ts';
import type { EventClaims } from './events/EventClaims.ts';
import { createTableEventClaims } from './events/createTableEventClaims.ts';
import type { ArmEventDeps } from './events/handleArmChanges.ts';
import type { Logger } from './logging.ts';
import type { EngineDeps } from './reconcile/EngineDeps.ts';
import { connectServiceBusRedelivery } from './watch/serviceBusRedelivery.ts';
import type { WatchRedelivery } from './watch/WatchRedelivery.ts';

/**
 * Tokens of ARM's write bucket the client keeps in reserve (half a second of refill at 10/s): measured with
 * `npm run bench`, pacing at exactly the refill rate drew 429s and one-second lockouts from jitter alone.
 */
export const armWritesReserve = 5;

/** Everything the use-cases need, built once per process from the configuration. */
export interface Services {
  readonly config: Config;
  readonly credential: TokenCredential;
  readonly clusters: ClusterStore;
  readonly index: BindingIndex;
  readonly connect: ClusterConnector;
  readonly providers: KeyProviderRegistry;
  readonly ledger: KeyLedger;
  /** One claim per Event Grid event ID, shared by every host: duplicate deliveries cost one listKeys. */
  readonly eventClaims: EventClaims;
  /**
   * Schedules delayed retries of watch messages on the watch queue; undefined when no Service Bus namespace
   * is configured (retries then fall back to Service Bus's immediate redelivery).
   */
  readonly watchRedelivery: WatchRedelivery | undefined;
  /** Dependencies of a resync, logging to `logger`. Every key read is ordered through the key ledger. */
  engineDeps(logger: Logger): EngineDeps;
  /** Dependencies of the ARM event path, logging to `logger`. */
  armEventDeps(logger: Logger): ArmEventDeps;
}

/** Parts a caller may supply instead of building them from the configuration (tests, the demo). */
export interface ServiceOverrides {
  readonly credential?: TokenCredential;
  readonly clusters?: ClusterStore;
  readonly index?: BindingIndex;
  readonly ledger?: KeyLedger;
  readonly eventClaims?: EventClaims;
  /** Where watch retries are scheduled (the in-process queue of the tests and the demo). */
  readonly watchRedelivery?: WatchRedelivery;
  /** Waits between stale key reads after a regenerate event. */
  readonly staleRetryDelaysInMs?: readonly number[];
  /** Clock skew tolerated between ARM event times and ours. */
  readonly clockSkewInMs?: number;
  readonly now?: () => Date;
}

/**
 * The composition root's engine half: builds credentials and clients once from the configuration.
 * @param config - from `loadConfig()`
 * @param overrides - parts to use instead
 */
export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
  // Every token request (ARM, Table storage, AKS) is bounded, as is every call below.
  const credential = boundedCredential(
    overrides.credential ?? credentialFor(config),
    config.azureTimeoutInMs,
  );
  const bound = { timeoutInMs: config.azureTimeoutInMs };
  const connection: ArmConnection = {
    endpoint: config.armEndpoint,
    credential,
    requestTimeoutInMs: config.azureTimeoutInMs,
    ...(config.armCaFile ? { caPem: readFileSync(config.armCaFile, 'utf8') } : {}),
  };
  const rateLimiter = new SubscriptionRateLimiter({
    burst: config.armWritesBurst,
    refillPerSecond: config.armWritesPerSecond,
    reserve: Math.min(armWritesReserve, config.armWritesBurst - 1),
  });
  const providers = createDefaultKeyProviderRegistry({ connection, rateLimiter });
  const clusters =
    overrides.clusters ??
    createTableClusterStore(tableClient(config, config.clustersTable, credential), bound);
  const indexTable = tableClient(config, config.bindingsTable, credential);
  const index = overrides.index ?? createTableBindingIndex(indexTable, bound);
  const ledger = overrides.ledger ?? createTableKeyLedger(indexTable, bound);
  const eventClaims = overrides.eventClaims ?? createTableEventClaims(indexTable, bound);
  const connect = createClusterConnector({
    credential,
    allowKubeconfig: config.allowKubeconfigClusters,
    requestTimeoutInMs: config.kubeRequestTimeoutInMs,
    resolveAksEndpoint: createAksEndpointResolver({
      credential,
      clientOptions: armClientOptions(connection),
      mapError: (err, resourceId, action) => mapArmError(err, { resourceId, action }),
      timeoutInMs: config.azureTimeoutInMs,
    }),
  });
  const now = overrides.now ?? (() => new Date());
  const watchRedelivery =
    overrides.watchRedelivery ??
    (config.serviceBusNamespace
      ? connectServiceBusRedelivery({
          fullyQualifiedNamespace: config.serviceBusNamespace,
          queueName: config.watchQueue,
          credential,
        })
      : undefined);
  const engineDeps = (logger: Logger): EngineDeps => ({
    clusters,
    index,
    connect,
    providers,
    ledger,
    logger,
    clusterConcurrency: config.clusterConcurrency,
    resourceConcurrency: config.resourceConcurrency,
    now,
  });
  return {
    config,
    credential,
    clusters,
    index,
    connect,
    providers,
    ledger,
    eventClaims,
    watchRedelivery,
    engineDeps,
    armEventDeps: (logger) => ({
      ...engineDeps(logger),
      ...(overrides.staleRetryDelaysInMs ? { staleRetryDelaysInMs: overrides.staleRetryDelaysInMs } : {}),
      ...(overrides.clockSkewInMs !== undefined ? { clockSkewInMs: overrides.clockSkewInMs } : {}),
    }),
  };
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
